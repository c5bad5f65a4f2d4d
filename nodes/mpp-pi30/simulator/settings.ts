// The simulated inverter's settings: what QPIRI, QDI, QFLAG and QBEQI report, and the setters that change
// them. Like a real model it takes only well-formed commands with allowed values and NAKs the rest.
import {
  BATTERY_TYPES,
  CHARGER_SOURCE_PRIORITIES,
  choicesFor,
  FLAG_LETTERS,
  INPUT_VOLTAGE_RANGES,
  OUTPUT_SOURCE_PRIORITIES,
  type ChoiceTable,
} from '../protocol/enums';
import { renderTable, type NumberFormat } from '../protocol/field-table';
import type { Pi30Value } from '../protocol/fields';
import { renderQflag as renderQflagReply } from '../protocol/qflag';
import { QDI_TABLES, QPIRI_TABLES, type Defaults, type Settings } from '../protocol/qpiri';
import { CHARGING_VOLTAGE_RANGE, CUT_OFF_RANGE, RECHARGE_VOLTAGES, REDISCHARGE_VOLTAGES } from '../protocol/setters';
import type { Variant } from '../protocol/variants';

/** The simulated firmware family: what it answers and which values its setters take follow the same tables as the node. */
export type SimModel = Variant;

export interface SimSettings {
  outputSourcePriority: number;
  chargerSourcePriority: number;
  inputVoltageRange: number;
  batteryType: number;
  rechargeVoltage: number;
  redischargeVoltage: number;
  cutOffVoltage: number;
  bulkVoltage: number;
  floatVoltage: number;
  maxChargingCurrent: number;
  maxUtilityChargingCurrent: number;
  outputFrequency: 50 | 60;
  /** QFLAG letters that are enabled. */
  enabledFlags: Set<string>;
}

/** A 48 V system: the voltage tables of the protocol are taken at this nominal voltage. */
export const SYSTEM_VOLTAGE = 48;
export const CHARGING_CURRENT_OPTIONS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];
export const UTILITY_CHARGING_CURRENT_OPTIONS = [2, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];

/** Factory settings (QDI): utility first, solar-first charging. */
export function defaultSettings(): SimSettings {
  return {
    outputSourcePriority: 0,
    chargerSourcePriority: 1,
    inputVoltageRange: 0,
    batteryType: 0,
    rechargeVoltage: 46,
    redischargeVoltage: 54,
    cutOffVoltage: 42,
    bulkVoltage: 56.4,
    floatVoltage: 54,
    maxChargingCurrent: 60,
    maxUtilityChargingCurrent: 30,
    outputFrequency: 50,
    enabledFlags: new Set(['a', 'k', 'x', 'y']),
  };
}

/**
 * How the simulated owner has set it up: SBU, back to the grid at 48 V and to the battery at 54 V, so the
 * battery cycles and the mode changes most days.
 */
export function initialSettings(): SimSettings {
  return { ...defaultSettings(), outputSourcePriority: 2, rechargeVoltage: 48 };
}

/** The flag letters a model knows (the enums table: `d` only on PI30MAX, `j` and `l` only on PI30). */
export function flagLettersOf(model: SimModel): string[] {
  return choicesFor(FLAG_LETTERS, model).map((f) => f.code);
}

/** The option codes a setter takes on a model, from the same tables the node checks against. */
const OPTION_TABLES: Readonly<Record<'POP' | 'PCP' | 'PGR' | 'PBT', ChoiceTable>> = {
  POP: OUTPUT_SOURCE_PRIORITIES,
  PCP: CHARGER_SOURCE_PRIORITIES,
  PGR: INPUT_VOLTAGE_RANGES,
  PBT: BATTERY_TYPES,
};

/** Battery voltages as the specifications print them: "BB.B". */
const VOLTS: NumberFormat = { width: 4, decimals: 1 };
const ONE_DECIMAL: NumberFormat = { decimals: 1 };

/** How the simulated firmware prints the QPIRI fields (the specifications' samples); PI30MAX has a wider AC current. */
function qpiriFormats(model: SimModel): Record<string, NumberFormat> {
  const f = (name: keyof Settings) => `settings.${name}`;
  return {
    [f('grid_rating_voltage')]: ONE_DECIMAL,
    [f('grid_rating_current')]: ONE_DECIMAL,
    [f('ac_output_rating_voltage')]: ONE_DECIMAL,
    [f('ac_output_rating_frequency')]: ONE_DECIMAL,
    [f('ac_output_rating_current')]: ONE_DECIMAL,
    [f('battery_rating_voltage')]: VOLTS,
    [f('battery_recharge_voltage')]: VOLTS,
    [f('battery_low_alarm_voltage')]: VOLTS,
    [f('battery_under_voltage')]: VOLTS,
    [f('battery_bulk_voltage')]: VOLTS,
    [f('battery_float_voltage')]: VOLTS,
    [f('battery_redischarge_voltage')]: VOLTS,
    [f('max_ac_charging_current')]: { width: model === 'pi30max' ? 3 : 2 },
    [f('max_charging_current')]: { width: model === 'pi30revo' ? 2 : 3 },
  };
}

