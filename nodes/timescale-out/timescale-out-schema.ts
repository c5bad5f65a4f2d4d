// The timescale-out node's settings: what the editor offers (built into timescale-out.html) and out-config.ts
// reads. The editor's checks are built from the runtime's rules (identifier pattern, span units).
import type { Schema } from '../common/settings-schema';
import { UNITS } from './intervals';
import { IDENTIFIER_PATTERN, MAX_IDENTIFIER, MAX_TABLE } from './schema';

const SPAN = `/^(\\d+)\\s*(${UNITS.flatMap((u) => u.names).join('|')})$/i`;
const identifier = (maxLength: number) => ({
  editor: `return s === '' || (${String(IDENTIFIER_PATTERN)}.test(s) && s.length <= ${maxLength});`,
});
// One span ("5m", "1 hour") as intervals.ts parseSpan reads it: 1 to 100000 of a known unit.
const ONE_SPAN = `function (p) { var m = ${SPAN}.exec(p); return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 100000; }`;
const span = { editor: `return s === '' || (${ONE_SPAN})(s);` };
const spanList = {
  editor: `return s.split(',').map(function (p) { return p.trim(); }).filter(function (p) { return p !== ''; }).every(${ONE_SPAN});`,
};

export const settingsSchema = {
  name: { kind: 'text', default: '' },
  database: { kind: 'link', nodeType: 'timescale-db' },
  // Empty: each message's msg.measurement names the table.
  table: { kind: 'text', default: '', check: identifier(MAX_TABLE) },
  schema: { kind: 'text', default: 'public', check: identifier(MAX_IDENTIFIER) },
  deviceColumn: { kind: 'text', default: 'device', check: identifier(MAX_IDENTIFIER) },
  // Empty: messages without msg.device are stored without one.
  device: { kind: 'text', default: '' },
  batchRows: { kind: 'whole', default: 500, min: 1, max: 10_000 },
  batchMs: { kind: 'whole', default: 1000, min: 10, max: 60_000 },
  spoolMB: { kind: 'whole', default: 256, min: 1, max: 1_000_000 },
  // Empty: one folder per node under Node-RED's user directory.
  spoolDir: { kind: 'text', default: '' },
  chunkInterval: { kind: 'text', default: '1d', check: span },
  // Empty: no aggregates.
  buckets: { kind: 'text', default: '5m, 1h, 1d', emptyMeansNone: true, check: spanList },
  // 0: never compress / keep forever.
  compressAfterDays: { kind: 'whole', default: 7, min: 0, max: 36500 },
  retentionDays: { kind: 'whole', default: 0, min: 0, max: 36500 },
} as const satisfies Schema;
