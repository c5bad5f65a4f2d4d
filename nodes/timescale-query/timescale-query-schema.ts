// The timescale-query node's settings: what the editor offers (built into timescale-query.html) and
// query-config.ts reads.
import type { Schema } from '../common/settings-schema';

export const settingsSchema = {
  name: { kind: 'text', default: '' },
  database: { kind: 'link', nodeType: 'timescale-db' },
  // The editor's suggestion; an empty query is refused.
  sql: { kind: 'text', default: 'SELECT * FROM epever_tracer WHERE device = $1 ORDER BY time DESC LIMIT 1', required: true, what: 'the query' },
  // A forgotten WHERE cannot flood the flow.
  maxRows: { kind: 'whole', default: 10_000, min: 1, max: 1_000_000 },
} as const satisfies Schema;
