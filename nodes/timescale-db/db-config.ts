// The database connection a user sets in the editor, parsed into typed values at the edge. The password and
// TLS material come from Node-RED's credential store, never from the flow.
import type { RawConfig as Raw } from '../common/config-fields';
import { readSettings } from '../common/settings-schema';
import { settingsSchema, type TLS_MODES } from './timescale-db-schema';

export type TlsMode = (typeof TLS_MODES)[number];

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
  const s = readSettings(settingsSchema, raw);
  const tls: TlsSettings = { mode: s.tls, ca: pem(credentials.ca), cert: pem(credentials.cert), key: pem(credentials.key) };
  if (Boolean(tls.cert) !== Boolean(tls.key)) throw new RangeError('a client certificate needs its key, and a key its certificate');
  return {
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    password: text(credentials.password),
    tls,
    poolSize: s.poolSize,
    connectTimeoutMs: s.connectTimeoutMs,
    statementTimeoutMs: s.statementTimeoutMs,
  };
}

