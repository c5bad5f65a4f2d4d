// A PZEM-like meter built the way the Modbus toolkit intends: a register map, a plant filling the image, and
// overrides where the device is particular (devices-and-services.md section 3.1).
import { groupWords } from '../../nodes/common/modbus/register-codec';
import { defineRegister, type RegisterFamily, type RegisterTable } from '../../nodes/common/modbus/register';
import { ExceptionCode, ModbusException } from '../../nodes/common/simulator/modbus-slave/device';
import { RegisterImageDevice } from '../../nodes/common/simulator/register-image-device';

const INPUT: RegisterFamily = { table: 'input', wordOrder: 'low-first' };
const HOLDING: RegisterFamily = { table: 'holding', wordOrder: 'low-first' };

export const METER_INPUT = [
  defineRegister(INPUT, 'voltage', 0, { scale: 100 }),
  defineRegister(INPUT, 'current', 1, { scale: 100 }),
  defineRegister(INPUT, 'power', 2, { type: 'u32', scale: 10 }),
  defineRegister(INPUT, 'energy', 4, { type: 'u32' }),
] as const;
export const METER_HOLDING = [
  defineRegister(HOLDING, 'highAlarm', 0, { scale: 100 }),
  defineRegister(HOLDING, 'lowAlarm', 1, { scale: 100 }),
  defineRegister(HOLDING, 'address', 2),
  defineRegister(HOLDING, 'range', 3),
] as const;
export const METER_RANGE = [METER_HOLDING[3]] as const;
export const RESET_ENERGY = 0x42;

export class TestMeter extends RegisterImageDevice {
  readonly generalUnitId = 0xf8;
  energyWh = 123456;
  constructor(unitId = 1) {
    super(unitId, { input: [[0, 7]], holding: [[0, 3]] });
    groupWords(METER_HOLDING, { highAlarm: 300, lowAlarm: 7, address: unitId, range: 0 }).forEach((w, i) => this.stored.set(i, w));
  }
  protected fillImage(table: RegisterTable, image: Map<number, number>): void {
    if (table === 'input') groupWords(METER_INPUT, { voltage: 12.34, current: 5.67, power: 69.9, energy: this.energyWh }).forEach((w, i) => image.set(i, w));
  }
  protected override writeProblem(address: number, values: readonly number[]): string | undefined {
    if (values.length !== 1) return 'one register at a time';
    if (address === 2 && (values[0] < 1 || values[0] > 0xf7)) return 'address must be 1..247';
    return undefined;
  }
  protected override acceptWrite(address: number, values: readonly number[]): void {
    super.acceptWrite(address, values);
    if (address === 2) this.changeUnitId(values[0]);
  }
  customFunction(functionCode: number, data: Buffer): Buffer {
    if (functionCode !== RESET_ENERGY || data.length !== 0) throw new ModbusException(ExceptionCode.illegalFunction);
    this.energyWh = 0;
    return Buffer.alloc(0);
  }
}
