// A simulated PZEM meter on the register-image device: values that move, energy that accumulates, a shunt range
// that scales the current it reports, voltage/power alarms from its thresholds, 0x42 energy reset, the general
// address 0xF8 and an address register that moves the meter on the bus.
import { encodeGroup } from '../common/modbus/register-codec';
import type { RegisterTable } from '../common/modbus/register';
import { ExceptionCode, ModbusException } from '../common/simulator/modbus-slave/device';
import { RegisterImageDevice } from '../common/simulator/register-image-device';
import { MODEL_INFO, type PzemModel } from './models';
import {
  AC_ANSWERED,
  AC_MEASUREMENTS,
  AC_PARAMETERS,
  ALARM_ON,
  DC_ANSWERED,
  DC_MEASUREMENTS,
  DC_PARAMETERS,
  GENERAL_ADDRESS,
  MAX_ADDRESS,
  MIN_ADDRESS,
  RESET_ENERGY_FC,
  SHUNT_CODES,
  shuntOfCode,
  THRESHOLD_RANGES,
  type ShuntAmps,
} from './register-map';

export interface PzemSimulatorOptions {
  unitId?: number;
  model?: PzemModel;
  now?: () => Date;
  /** PZEM-017: the shunt really fitted, A (default 100); the range register says what the meter assumes. */
  fittedShunt?: ShuntAmps;
  /** Mean voltage, V (default 13.2 DC, 230 AC). */
  voltage?: number;
  /** Mean true current, A (default 8 DC, 2 AC). */
  current?: number;
  /** Energy counter at start, Wh. */
  energyWh?: number;
  /** Phase of the moving values, so meters on one bus differ. */
  phase?: number;
}

const PERIOD_S = 60;

export class PzemSimulator extends RegisterImageDevice {
  readonly generalUnitId = GENERAL_ADDRESS;
  readonly model: PzemModel;
  private readonly now: () => Date;
  private readonly dc: boolean;
  private readonly fittedShunt: ShuntAmps;
  private readonly meanVoltage: number;
  private readonly meanCurrent: number;
  private readonly phase: number;
  private energyWh: number;
  private lastMs: number;
  /** Forced true current, A, for tests (undefined: the moving value). */
  trueCurrent?: number;
  /** Forced voltage, V, for tests. */
  trueVoltage?: number;
  /** How many 0x42 resets the meter took. */
  resets = 0;

  constructor(options: PzemSimulatorOptions = {}) {
    const model = options.model ?? 'PZEM-017';
    const dc = MODEL_INFO[model].kind === 'dc';
    super(options.unitId ?? 1, dc ? DC_ANSWERED : AC_ANSWERED);
    this.model = model;
    this.dc = dc;
    this.now = options.now ?? (() => new Date());
    this.fittedShunt = options.fittedShunt ?? 100;
    this.meanVoltage = options.voltage ?? (dc ? 13.2 : 230);
    this.meanCurrent = options.current ?? (dc ? 8 : 2);
    this.phase = options.phase ?? 0;
    this.energyWh = options.energyWh ?? 1234;
    this.lastMs = this.now().getTime();
    // Factory defaults (PZEM-003/017 manual: high 300 V, low 7 V, range code 0 = 100 A).
    if (dc) encodeGroup(DC_PARAMETERS, { highVoltageThreshold: 300, lowVoltageThreshold: 7, address: this.unitId, currentRange: 0 }, this.stored);
    // AC: a threshold above the simulated load, so the power alarm is off until a test or a user lowers it.
    else encodeGroup(AC_PARAMETERS, { powerThreshold: 23000, address: this.unitId }, this.stored);
  }

  /** The shunt range the meter is set to (PZEM-017), A. */
  shuntRange(): ShuntAmps | undefined {
    return shuntOfCode(this.stored.get(DC_PARAMETERS[3].address) ?? 0);
  }

  energy(): number {
    return this.energyWh;
  }

