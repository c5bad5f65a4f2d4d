// The part of node-hid's async API (HID.HIDAsync) the HID link uses, and the lazy loader behind it. node-hid
// is an optional dependency with a native binding: it is loaded only when a port uses USB HID, so a machine
// without it (or without libusb) still runs every other transport.
import { messageOf } from '../common/errors';
import { describeHidTarget, type HidTarget } from './port-config';

/** An open HID device, as `HID.HIDAsync` offers it. */
export interface HidDevice {
  /** First byte is the report id (0: unnumbered reports); resolves with the bytes written. */
  write(values: number[] | Buffer): Promise<number>;
  /** One input report, or an empty buffer when `timeOut` ms pass without one. */
  read(timeOut?: number): Promise<Buffer | undefined>;
  close(): Promise<void>;
  on(event: 'error', listener: (err: unknown) => void): unknown;
}

export type HidOpener = (target: HidTarget) => Promise<HidDevice>;

interface NodeHidModule {
  HIDAsync: {
    open(path: string): Promise<HidDevice>;
    open(vendorId: number, productId: number): Promise<HidDevice>;
  };
}

let nodeHid: NodeHidModule | undefined;

function loadNodeHid(): NodeHidModule {
  if (!nodeHid) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      nodeHid = require('node-hid') as NodeHidModule;
    } catch (err) {
      throw new Error(`USB HID needs the optional package node-hid, which did not load: ${messageOf(err)}`, { cause: err });
    }
  }
  return nodeHid;
}

/** Opens the device through node-hid; its binding (and libusb) load here, at the first open. */
export const openNodeHid: HidOpener = async (target) => {
  const hid = loadNodeHid();
  try {
    return target.path !== undefined ? await hid.HIDAsync.open(target.path) : await hid.HIDAsync.open(target.vendorId, target.productId);
  } catch (err) {
    throw new Error(`cannot open USB HID ${describeHidTarget(target)}: ${messageOf(err)}`, { cause: err });
  }
};
