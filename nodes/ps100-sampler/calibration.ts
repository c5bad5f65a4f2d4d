// From a panel's shunt and maximum current, and the sample period, to the words written into the chip:
// calibration, current and power LSBs, and a configuration whose conversion fits the sample period.
// Calibration: Current_LSB = I_max / 32768, CAL = trunc(k / (Current_LSB × R)), k = 0.04096 (INA219) or
// 0.00512 (INA226); Power_LSB = 20 or 25 × Current_LSB (ESPHome esphome/components/ina219/ina219.cpp and
// ina226/ina226.cpp setup(); Linux drivers/hwmon/ina2xx.c power_lsb_factor).
import { SCALE, type ChipModel } from './registers';

export interface PanelElectrical {
  /** Ω */
  readonly shuntOhms: number;
  /** A, the largest current the panel can deliver (full scale of the current register). */
  readonly maxCurrentA: number;
}

export interface Calibration {
  readonly register: number;
  /** A per count of the current register, as the chip applies it after CAL was truncated. */
  readonly currentLsbA: number;
  /** W per count of the power register. */
  readonly powerLsbW: number;
}

export class SettingError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

/**
 * Why this shunt cannot measure this current on this chip, or undefined when it can. The INA219's widest
 * shunt range is ±320 mV (PGA /8), the INA226's ±81.92 mV: a shunt that drops more at the maximum current
 * would clip every reading above the range, so it is refused rather than silently clipped.
 */
export function shuntRangeProblem(model: ChipModel, panel: PanelElectrical): string | undefined {
  if (!(panel.shuntOhms > 0) || !(panel.maxCurrentA > 0)) return 'shunt resistance and maximum current must be above 0';
  const drop = panel.shuntOhms * panel.maxCurrentA;
  const fullScale = SCALE[model].shuntFullScaleV;
  if (drop > fullScale + 1e-12) {
    const reachable = fullScale / panel.shuntOhms;
    return `${model} shunt range is ±${fullScale * 1000} mV: a ${panel.shuntOhms} Ω shunt at ${panel.maxCurrentA} A drops ${round(drop * 1000)} mV; it reaches only ${round(reachable)} A`;
  }
  return undefined;
}

export function calibrationFor(model: ChipModel, panel: PanelElectrical): Calibration {
  const problem = shuntRangeProblem(model, panel);
  if (problem) throw new SettingError(problem);
  const scale = SCALE[model];
  // The smallest LSB the datasheet allows; a tiny shunt would need a CAL the register cannot hold, so the
  // LSB grows until CAL fits (resolution is then set by the shunt, not the register).
  const lsb = Math.max(panel.maxCurrentA / 32768, scale.calibrationConstant / (scale.maxCalibration * panel.shuntOhms));
  // The epsilon keeps a CAL that is whole on paper (e.g. at the register limit) from truncating one below.
  const whole = Math.min(scale.maxCalibration, Math.trunc(scale.calibrationConstant / (lsb * panel.shuntOhms) + 1e-9));
  // The INA219 ignores CAL bit 0 (it always reads 0), so an odd value would not read back as written.
  const register = model === 'INA219' ? whole & 0xfffe : whole;
  // Truncating CAL makes each count worth slightly more than the LSB asked for.
  const currentLsbA = scale.calibrationConstant / (register * panel.shuntOhms);
  return { register, currentLsbA, powerLsbW: scale.powerLsbFactor * currentLsbA };
}

const round = (n: number) => Math.round(n * 100) / 100;

/** How the chip converts: the configuration word and how long one result takes. */
export interface Conversion {
  readonly config: number;
  /** Time from one result to the next in continuous shunt-and-bus mode, ms. */
  readonly periodMs: number;
  readonly description: string;
}

/** A share of the sample period the conversion may take, so every tick sees a result finished since the last. */
const CONVERSION_SHARE = 0.5;

