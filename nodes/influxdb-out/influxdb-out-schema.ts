// The influxdb-out node's settings: what the editor offers (built into influxdb-out.html) and out-config.ts
// reads. The editor's check of the name lists is point-row.ts keyName's rule (no backslash, no line break, not
// "time"), applied to each comma-separated name.
import type { Schema } from '../common/settings-schema';
import { PRECISIONS } from '../influxdb/influx-writer';

const NAME_OK = "function (n) { return n !== 'time' && !/[\\\\\\n\\r]/.test(n); }";
const nameList = {
  editor: `return s.split(',').map(function (n) { return n.trim(); }).filter(function (n) { return n !== ''; }).every(${NAME_OK});`,
};
const oneName = { editor: `return s === '' || (${NAME_OK})(s);` };

export const settingsSchema = {
  name: { kind: 'text', default: '' },
  influxdb: { kind: 'link', nodeType: 'influxdb' },
  // Empty: each message's msg.measurement names it.
  measurement: { kind: 'text', default: '' },
  deviceTag: { kind: 'text', default: 'device', check: oneName },
  // Empty: messages without msg.device are refused.
  device: { kind: 'text', default: '' },
  tags: { kind: 'text', default: '', check: nameList },
  integers: { kind: 'text', default: '', check: nameList },
  precision: { kind: 'choice', options: PRECISIONS, default: 'ms' },
  batchRows: { kind: 'whole', default: 500, min: 1, max: 10_000 },
  batchMs: { kind: 'whole', default: 1000, min: 10, max: 60_000 },
  spoolMB: { kind: 'whole', default: 256, min: 1, max: 1_000_000 },
  // Empty: one folder per node under Node-RED's user directory.
  spoolDir: { kind: 'text', default: '' },
} as const satisfies Schema;
