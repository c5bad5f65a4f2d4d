// An INA219 or INA226 as its registers behave: configuration and reset, calibration, conversions that finish on
// the clock (ready flag), the chip's own current and power arithmetic with its overflow flag, and a brown-out.
// Current = shunt × CAL / 4096 (INA219) or / 2048 (INA226), power = current × bus / 5000 or / 20000: the
// calibration equation of registers.ts solved for the registers (TI SBOS448 / SBOS547, "Programming").
import { conversionPeriodMs } from './calibration';
import {
  CONFIG_RESET_BIT,
  INA219_CNVR,
  INA219_OVF,
  INA219_RESET_CONFIG,
  INA226_CVRF,
  INA226_DIE_ID,
  INA226_OVF,
  INA226_RESET_CONFIG,
  REG,
  SCALE,
  TI_MANUFACTURER_ID,
  type ChipModel,
} from './registers';

/** What flows through the panel's shunt at a moment. */
export interface ElectricalState {
  readonly volts: number;
  readonly amps: number;
}

export interface SimChipOptions {
  readonly model: ChipModel;
  readonly shuntOhms: number;
  /** The panel's state at a time (ms of the simulator's clock). */
  readonly source: (timeMs: number) => ElectricalState;
  /** Monotonic ms. */
  readonly clock: () => number;
}

const INA219_PGA_V = [0.04, 0.08, 0.16, 0.32];

export class SimChip {
  config: number;
  calibration = 0;
  private maskEnable = 0;
  private alertLimit = 0;
  private shunt = 0;
  private bus = 0;
  private current = 0;
  private power = 0;
  private ready = false;
  private overflow = false;
  private nextResultAt = 0;
  /** A stuck conversion: no result ever finishes until the configuration is written. */
  stuck = false;

  constructor(private readonly options: SimChipOptions) {
    this.config = this.resetConfig();
    this.restartConversion();
  }

  get model(): ChipModel {
    return this.options.model;
  }

  /** Power dips: every register back to its power-on value, calibration 0. */
  brownOut(): void {
    this.config = this.resetConfig();
    this.calibration = 0;
    this.maskEnable = 0;
    this.alertLimit = 0;
    this.current = 0;
    this.power = 0;
    this.restartConversion();
  }

  readRegister(reg: number): number {
    this.update();
    const ina226 = this.model === 'INA226';
    switch (reg) {
      case REG.config:
        return this.config;
      case REG.shuntVoltage:
        return this.shunt & 0xffff;
      case REG.busVoltage:
        return ina226 ? this.bus : ((this.bus << 3) | (this.ready ? INA219_CNVR : 0) | (this.overflow ? INA219_OVF : 0)) & 0xffff;
      case REG.power:
        // INA219: reading power clears the conversion-ready bit.
        if (!ina226) this.ready = false;
        return this.power;
      case REG.current:
        return this.current & 0xffff;
      case REG.calibration:
        return this.calibration;
    }
    if (!ina226) return 0xffff;
    switch (reg) {
      case REG.maskEnable: {
        // Reading mask/enable clears the conversion-ready flag.
        const value = (this.maskEnable & 0xfc00) | (this.ready ? INA226_CVRF : 0) | (this.overflow ? INA226_OVF : 0);
        this.ready = false;
        return value;
      }
      case 0x07:
        return this.alertLimit;
      case REG.manufacturerId:
        return TI_MANUFACTURER_ID;
      case REG.dieId:
        return INA226_DIE_ID;
      default:
        return 0xffff;
    }
  }

  writeRegister(reg: number, value: number): void {
    this.update();
    const ina226 = this.model === 'INA226';
    if (reg === REG.config) {
      if (value & CONFIG_RESET_BIT) {
        this.brownOut();
        return;
      }
      this.config = ina226 ? (value & 0x0fff) | 0x4000 : value & 0x3fff;
      this.stuck = false;
      this.restartConversion();
    } else if (reg === REG.calibration) {
      // INA219: bit 0 of CAL is not used; INA226: bit 15 is not.
      this.calibration = ina226 ? value & 0x7fff : value & 0xfffe;
    } else if (ina226 && reg === REG.maskEnable) {
      this.maskEnable = value & 0xfc03;
    } else if (ina226 && reg === 0x07) {
      this.alertLimit = value & 0xffff;
    }
  }

  private resetConfig(): number {
    return this.model === 'INA219' ? INA219_RESET_CONFIG : INA226_RESET_CONFIG;
  }

  private conversionMs(): number {
    return Math.max(0.1, conversionPeriodMs(this.model, this.config));
  }

  private restartConversion(): void {
    this.ready = false;
    this.nextResultAt = this.options.clock() + this.conversionMs();
  }

  /** Finishes the conversions due by now; only the latest result is kept, as in the chip. */
  private update(): void {
    const now = this.options.clock();
    if (this.stuck || (this.config & 0b111) !== 0b111 || now < this.nextResultAt) return;
    const period = this.conversionMs();
    const done = this.nextResultAt + Math.floor((now - this.nextResultAt) / period) * period;
    this.nextResultAt = done + period;
    this.convert(this.options.source(done));
  }

  private convert(state: ElectricalState): void {
    const scale = SCALE[this.model];
    const ina226 = this.model === 'INA226';
    const rangeV = ina226 ? scale.shuntFullScaleV : INA219_PGA_V[(this.config >> 11) & 3];
    const fullCounts = Math.round(rangeV / scale.shuntLsbV);
    this.shunt = clamp(Math.round((state.amps * this.options.shuntOhms) / scale.shuntLsbV), -fullCounts, fullCounts);
    const busMax = ina226 ? 0x7fff : 0x1fff;
    this.bus = clamp(Math.round(Math.max(0, state.volts) / scale.busLsbV), 0, busMax);
    const current = Math.trunc((this.shunt * this.calibration) / (ina226 ? 2048 : 4096));
    const power = Math.trunc((Math.abs(current) * this.bus) / (ina226 ? 20000 : 5000));
    this.overflow = current > 0x7fff || current < -0x8000 || power > 0xffff;
    this.current = clamp(current, -0x8000, 0x7fff);
    this.power = clamp(power, 0, 0xffff);
    this.ready = true;
  }
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));
