// Counts and times the transactions that actually go on the wire, per device, retries included.
import type { BusQueue } from '../../nodes/common/bus-queue';

type Device = string | number;

export class TransactionLog {
  private readonly counts = new Map<Device, number>();
  private readonly busyMs = new Map<Device, number>();

  /** `transaction`, recorded each time it runs. */
  wrap<T>(device: Device, transaction: () => Promise<T>): () => Promise<T> {
    return async () => {
      const started = performance.now();
      this.counts.set(device, this.count(device) + 1);
      try {
        return await transaction();
      } finally {
        this.busyMs.set(device, this.busy(device) + performance.now() - started);
      }
    };
  }

  count(device: Device): number {
    return this.counts.get(device) ?? 0;
  }

  /** Time the bus spent on this device's transactions, answered or not. */
  busy(device: Device): number {
    return this.busyMs.get(device) ?? 0;
  }
}

/** Logs every attempt the queue makes: its `run` hands each attempt the transaction function again. */
export function logQueue(queue: BusQueue): TransactionLog {
  const log = new TransactionLog();
  const run = queue.run.bind(queue);
  queue.run = <T>(device: Device, transaction: () => Promise<T>): Promise<T> => run(device, log.wrap(device, transaction));
  return log;
}
