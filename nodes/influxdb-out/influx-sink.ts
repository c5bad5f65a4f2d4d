// Writes a batch of points as one line-protocol request and says what became of it (the Sink contract of
// nodes/common/sink). A point written twice is harmless: the same series and time overwrite it (InfluxDB v1.6
// "Frequently asked questions", duplicate points), so a replay needs no special path.
// Failures, by the HTTP answer (InfluxDB v2 API reference, POST /api/v2/write responses; v1.6 API reference,
// /write status codes):
// - no answer (socket error, timeout), 429 or 5xx: an outage; the batch waits in the spool;
// - 401 (token or user refused), 403 (no write right), 404 (no such bucket, org or database): the server
//   refuses the writer as a whole, a configuration error; rows stay in the spool;
// - 400, 413 or 422: the batch's own data (a field whose type differs from the one stored, a point outside
//   the retention period, a body too large). The batch is split in halves until each refused point stands
//   alone and is refused by itself; the others go in (InfluxDB writes the valid lines of a partial write, and
//   writing them again overwrites them with the same values).
import { messageOf } from '../common/errors';
import type { Failure, Sink, WriteContext, WriteOutcome } from '../common/sink/sink';
import { statusOf, type InfluxWriter, type Precision } from '../influxdb/influx-writer';
import { toLine } from './line-protocol';
import type { PointRow } from './point-row';

const REFUSALS: Record<number, string> = { 401: 'auth', 403: 'permission', 404: 'bucket' };
const BAD_DATA = new Set([400, 413, 422]);

export class InfluxSink implements Sink<PointRow> {
  constructor(
    private readonly writer: InfluxWriter,
    private readonly precision: Precision,
  ) {}

  async write(rows: readonly PointRow[], _context: WriteContext): Promise<WriteOutcome> {
    const lines = rows.map((row) => toLine(row, this.precision));
    const outcome: WriteOutcome = { inserted: 0, duplicates: 0, rejected: [], emptied: [] };
    await this.writeSpan(lines, 0, lines.length, outcome);
    return outcome;
  }

  classify(err: Error): Failure {
    const status = statusOf(err);
    if (status === undefined || status === 429 || status >= 500) return { kind: 'outage' };
    const reason = REFUSALS[status];
    if (reason) return { kind: 'refusal', reason };
    return BAD_DATA.has(status) ? { kind: 'bad-batch' } : { kind: 'outage' };
  }

  /** Writes lines [from, to); on a refusal of the data, halves the span until each bad line stands alone. */
  private async writeSpan(lines: readonly string[], from: number, to: number, outcome: WriteOutcome): Promise<void> {
    try {
      await this.writer.write(lines.slice(from, to).join('\n'), this.precision);
      outcome.inserted += to - from;
    } catch (err) {
      const status = statusOf(err);
      if (status === undefined || !BAD_DATA.has(status)) throw err;
      if (to - from === 1) {
        outcome.rejected.push({ index: from, error: new Error(`InfluxDB refused the point: ${messageOf(err)}`) });
        return;
      }
      const middle = from + Math.ceil((to - from) / 2);
      await this.writeSpan(lines, from, middle, outcome);
      await this.writeSpan(lines, middle, to, outcome);
    }
  }
}
