// Posts line protocol to one InfluxDB server through @influxdata/influxdb-client's HTTP transport (its timeout,
// TLS options and gzip), without the client's WriteApi: batching, retries and the disk spool belong to the
// shared sink pipeline, which needs each write's own outcome, not the client's background retry buffer.
import { HttpError, InfluxDB, type Transport } from '@influxdata/influxdb-client';
import type { InfluxSettings } from './influx-config';

export type Precision = 's' | 'ms' | 'us' | 'ns';
export const PRECISIONS: readonly Precision[] = ['s', 'ms', 'us', 'ns'];

/** Bodies longer than this many bytes go gzipped (Content-Encoding: gzip); shorter ones gain nothing from it. */
export const GZIP_ABOVE_BYTES = 1000;

/**
 * The precision parameter each API spells: v2 takes ns, us, ms, s (v2 API reference, POST /api/v2/write);
 * 1.x takes ns, u, ms, s, m, h (InfluxDB v1.6 API reference, /write "precision").
 */
const V1_PRECISION: Record<Precision, string> = { ns: 'ns', us: 'u', ms: 'ms', s: 's' };

export class InfluxWriter {
  private readonly transport: Transport;

  constructor(readonly settings: InfluxSettings) {
    const basic =
      settings.api === 'v1' && settings.user ? `Basic ${Buffer.from(`${settings.user}:${settings.password ?? ''}`).toString('base64')}` : undefined;
    const client = new InfluxDB({
      url: settings.url,
      token: settings.api === 'v2' ? settings.token : undefined,
      timeout: settings.timeoutMs,
      headers: basic ? { authorization: basic } : undefined,
      transportOptions: { rejectUnauthorized: settings.verifyTls, ...(settings.ca ? { ca: settings.ca } : {}) },
    });
    this.transport = client.transport;
  }

  /** The request path with its query for a write at `precision`. */
  path(precision: Precision): string {
    const s = this.settings;
    const query = new URLSearchParams(
      s.api === 'v2'
        ? { org: s.org, bucket: s.bucket, precision }
        : { db: s.database, ...(s.retentionPolicy ? { rp: s.retentionPolicy } : {}), precision: V1_PRECISION[precision] },
    );
    return `${s.api === 'v2' ? '/api/v2/write' : '/write'}?${query.toString()}`;
  }

  /** Writes lines (joined by "\n"); rejects with the client's HttpError, RequestTimedOutError or a socket error. */
  async write(lines: string, precision: Precision): Promise<void> {
    await this.transport.request(this.path(precision), lines, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      gzipThreshold: GZIP_ABOVE_BYTES,
    });
  }
}

/** The HTTP status of a failed write, when the server answered. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof HttpError ? err.statusCode : undefined;
}
