// The influxdb config node's settings: what the editor offers (built into influxdb.html) and influx-config.ts
// reads. The token, the 1.x user and password and the CA are credentials (Node-RED's credential store).
import type { Schema } from '../common/settings-schema';

/** `v2`: InfluxDB 2.x / 3.x (bucket, token); `v1`: InfluxDB 1.x (database, user and password). */
export const INFLUX_APIS = ['v2', 'v1'] as const;

const filled = { editor: "return s !== '';" };

export const settingsSchema = {
  name: { kind: 'text', default: '' },
  url: { kind: 'text', default: 'http://localhost:8086', required: true, check: { editor: 'return /^https?:\\/\\/\\S+$/.test(s);' } },
  api: { kind: 'choice', options: INFLUX_APIS, default: 'v2' },
  org: { kind: 'text', default: '' },
  // Each needed only by its API (influx-config.ts refuses it empty there); the editor marks it while it is shown.
  bucket: { kind: 'text', default: '', when: { field: 'api', in: ['v2'] }, check: filled },
  database: { kind: 'text', default: '', when: { field: 'api', in: ['v1'] }, check: filled },
  // Empty: the database's default retention policy.
  retentionPolicy: { kind: 'text', default: '' },
  verifyTls: { kind: 'flag', default: true },
  // Always set: a server that stops answering never holds a write (and its points) for long.
  timeoutMs: { kind: 'whole', default: 10_000, min: 500, max: 300_000 },
} as const satisfies Schema;