// INA219 ADC settings (bits 10-7 BADC, 6-3 SADC): 12-bit with 1 to 128 samples averaged, and their times
// (TI SBOS448 table "ADC Settings"; reference section 4.2).
const INA219_ADC: readonly { code: number; samples: number; ms: number }[] = [
  { code: 0b0011, samples: 1, ms: 0.532 },
  { code: 0b1001, samples: 2, ms: 1.06 },
  { code: 0b1010, samples: 4, ms: 2.13 },
  { code: 0b1011, samples: 8, ms: 4.26 },
  { code: 0b1100, samples: 16, ms: 8.51 },
  { code: 0b1101, samples: 32, ms: 17.02 },
  { code: 0b1110, samples: 64, ms: 34.05 },
  { code: 0b1111, samples: 128, ms: 68.1 },
];
/** 32 V bus range (bit 13): a 100 W panel's open-circuit voltage is above 16 V. */
const INA219_BRNG_32V = 1 << 13;
const MODE_SHUNT_AND_BUS_CONTINUOUS = 0b111;

/** INA219 PGA (bits 12-11): the narrowest of ±40/80/160/320 mV that holds the shunt's drop at maximum current. */
export function ina219Gain(panel: PanelElectrical): { code: number; rangeV: number } {
  const drop = panel.shuntOhms * panel.maxCurrentA;
  const ranges = [0.04, 0.08, 0.16, 0.32];
  const code = ranges.findIndex((r) => drop <= r + 1e-12);
  if (code < 0) throw new SettingError(shuntRangeProblem('INA219', panel) ?? 'shunt range');
  return { code, rangeV: ranges[code] };
}

export function ina219Conversion(panel: PanelElectrical, samplePeriodMs: number): Conversion {
  const budget = samplePeriodMs * CONVERSION_SHARE;
  // Shunt then bus, one after the other: the pair must fit the budget; the most averaging that does.
  const adc = [...INA219_ADC].reverse().find((a) => 2 * a.ms <= budget) ?? INA219_ADC[0];
  const gain = ina219Gain(panel);
  const config = INA219_BRNG_32V | (gain.code << 11) | (adc.code << 7) | (adc.code << 3) | MODE_SHUNT_AND_BUS_CONTINUOUS;
  return { config, periodMs: 2 * adc.ms, description: `12-bit ×${adc.samples}, ±${gain.rangeV * 1000} mV` };
}

// INA226 conversion times (bits 8-6 VBUSCT, 5-3 VSHCT) and averaging counts (bits 11-9)
// (ina2xx.c ina226_avg_tab; TI SBOS547 configuration register; reference section 4.3).
const INA226_CT_MS = [0.14, 0.204, 0.332, 0.588, 1.1, 2.116, 4.156, 8.244];
const INA226_AVG = [1, 4, 16, 64, 128, 256, 512, 1024];
/** Bit 14 of the INA226 configuration reads 1 (its reset value 0x4127 has it). */
const INA226_RESERVED_BIT = 1 << 14;

export function ina226Conversion(samplePeriodMs: number): Conversion {
  const budget = samplePeriodMs * CONVERSION_SHARE;
  // The longest total (the most noise averaged away) that fits; a tie goes to the longer conversion time.
  let best = { ct: 0, avg: 0, ms: 2 * INA226_CT_MS[0] };
  for (let ct = 0; ct < INA226_CT_MS.length; ct++) {
    for (let avg = 0; avg < INA226_AVG.length; avg++) {
      const ms = 2 * INA226_CT_MS[ct] * INA226_AVG[avg];
      if (ms <= budget && ms >= best.ms) best = { ct, avg, ms };
    }
  }
  const config = INA226_RESERVED_BIT | (best.avg << 9) | (best.ct << 6) | (best.ct << 3) | MODE_SHUNT_AND_BUS_CONTINUOUS;
  return { config, periodMs: best.ms, description: `${INA226_CT_MS[best.ct]} ms ×${INA226_AVG[best.avg]}` };
}

export function conversionFor(model: ChipModel, panel: PanelElectrical, samplePeriodMs: number): Conversion {
  return model === 'INA219' ? ina219Conversion(panel, samplePeriodMs) : ina226Conversion(samplePeriodMs);
}

/** Times the simulator applies to a configuration word (the same tables read the other way). */
export function conversionPeriodMs(model: ChipModel, config: number): number {
  if (model === 'INA219') {
    const time = (code: number) => INA219_ADC.find((a) => a.code === code)?.ms ?? (code & 0b1000 ? 0.532 : [0.084, 0.148, 0.276, 0.532][code & 0b11]);
    return time((config >> 7) & 0xf) + time((config >> 3) & 0xf);
  }
  return (INA226_CT_MS[(config >> 6) & 7] + INA226_CT_MS[(config >> 3) & 7]) * INA226_AVG[(config >> 9) & 7];
}
