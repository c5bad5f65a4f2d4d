// One scan of a deployed bus, as the editor's Scan button runs it: probes go through the bus queue (never beside a
// poll) with the scan's own short timeout, each failure returned out of the queue so a silent id costs one
// timeout, no retries, and backs off no device the nodes poll.
import type { ModbusUnit } from '../common/modbus/unit';
import { messageOf } from '../common/errors';
import type { ModbusConnection } from './connection';
import { explainFailure, failureKind, unitThrough } from './modbus-client';
import { ScanCancelled, scanBus, type FoundDevice } from './scan';

export interface ScanState {
  running: boolean;
  done: number;
  total: number;
  unitId: number;
  found: FoundDevice[];
  cancelled: boolean;
  error?: string;
}

/** Short enough for 247 ids in under a minute, long enough for a 9600-baud answer of 25 bytes and a slow meter. */
export const DEFAULT_SCAN_TIMEOUT_MS = 200;

function scanUnit(connection: ModbusConnection, unitId: number, timeoutMs: number): ModbusUnit {
  return unitThrough(async (op) => {
    const outcome = await connection.transact(unitId, async (client) => {
      const previous = client.getTimeout();
      client.setTimeout(timeoutMs);
      try {
        return { ok: true as const, value: await op(client) };
      } catch (err) {
        return { ok: false as const, err };
      } finally {
        client.setTimeout(previous);
      }
    });
    if (!outcome.ok) throw explainFailure(outcome.err, unitId, timeoutMs);
    return outcome.value;
  }, connection.settings.transport);
}

export class ScanJob {
  readonly state: ScanState;
  private readonly abort = new AbortController();
  readonly finished: Promise<void>;

  constructor(connection: ModbusConnection, from: number, to: number, timeoutMs = DEFAULT_SCAN_TIMEOUT_MS) {
    this.state = { running: true, done: 0, total: to - from + 1, unitId: from, found: [], cancelled: false };
    // The scan is a user of the link like a device node: it opens the bus if no node has, and lets it go after.
    const user = `scan-${Date.now()}`;
    connection.register(user);
    this.finished = scanBus((id) => scanUnit(connection, id, timeoutMs), {
      from,
      to,
      signal: this.abort.signal,
      // Only a refusal is an answer; no answer, a garbled one, a backed-off id or a link failure is nobody there.
      isSilence: (err) => failureKind(err) !== 'refused',
      onProgress: (p) => Object.assign(this.state, { done: p.done, total: p.total, unitId: p.unitId, found: [...p.found] }),
    })
      .then(
        (found) => {
          this.state.found = found;
          const link = connection.linkStatus;
          if (found.length === 0 && link.state !== 'connected')
            this.state.error = `the bus is not connected (${link.state}${link.reason ? `: ${link.reason}` : ''})`;
        },
        (err: unknown) => {
          if (err instanceof ScanCancelled) this.state.cancelled = true;
          else this.state.error = messageOf(err);
        },
      )
      .then(() => connection.deregister(user))
      .catch(() => undefined)
      .finally(() => {
        this.state.running = false;
      });
  }

  cancel(): void {
    this.abort.abort();
  }
}
