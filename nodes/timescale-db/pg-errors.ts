// Which database failures mean "the database is not there right now" (keep the rows, try again later) and
// which mean "these rows are wrong" (report them, write the rest).

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * SQLSTATE classes of a server that is unreachable, shutting down, overloaded or out of disk: 08 connection
 * exception, 40 transaction rollback, 53 insufficient resources, 57 operator intervention (shutdown,
 * statement timeout), 58 system error.
 */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58']);

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

/** The table or a column is not what we cached: someone dropped or altered it behind our back. */
export function isSchemaDrift(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state === '42P01' || state === '42703' || state === '42804';
}
