// The pg pool for one database, with the limits pg leaves off by default: a connect timeout, a statement
// timeout the server enforces, a client-side timeout for a server that stops answering, and an error
// handler (an idle connection the server closes otherwise takes Node down with an unhandled 'error').
import { Pool, type PoolConfig } from 'pg';
import type { DbSettings } from './db-config';

/** Beyond the statement timeout: time for the server's own cancel to arrive before the client gives up. */
const CLIENT_GRACE_MS = 5000;
const IDLE_MS = 30_000;

export function poolConfig(s: DbSettings): PoolConfig {
  return {
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    password: s.password,
    max: s.poolSize,
    connectionTimeoutMillis: s.connectTimeoutMs,
    statement_timeout: s.statementTimeoutMs,
    query_timeout: s.statementTimeoutMs + CLIENT_GRACE_MS,
    idleTimeoutMillis: IDLE_MS,
    keepAlive: true,
    application_name: 'node-red-solar-telemetry',
    ssl: s.tls.mode === 'disable' ? false : { rejectUnauthorized: s.tls.mode === 'verify-full', ca: s.tls.ca, cert: s.tls.cert, key: s.tls.key },
  };
}

/**
 * How long a write may run before a writer calls it overdue and spools the rows waiting behind it: a sixth
 * of the statement timeout (5 s at the default 30 s), between 1 s and 30 s. A healthy batch takes
 * milliseconds and even a new hypertable with its aggregates a few seconds, while the client's own limit
 * (query_timeout above, statement timeout + 5 s) would keep rows in memory for 35 s.
 */
export function overdueAfterMs(s: DbSettings): number {
  return Math.min(30_000, Math.max(1000, Math.round(s.statementTimeoutMs / 6)));
}

/** `onIdleError` hears errors of connections sitting idle in the pool; the pool drops them itself. */
export function createPool(s: DbSettings, onIdleError: (err: Error) => void): Pool {
  const pool = new Pool(poolConfig(s));
  pool.on('error', onIdleError);
  return pool;
}
