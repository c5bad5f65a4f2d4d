// An I2C bus of simulated INA chips behind the same calls i2c-bus's PromisifiedBus offers (SMBus word order),
// with the faults a real bus shows: a device that stops acknowledging, and slow transfers.
import type { I2cBus } from './i2c';
import { swapBytes } from './registers';
import type { SimChip } from './sim-chip';

/** The error Linux gives for a transfer nobody acknowledged (i2c-bcm2835 returns -EREMOTEIO). */
export function nackError(address: number): Error {
  return Object.assign(new Error(`Remote I/O error: no acknowledge from 0x${address.toString(16)}`), { code: 'EREMOTEIO', errno: -121 });
}

export class SimI2cBus implements I2cBus {
  readonly chips = new Map<number, SimChip>();
  /** Addresses that do not acknowledge (a loose wire, a dead chip). */
  readonly nacking = new Set<number>();
  /** Per address, how long a transfer takes before it fails or answers (a hung device), ms. */
  readonly delays = new Map<number, number>();
  transfers = 0;
  closed = false;

  attach(address: number, chip: SimChip): this {
    this.chips.set(address, chip);
    return this;
  }

  async readWord(address: number, command: number): Promise<number> {
    const chip = await this.transfer(address);
    return swapBytes(chip.readRegister(command));
  }

  async writeWord(address: number, command: number, word: number): Promise<void> {
    const chip = await this.transfer(address);
    chip.writeRegister(command, swapBytes(word & 0xffff));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async transfer(address: number): Promise<SimChip> {
    if (this.closed) throw Object.assign(new Error('bus is closed'), { code: 'EBADF' });
    this.transfers++;
    const delay = this.delays.get(address);
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
    const chip = this.chips.get(address);
    if (chip === undefined || this.nacking.has(address)) throw nackError(address);
    return chip;
  }
}
