// The timescale-db settings: what the editor offers (built into timescale-db.html) and db-config.ts reads. The
// password and TLS material are credentials (Node-RED's credential store), not settings.
import type { Schema } from '../common/settings-schema';

export const TLS_MODES = ['disable', 'require', 'verify-full'] as const;

export const settingsSchema = {
  name: { kind: 'text', default: '' },
  host: { kind: 'text', default: '127.0.0.1', required: true },
  port: { kind: 'whole', default: 5432, min: 1, max: 65535 },
  database: { kind: 'text', default: 'solar', required: true },
  user: { kind: 'text', default: 'postgres', required: true },
  tls: { kind: 'choice', options: TLS_MODES, default: 'disable' },
  poolSize: { kind: 'whole', default: 2, min: 1, max: 20 },
  // pg's default is to wait forever.
  connectTimeoutMs: { kind: 'whole', default: 5000, min: 500, max: 120_000 },
  statementTimeoutMs: { kind: 'whole', default: 30_000, min: 1000, max: 3_600_000 },
} as const satisfies Schema;
