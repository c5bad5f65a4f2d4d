// One database as the writer nodes share it: the pool, who is using it, and what the server offers. The pool
// ends only after the last writer has flushed, whatever order Node-RED closes the nodes in.
import { EventEmitter } from 'node:events';
import type { Pool } from 'pg';
import { messageOf } from '../common/errors';
import type { DbSettings } from './db-config';
import { createPool } from './pool';

/** What running a statement needs: a pool, or one connection taken from it. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface Capabilities {
  /** TimescaleDB version installed in the database, if any. */
  timescale?: string;
  /** Version the server could install with CREATE EXTENSION, if it has the package. */
  timescaleAvailable?: string;
  server: string;
}

export class Database extends EventEmitter {
  readonly pool: Pool;
  private readonly users = new Set<string>();
  private capabilities: Capabilities | undefined;
  private ended = false;

  constructor(
    readonly settings: DbSettings,
    pool?: Pool,
  ) {
    super();
    // An idle connection the server dropped is already out of the pool; writers notice on their next query.
    this.pool = pool ?? createPool(settings, (err) => this.emit('idle-error', err));
  }

  register(userId: string): void {
    this.users.add(userId);
  }

  deregister(userId: string): void {
    this.users.delete(userId);
    if (this.users.size === 0) this.emit('unused');
  }

  /** What the server offers; asked on the first connection that succeeds, remembered after. */
  async probe(via: Queryable = this.pool): Promise<Capabilities> {
    if (this.capabilities) return this.capabilities;
    const { rows } = await via.query(
      `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS installed,
              (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
              current_setting('server_version') AS server`,
    );
    const row = rows[0] ?? {};
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    this.capabilities = { timescale: text(row.installed), timescaleAvailable: text(row.available), server: text(row.server) ?? '?' };
    return this.capabilities;
  }

  /** Waits up to `waitMs` for the writers to leave, then ends the pool, giving that `endMs` at most. */
  async shutdown(waitMs: number, endMs = 2000): Promise<void> {
    if (this.ended) return;
    if (this.users.size > 0) await this.until('unused', waitMs);
    this.ended = true;
    await withTimeout(this.pool.end(), endMs).catch((err: unknown) => this.emit('idle-error', new Error(messageOf(err))));
  }

  private until(event: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.off(event, finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.once(event, finish);
    });
  }
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
