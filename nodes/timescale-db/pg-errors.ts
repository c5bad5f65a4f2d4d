// Which database failures mean "the database is not there right now" (keep the rows, try again later), which
// mean "the database refuses us until someone changes a setting" (keep the rows too, say what to fix), and
// which mean "these rows are wrong" (report them, write the rest). SQLSTATE codes and classes are from the
// PostgreSQL documentation, Appendix A "PostgreSQL Error Codes" (errcodes-appendix).

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * SQLSTATE classes of a server that is unreachable, shutting down, overloaded or out of disk: 08 connection
 * exception, 40 transaction rollback, 53 insufficient resources, 57 operator intervention (shutdown,
 * statement timeout), 58 system error.
 */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58']);

/** What the database holds against us as a whole; each needs a person (a redeploy, a DBA) to clear it. */
export type Refusal = 'auth' | 'database' | 'permission' | 'schema';

const REFUSALS: Readonly<Record<string, Refusal>> = {
  // Class 28, invalid authorization specification: no pg_hba.conf entry, an unknown role, a role that may not log in.
  '28000': 'auth',
  // invalid_password: a wrong password.
  '28P01': 'auth',
  // invalid_catalog_name: the database does not exist.
  '3D000': 'database',
  // invalid_schema_name: the schema the tables go in does not exist.
  '3F000': 'schema',
  // insufficient_privilege: no right to connect, create the table, or insert.
  '42501': 'permission',
};

export function sqlStateOf(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && SQLSTATE.test(code) ? code : undefined;
}

/**
 * True for failures that retrying later can cure. Anything without a SQLSTATE is a socket, TLS, DNS or
 * client timeout problem (ECONNREFUSED, "Connection terminated", "Query read timeout"), so it counts too:
 * keeping rows a little longer is better than losing them.
 */
export function isTransientFailure(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state === undefined || TRANSIENT_CLASSES.has(state.slice(0, 2));
}

/** The refusal `err` is, if it is one: a login, a database, a schema or a right the server does not grant. */
export function refusalOf(err: unknown): Refusal | undefined {
  const state = sqlStateOf(err);
  return state === undefined ? undefined : REFUSALS[state];
}

/**
 * True when no row can go in now, whatever the row: the server is away, or it refuses the login, the
 * database, the schema or the right to write. Rows then wait in the spool and the writer retries with its
 * backoff; the person who fixes the setting needs nothing else to happen for them to arrive.
 */
export function isBlockingFailure(err: unknown): boolean {
  return isTransientFailure(err) || refusalOf(err) !== undefined;
}

/** The table or a column is not what we cached: someone dropped or altered it behind our back. */
export function isSchemaDrift(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state === '42P01' || state === '42703' || state === '42804';
}
