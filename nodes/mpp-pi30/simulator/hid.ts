// The simulated inverter behind USB HID, through the same interface node-hid's HIDAsync offers: 8-byte output
// reports in (report id 0 first), 8-byte input reports out, reads with a timeout. It can vanish and come back
// under a new hidraw number, as real devices do after a USB reset. Tests and users without node-hid use it.
import { EventEmitter } from 'node:events';
import type { HidDevice, HidOpener } from '../../pi30-port/hid-device';
import type { HidTarget } from '../../pi30-port/port-config';
import { CR } from '../protocol/frame';
import { pi30Session, type Session } from './session';
import type { Pi30Simulator } from './inverter';

export const HID_REPORT_BYTES = 8;
export const SIMULATED_VENDOR_ID = 0x0665;
export const SIMULATED_PRODUCT_ID = 0x5161;

export interface SimulatedHid {
  /** Opens like `HID.HIDAsync.open(path)` or `(vendorId, productId)`; fails while the device is gone. */
  readonly open: HidOpener;
  /** The hidraw path the device is at now. */
  readonly path: string;
  /** Whether `path` exists, as `fs.existsSync` would say. */
  exists(path: string): boolean;
  /** Unplugs the device: every open handle fails, opening fails until `reappear`. */
  vanish(): void;
  /** Plugs it back in, under the next hidraw number. */
  reappear(): void;
  /** Every output report written, in order. */
  readonly reports: readonly Buffer[];
  /** How many times the device was opened. */
  readonly opens: number;
  /** The handles opened so far; tests check that each was closed. */
  readonly handles: readonly SimulatedHidDevice[];
}

export function simulateHid(sim: Pi30Simulator): SimulatedHid {
  let number = 0;
  let gone = false;
  let opens = 0;
  const reports: Buffer[] = [];
  const handles: SimulatedHidDevice[] = [];
  const hid: SimulatedHid = {
    get path() {
      return `/dev/hidraw${number}`;
    },
    exists: (path) => !gone && path === hid.path,
    vanish() {
      gone = true;
      for (const handle of handles) handle.unplug();
    },
    reappear() {
      gone = false;
      number += 1;
    },
    reports,
    get opens() {
      return opens;
    },
    handles,
    open: async (target: HidTarget) => {
      if (gone) throw new Error(`could not open HID device: no such device`);
      if (
        target.path !== undefined ? target.path !== hid.path : target.vendorId !== SIMULATED_VENDOR_ID || target.productId !== SIMULATED_PRODUCT_ID
      ) {
        throw new Error(
          `cannot open device with ${target.path !== undefined ? `path ${target.path}` : `vendor id 0x${target.vendorId.toString(16)} and product id 0x${target.productId.toString(16)}`}`,
        );
      }
      opens += 1;
      const handle = new SimulatedHidDevice(sim, reports, () => hid.vanish());
      handles.push(handle);
      return handle;
    },
  };
  return hid;
}

interface Waiter {
  resolve: (report: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class SimulatedHidDevice extends EventEmitter implements HidDevice {
  private readonly input: Buffer[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly session: Session;
  private closedHandle = false;
  private unplugged = false;

  constructor(
    sim: Pi30Simulator,
    private readonly log: Buffer[],
    drop: () => void,
  ) {
    super();
    this.session = pi30Session(sim, { write: (bytes) => this.reply(bytes), drop });
  }

  get closed(): boolean {
    return this.closedHandle;
  }

  async write(values: number[] | Buffer): Promise<number> {
    this.check('Cannot write to hid device');
    const report = Buffer.from(values);
    if (report.length !== 1 + HID_REPORT_BYTES || report[0] !== 0) {
      throw new Error(`output report must be report id 0 and ${HID_REPORT_BYTES} bytes, got ${report.length} bytes starting ${report[0]}`);
    }
    this.log.push(report);
    // The inverter takes a command up to its CR; the rest of the report is padding.
    const data = report.subarray(1);
    const end = data.indexOf(CR);
    this.session.push(Buffer.from(end >= 0 ? data.subarray(0, end + 1) : data));
    return report.length;
  }

  async read(timeOut?: number): Promise<Buffer | undefined> {
    this.check('could not read data from device');
    const ready = this.input.shift();
    if (ready) return ready;
    if (timeOut === 0) return Buffer.alloc(0);
    return new Promise<Buffer>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(Buffer.alloc(0));
        }, timeOut ?? 60_000),
      };
      this.waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    if (this.closedHandle) throw new TypeError('device is already closed');
    this.closedHandle = true;
    this.session.close();
    this.fail(new TypeError('device has been closed'));
  }

  /** The device disappears under this handle. */
  unplug(): void {
    this.unplugged = true;
    this.session.close();
    this.fail(new Error('could not read data from device'));
  }

  private check(failure: string): void {
    if (this.closedHandle) throw new TypeError('device has been closed');
    if (this.unplugged) throw new Error(failure);
  }

  private reply(bytes: Buffer): void {
    for (let at = 0; at < bytes.length; at += HID_REPORT_BYTES) {
      const report = Buffer.alloc(HID_REPORT_BYTES);
      bytes.copy(report, 0, at, Math.min(at + HID_REPORT_BYTES, bytes.length));
      const waiter = this.waiters.values().next().value;
      if (waiter) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(report);
      } else {
        this.input.push(report);
      }
    }
  }

  private fail(err: Error): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.waiters.clear();
  }
}
