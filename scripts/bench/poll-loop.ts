// Polls devices on a fixed schedule the way the device node does: every interval, skipping a device's tick
// while its previous poll still runs.
import { DeviceBackedOffError } from '../../nodes/common/bus-queue';

export interface ScheduledDevice {
  readonly name: string;
  poll(): Promise<unknown>;
}

export interface PollRecord {
  /** Ticks of the schedule inside the window. */
  ticks: number;
  /** Ticks dropped because the previous poll was still running. */
  skipped: number;
  /** When each successful poll finished, ms from the start. */
  readingsAt: number[];
  /** Polls the bus refused at once because the device is backed off. */
  backedOff: number;
  /** Polls that went on the wire and failed. */
  failed: number;
}

export async function pollOnSchedule(devices: readonly ScheduledDevice[], intervalMs: number, durationMs: number): Promise<Map<string, PollRecord>> {
  const started = performance.now();
  const records = new Map<string, PollRecord>();
  const inFlight = new Map<string, Promise<void>>();
  const timers: NodeJS.Timeout[] = [];

  for (const device of devices) {
    const record: PollRecord = { ticks: 0, skipped: 0, readingsAt: [], backedOff: 0, failed: 0 };
    records.set(device.name, record);
    const tick = () => {
      record.ticks++;
      if (inFlight.has(device.name)) {
        record.skipped++;
        return;
      }
      const poll = device
        .poll()
        .then(
          () => void record.readingsAt.push(performance.now() - started),
          (err: unknown) => void (err instanceof DeviceBackedOffError ? record.backedOff++ : record.failed++),
        )
        .finally(() => inFlight.delete(device.name));
      inFlight.set(device.name, poll);
    };
    tick();
    timers.push(setInterval(tick, intervalMs));
  }

  // End half an interval early so the window holds exactly durationMs / intervalMs ticks, never a racing extra.
  await new Promise((resolve) => setTimeout(resolve, durationMs - intervalMs / 2 - (performance.now() - started)));
  timers.forEach(clearInterval);
  // Polls started inside the window finish, so the bus is idle when the caller closes it.
  await Promise.all(inFlight.values());
  return records;
}