  private voltage(t: number): number {
    return this.trueVoltage ?? this.meanVoltage * (1 + 0.03 * Math.sin((2 * Math.PI * t) / PERIOD_S + this.phase));
  }

  private current(t: number): number {
    return this.trueCurrent ?? Math.max(0, this.meanCurrent * (1 + 0.4 * Math.sin((2 * Math.PI * t) / (PERIOD_S / 2) + this.phase)));
  }

  /** The current the meter reports: a PZEM-017 set to another range than its shunt's scales it by their ratio. */
  private measuredCurrent(t: number): number {
    const current = this.current(t);
    if (!MODEL_INFO[this.model].shunt) return current;
    return (current * (this.shuntRange() ?? 100)) / this.fittedShunt;
  }

  /** Energy accumulates with the reported power between requests. */
  private advance(): number {
    const ms = this.now().getTime();
    const t = ms / 1000;
    if (ms > this.lastMs) this.energyWh += (this.voltage(t) * this.measuredCurrent(t) * (ms - this.lastMs)) / 3_600_000;
    this.lastMs = Math.max(ms, this.lastMs);
    return t;
  }

  protected override fillImage(table: RegisterTable, image: Map<number, number>): void {
    if (table !== 'input') return;
    const t = this.advance();
    const voltage = this.voltage(t);
    const current = this.measuredCurrent(t);
    const power = voltage * current;
    const energy = Math.floor(this.energyWh);
    const word = (at: number) => this.stored.get(at) ?? 0;
    if (this.dc) {
      const high = word(DC_PARAMETERS[0].address) / 100;
      const low = word(DC_PARAMETERS[1].address) / 100;
      encodeGroup(
        DC_MEASUREMENTS,
        { voltage, current, power, energy, highVoltageAlarm: voltage > high ? ALARM_ON : 0, lowVoltageAlarm: voltage < low ? ALARM_ON : 0 },
        image,
      );
      return;
    }
    const pf = 0.92;
    encodeGroup(
      AC_MEASUREMENTS,
      {
        voltage,
        current,
        power: power * pf,
        energy,
        frequency: 50,
        powerFactor: pf,
        powerAlarm: power * pf > word(AC_PARAMETERS[0].address) ? ALARM_ON : 0,
      },
      image,
    );
  }

  protected override writeProblem(address: number, values: readonly number[]): string | undefined {
    if (values.length !== 1) return 'PZEM meters take one register at a time (FC6)';
    const value = values[0];
    if (address === 0x0002) return value >= MIN_ADDRESS && value <= MAX_ADDRESS ? undefined : `address ${value} is not 1..247`;
    if (!this.dc) {
      const [min, max] = THRESHOLD_RANGES.power;
      return value >= min && value <= max ? undefined : `power threshold ${value} W out of range`;
    }
    if (address === 0x0003) return MODEL_INFO[this.model].shunt && shuntOfCode(value) !== undefined ? undefined : `no current range ${value}`;
    const [min, max] = address === 0x0000 ? THRESHOLD_RANGES.highVoltage : THRESHOLD_RANGES.lowVoltage;
    return value >= min * 100 && value <= max * 100 ? undefined : `threshold ${value / 100} V out of range`;
  }

  protected override acceptWrite(address: number, values: readonly number[]): void {
    super.acceptWrite(address, values);
    if (address === 0x0002) this.changeUnitId(values[0]);
  }

  /** 0x42: the energy counter to zero; the answer is the request's own bytes (no data after the function code). */
  customFunction(functionCode: number, data: Buffer): Buffer {
    if (functionCode !== RESET_ENERGY_FC) throw new ModbusException(ExceptionCode.illegalFunction, `no function 0x${functionCode.toString(16)}`);
    if (data.length !== 0) throw new ModbusException(ExceptionCode.illegalDataValue, 'reset energy takes no data');
    this.advance();
    this.energyWh = 0;
    this.resets++;
    return Buffer.alloc(0);
  }
}

export { SHUNT_CODES };
