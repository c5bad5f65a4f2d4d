// The rollup node's settings: what the editor offers (built into rollup.html) and node-config.ts reads.
import type { Schema } from '../common/settings-schema';

export const DEFAULT_WINDOWS = '1m,1h,day,month,year,lifetime';

export const settingsSchema = {
  name: { kind: 'text', default: '' },
  windows: { kind: 'text', default: DEFAULT_WINDOWS, check: 'windows' },
  zone: { kind: 'text', default: '', check: 'timeZone' },
  keyProperty: { kind: 'text', default: 'device' },
  fields: { kind: 'text', default: '' },
  powerFields: { kind: 'text', default: '' },
  grace: { kind: 'seconds', default: 5, min: 0 },
  maxGap: { kind: 'seconds', default: 300, min: 0, what: 'max gap' },
  // Empty: `rollup/{key}` (the editor shows it as the placeholder).
  topic: { kind: 'text', default: '' },
  // Empty: the readings' own measurement, else `rollup`.
  measurement: { kind: 'text', default: '' },
  // Empty: Node-RED's default context store.
  store: { kind: 'text', default: '' },
} as const satisfies Schema;
