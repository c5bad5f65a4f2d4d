// The database connection a user sets in the editor, parsed into typed values at the edge. The password and
// TLS material come from Node-RED's credential store, never from the flow.
import { wholeNumber, type RawConfig as Raw } from '../common/config-fields';

export type TlsMode = 'disable' | 'require' | 'verify-full';

export interface TlsSettings {
  mode: TlsMode;
  /** PEM text. */
  ca?: string;
  cert?: string;
  key?: string;
}

export interface DbSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  tls: TlsSettings;
  poolSize: number;
  /** How long opening a connection may take; pg's default is to wait forever. */
  connectTimeoutMs: number;
  /** Server-side limit per statement; the client also gives up a little later if the server never answers. */
  statementTimeoutMs: number;
}

export interface DbCredentials {
  password?: unknown;
  ca?: unknown;
  cert?: unknown;
  key?: unknown;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** PEM pasted into a one-line field arrives with literal "\n"; the TLS stack wants real line breaks. */
function pem(value: unknown): string | undefined {
  const given = text(value)?.trim();
  return given?.replace(/\\n/g, '\n');
}

/** Parses the editor's config and the node's credentials; throws a RangeError naming the bad field. */
export function parseDbSettings(raw: Raw, credentials: DbCredentials = {}): DbSettings {
  const host = String(raw.host ?? '').trim();
  if (!host) throw new RangeError('host is empty');
  const database = String(raw.database ?? '').trim();
  if (!database) throw new RangeError('database is empty');
  const user = String(raw.user ?? '').trim();
  if (!user) throw new RangeError('user is empty');
  const mode = String(raw.tls ?? '') || 'disable';
  if (mode !== 'disable' && mode !== 'require' && mode !== 'verify-full') {
    throw new RangeError(`tls must be disable, require or verify-full, got ${mode}`);
  }
  const tls: TlsSettings = { mode, ca: pem(credentials.ca), cert: pem(credentials.cert), key: pem(credentials.key) };
  if (Boolean(tls.cert) !== Boolean(tls.key)) throw new RangeError('a client certificate needs its key, and a key its certificate');
  return {
    host,
    port: wholeNumber(raw, 'port', 5432, 1, 65535),
    database,
    user,
    password: text(credentials.password),
    tls,
    poolSize: wholeNumber(raw, 'poolSize', 2, 1, 20),
    connectTimeoutMs: wholeNumber(raw, 'connectTimeoutMs', 5000, 500, 120_000),
    statementTimeoutMs: wholeNumber(raw, 'statementTimeoutMs', 30_000, 1000, 3_600_000),
  };
}

export function describeDb(s: DbSettings): string {
  return `${s.user}@${s.host}:${s.port}/${s.database}${s.tls.mode === 'disable' ? '' : ' (tls)'}`;
}
