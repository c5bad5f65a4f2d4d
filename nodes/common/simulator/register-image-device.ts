// A simulated Modbus device that is a register image: a plant fills the words of each table when a request
// comes, the device answers FC3/FC4 reads from them, keeps FC6/FC16 writes of holding registers, and refuses
// anything outside the ranges the real device answers, as the real one does. A new device is its register
// map, a plant filling the image, and overrides of the hooks where the real device is particular.
import type { AnsweredRanges } from '../modbus/block-read';
import type { RegisterTable, Span } from '../modbus/register';
import { ExceptionCode, ModbusException, noFaults, type BitTableName, type DeviceFaults, type ModbusDevice } from './modbus-slave/device';

export type BitRanges = Partial<Record<BitTableName, readonly Span[]>>;

/** Throws "illegal data address" unless every address of the request lies in one of `spans`. */
export function assertAnswered(spans: readonly Span[], address: number, count: number, what = 'register'): void {
  for (let a = address; a < address + count; a++) {
    if (!spans.some(([first, last]) => a >= first && a <= last)) {
      throw new ModbusException(ExceptionCode.illegalDataAddress, `no ${what} 0x${a.toString(16)}`);
    }
  }
}

export abstract class RegisterImageDevice implements ModbusDevice {
  readonly faults: DeviceFaults = noFaults();
  /** Holding registers as written (FC6/FC16) or preset by the plant; every holding read starts from these. */
  protected readonly stored = new Map<number, number>();

  private address: number;

  protected constructor(
    unitId: number,
    /** What the real device answers as one read, per table; the same ranges its block planner uses. */
    private readonly answered: AnsweredRanges,
    private readonly bitRanges: BitRanges = {},
  ) {
    this.address = unitId;
  }

  get unitId(): number {
    return this.address;
  }

  /** Takes a new unit id, as a device whose address is a register does; the bus finds it there from now on. */
  protected changeUnitId(unitId: number): void {
    if (!Number.isInteger(unitId) || unitId < 1 || unitId > 247) {
      throw new ModbusException(ExceptionCode.illegalDataValue, `unit id ${unitId} is not 1..247`);
    }
    this.address = unitId;
  }

  /**
   * Puts the table's words at this moment into `image` (address -> word; anything left out reads 0). For the
   * holding table the image already holds the stored registers.
   */
  protected abstract fillImage(table: RegisterTable, image: Map<number, number>): void;

  /**
   * Why the device refuses this write of holding registers (answered "illegal data value"), or undefined to
   * keep it. The default keeps every write inside the answered ranges.
   */
  protected writeProblem(_address: number, _values: readonly number[]): string | undefined {
    return undefined;
  }

  /** Keeps a write the device accepted; override where a write does more than store words. */
  protected acceptWrite(address: number, values: readonly number[]): void {
    values.forEach((word, i) => this.stored.set(address + i, word & 0xffff));
  }

  /** Puts the bits of a coil or discrete-input table into `bits`; anything left out reads false. */
  protected fillBits(_table: BitTableName, _bits: Map<number, boolean>): void {}

  /** Takes a coil write inside the coil ranges; by default the device has no writable coil. */
  protected acceptCoil(address: number, _value: boolean): void {
    throw new ModbusException(ExceptionCode.illegalDataAddress, `no coil 0x${address.toString(16)}`);
  }

  readRegisters(table: RegisterTable, address: number, count: number): number[] {
    assertAnswered(this.answered[table] ?? [], address, count);
    const image = new Map<number, number>(table === 'holding' ? this.stored : []);
    this.fillImage(table, image);
    return Array.from({ length: count }, (_, i) => image.get(address + i) ?? 0);
  }

  writeRegisters(address: number, values: number[]): void {
    assertAnswered(this.answered.holding ?? [], address, values.length);
    const problem = this.writeProblem(address, values);
    if (problem !== undefined) throw new ModbusException(ExceptionCode.illegalDataValue, problem);
    this.acceptWrite(address, values);
  }

  readBits(table: BitTableName, address: number, count: number): boolean[] {
    assertAnswered(this.bitRanges[table] ?? [], address, count);
    const bits = new Map<number, boolean>();
    this.fillBits(table, bits);
    return Array.from({ length: count }, (_, i) => bits.get(address + i) ?? false);
  }

  writeCoil(address: number, value: boolean): void {
    assertAnswered(this.bitRanges.coil ?? [], address, 1, 'coil');
    this.acceptCoil(address, value);
  }
}
