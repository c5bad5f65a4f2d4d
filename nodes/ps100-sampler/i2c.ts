// The part of i2c-bus's PromisifiedBus the sampler uses, the lazy loader of the real one, and what its errors
// mean. i2c-bus is optional and Linux-only: it is required only when a node opens a real bus.
import { access, constants } from 'node:fs/promises';
import { messageOf } from '../common/errors';
import type { DeviceFailureKind } from '../common/failure-kind';

/** Word access as i2c-bus offers it: SMBus byte order (see registers.ts swapBytes). */
export interface I2cBus {
  readWord(address: number, command: number): Promise<number>;
  writeWord(address: number, command: number, word: number): Promise<void>;
  close(): Promise<void>;
}

export type I2cOpener = (busNumber: number) => Promise<I2cBus>;

interface I2cBusModule {
  openPromisified(busNumber: number): Promise<I2cBus>;
}

/** Why a bus could not be used, in words a user can act on. */
export class BusUnavailableError extends Error {
  constructor(
    message: string,
    /** `no-device`: /dev/i2c-N is absent; `no-permission`: the user is not in the i2c group; `no-module`. */
    readonly reason: 'no-device' | 'no-permission' | 'no-module' | 'other',
  ) {
    super(message);
    this.name = 'BusUnavailableError';
  }
}

/** Opens /dev/i2c-<busNumber> through i2c-bus, loaded on first use. */
export const openRealBus: I2cOpener = async (busNumber) => {
  let module: I2cBusModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    module = require('i2c-bus') as I2cBusModule;
  } catch (err) {
    throw new BusUnavailableError(
      `the optional package i2c-bus is not installed or not built for this system (Linux only): ${messageOf(err)}`,
      'no-module',
    );
  }
  try {
    // i2c-bus opens the device file only at the first transfer, so a missing /dev/i2c-N or a user outside the
    // i2c group would surface as every panel failing; checking the file first names the real cause.
    await access(`/dev/i2c-${busNumber}`, constants.R_OK | constants.W_OK);
    return await module.openPromisified(busNumber);
  } catch (err) {
    throw openError(busNumber, err);
  }
};

/** An open failure turned into advice: a missing device node, or a user outside the i2c group. */
export function openError(busNumber: number, err: unknown): BusUnavailableError {
  const code = errorCode(err);
  const path = `/dev/i2c-${busNumber}`;
  if (code === 'ENOENT')
    return new BusUnavailableError(`${path} does not exist: enable I2C (raspi-config, or dtparam=i2c_arm=on) and check the bus number`, 'no-device');
  if (code === 'EACCES' || code === 'EPERM')
    return new BusUnavailableError(`no permission to open ${path}: add the Node-RED user to the i2c group and restart Node-RED`, 'no-permission');
  return new BusUnavailableError(`cannot open ${path}: ${messageOf(err)}`, 'other');
}

/**
 * i2c-bus opens the device file at a panel's first transfer: a file that vanished (adapter unloaded) or lost
 * its permission shows up as a read error that is the bus's, not the panel's.
 */
export function isBusFileError(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'EACCES' || code === 'EPERM';
}

/** Linux answers a transfer the device did not acknowledge with ENXIO or EREMOTEIO (i2c-bcm2835: EREMOTEIO). */
const NACK_CODES = new Set(['ENXIO', 'EREMOTEIO', 'EIO']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'EAGAIN']);

export function isNack(err: unknown): boolean {
  return NACK_CODES.has(errorCode(err) ?? '');
}

/** The engine's failure kinds for the device-node base's status table. */
export function failureKind(err: unknown): DeviceFailureKind {
  if (err instanceof BusUnavailableError) return 'link-down';
  const code = errorCode(err);
  if (code && (NACK_CODES.has(code) || TIMEOUT_CODES.has(code))) return 'no-answer';
  if (err instanceof RangeError || (err as { name?: unknown } | null)?.name === 'ReadingError') return 'bad-input';
  return 'error';
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