/** PI30REVO V02 1.1: fields 15 on are reserved; the simulator sends the document's sample values. */
const REVO_QPIRI_RESERVED: Readonly<Record<number, string>> = {
  14: '06',
  15: '1',
  16: '0',
  17: '1',
  18: '6',
  19: '01',
  20: '0',
  21: '0',
  22: '52.0',
  23: '0',
  24: '1',
};

/**
 * The settings as QPIRI reports them, by the payload's names (options by the code the inverter sends); the Revo
 * has a low-voltage alarm where others have the re-charge voltage.
 */
export function qpiriValues(s: SimSettings, model: SimModel): Record<keyof Settings, Pi30Value> {
  return {
    grid_rating_voltage: 230,
    grid_rating_current: 21.7,
    ac_output_rating_voltage: 230,
    ac_output_rating_frequency: s.outputFrequency,
    ac_output_rating_current: 21.7,
    ac_output_rating_apparent_power: 5000,
    ac_output_rating_active_power: 5000,
    battery_rating_voltage: SYSTEM_VOLTAGE,
    battery_recharge_voltage: s.rechargeVoltage,
    battery_low_alarm_voltage: s.cutOffVoltage + 2,
    battery_under_voltage: s.cutOffVoltage,
    battery_bulk_voltage: s.bulkVoltage,
    battery_float_voltage: s.floatVoltage,
    battery_type: s.batteryType,
    max_ac_charging_current: s.maxUtilityChargingCurrent,
    max_charging_current: s.maxChargingCurrent,
    input_voltage_range: s.inputVoltageRange,
    output_source_priority: s.outputSourcePriority,
    charger_source_priority: s.chargerSourcePriority,
    max_parallel_units: 9,
    machine_type: model === 'pi30max' ? '10' : '01',
    topology: 0,
    output_mode: 0,
    battery_redischarge_voltage: s.redischargeVoltage,
    pv_ok_condition: 0,
    pv_power_balance: 1,
    max_cv_charging_time_min: 120,
    operation_logic: 0,
    max_discharging_current: 150,
  };
}

export function renderQpiri(s: SimSettings, model: SimModel): string {
  const reserved = model === 'pi30revo' ? REVO_QPIRI_RESERVED : undefined;
  return renderTable(QPIRI_TABLES[model], { settings: qpiriValues(s, model) }, { formats: qpiriFormats(model), reserved });
}

const QDI_FORMATS: Readonly<Record<string, NumberFormat>> = {
  'defaults.ac_output_voltage': ONE_DECIMAL,
  'defaults.ac_output_frequency': ONE_DECIMAL,
  'defaults.max_ac_charging_current': { width: 4 },
  'defaults.battery_under_voltage': VOLTS,
  'defaults.battery_float_voltage': VOLTS,
  'defaults.battery_bulk_voltage': VOLTS,
  'defaults.battery_recharge_voltage': VOLTS,
  'defaults.battery_redischarge_voltage': VOLTS,
  'defaults.max_charging_current': { width: 2 },
};

/** Factory defaults, as QDI reports them. */
export function renderQdi(model: SimModel): string {
  const d = defaultSettings();
  // QDI's flag fields carry the QFLAG names (power_saving is j, overload_restart u, ...).
  const flags = Object.fromEntries(FLAG_LETTERS.map((f) => [f.name, d.enabledFlags.has(f.code)]));
  const defaults: Partial<Record<keyof Defaults, Pi30Value>> = {
    ...flags,
    ac_output_voltage: 230,
    ac_output_frequency: 50,
    max_ac_charging_current: d.maxUtilityChargingCurrent,
    battery_under_voltage: d.cutOffVoltage,
    battery_float_voltage: d.floatVoltage,
    battery_bulk_voltage: d.bulkVoltage,
    battery_recharge_voltage: d.rechargeVoltage,
    max_charging_current: d.maxChargingCurrent,
    input_voltage_range: d.inputVoltageRange,
    output_source_priority: d.outputSourcePriority,
    charger_source_priority: d.chargerSourcePriority,
    battery_type: d.batteryType,
    output_mode: 0,
    battery_redischarge_voltage: d.redischargeVoltage,
    pv_ok_condition: 0,
    pv_power_balance: 1,
    max_cv_charging_time_min: 120,
    max_discharging_current: 150,
  };
  // The buzzer field says whether it is silenced.
  return renderTable(QDI_TABLES[model], { defaults, silenced: { buzzer: !d.enabledFlags.has('a') } }, { formats: QDI_FORMATS });
}

export function renderQflag(s: SimSettings, model: SimModel): string {
  return renderQflagReply({ flags: Object.fromEntries(FLAG_LETTERS.map((f) => [f.name, s.enabledFlags.has(f.code)])) }, model);
}

/** Applies a setter; false means the inverter answers NAK and nothing changed. */
export function applySetter(s: SimSettings, command: string, model: SimModel): boolean {
  // PI30REVO V02 sets everything with PSET; it has none of the PI30 setters.
  if (model === 'pi30revo') return false;
  if (command === 'PF') {
    Object.assign(s, defaultSettings());
    return true;
  }
  const flags = /^P([ED])([a-z]+)$/.exec(command);
  if (flags) {
    const letters = [...flags[2]];
    if (!letters.every((l) => flagLettersOf(model).includes(l))) return false;
    for (const l of letters) {
      if (flags[1] === 'E') s.enabledFlags.add(l);
      else s.enabledFlags.delete(l);
    }
    return true;
  }
  const option = /^(POP|PCP|PGR|PBT)(\d\d)$/.exec(command);
  if (option) {
    const n = Number(option[2]);
    const table = OPTION_TABLES[option[1] as keyof typeof OPTION_TABLES];
    if (!choicesFor(table, model).some((c) => c.code === n)) return false;
    if (option[1] === 'POP') s.outputSourcePriority = n;
    else if (option[1] === 'PCP') s.chargerSourcePriority = n;
    else if (option[1] === 'PGR') s.inputVoltageRange = n;
    else s.batteryType = n;
    return true;
  }
  const voltage = /^(PBCV|PBDV|PSDV|PCVV|PBFT)(\d\d\.\d)$/.exec(command);
  if (voltage) return applyVoltage(s, voltage[1], Number(voltage[2]));
  const current = /^(MCHGC|MUCHGC)(\d{3})$/.exec(command) ?? /^(MNCHGC)0(\d{3})$/.exec(command);
  if (current) {
    const amps = Number(current[2]);
    if (current[1] === 'MUCHGC') {
      if (!UTILITY_CHARGING_CURRENT_OPTIONS.includes(amps)) return false;
      s.maxUtilityChargingCurrent = amps;
    } else {
      if (!CHARGING_CURRENT_OPTIONS.includes(amps)) return false;
      s.maxChargingCurrent = amps;
    }
    return true;
  }
  const frequency = /^F(50|60)$/.exec(command);
  if (frequency) {
    s.outputFrequency = frequency[1] === '50' ? 50 : 60;
    return true;
  }
  return false;
}

function applyVoltage(s: SimSettings, code: string, volts: number): boolean {
  const inRange = ([lo, hi]: readonly [number, number]) => volts >= lo && volts <= hi;
  // Charging voltages follow the battery type's preset unless the type is "user".
  const userBattery = s.batteryType === 2;
  switch (code) {
    case 'PBCV':
      if (!RECHARGE_VOLTAGES[SYSTEM_VOLTAGE].includes(volts) || volts <= s.cutOffVoltage) return false;
      if (s.redischargeVoltage !== 0 && volts >= s.redischargeVoltage) return false;
      s.rechargeVoltage = volts;
      return true;
    case 'PBDV':
      if (!REDISCHARGE_VOLTAGES[SYSTEM_VOLTAGE].includes(volts) || (volts !== 0 && volts <= s.rechargeVoltage)) return false;
      s.redischargeVoltage = volts;
      return true;
    case 'PSDV':
      if (!inRange(CUT_OFF_RANGE[SYSTEM_VOLTAGE]) || volts >= s.rechargeVoltage) return false;
      s.cutOffVoltage = volts;
      return true;
    case 'PCVV':
      if (!userBattery || !inRange(CHARGING_VOLTAGE_RANGE[SYSTEM_VOLTAGE]) || volts < s.floatVoltage) return false;
      s.bulkVoltage = volts;
      return true;
    case 'PBFT':
      if (!userBattery || !inRange(CHARGING_VOLTAGE_RANGE[SYSTEM_VOLTAGE]) || volts > s.bulkVoltage) return false;
      s.floatVoltage = volts;
      return true;
    default:
      return false;
  }
}
