// The simulated inverter's settings: what QPIRI, QDI, QFLAG and QBEQI report, and the setters that change
// them. Like a real model it takes only well-formed commands with allowed values and NAKs the rest.
import { BATTERY_TYPES, CHARGER_SOURCE_PRIORITIES, choicesFor, FLAG_LETTERS, INPUT_VOLTAGE_RANGES, OUTPUT_SOURCE_PRIORITIES, type ChoiceTable } from '../protocol/enums';
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

const v1 = (n: number): string => n.toFixed(1).padStart(4, '0');
const pad = (n: number, width: number): string => String(Math.round(n)).padStart(width, '0');

export function renderQpiri(s: SimSettings, model: SimModel): string {
  if (model === 'pi30revo') return renderRevoQpiri(s);
  const fields = [
    '230.0',
    '21.7',
    '230.0',
    s.outputFrequency.toFixed(1),
    '21.7',
    '5000',
    '5000',
    v1(SYSTEM_VOLTAGE),
    v1(s.rechargeVoltage),
    v1(s.cutOffVoltage),
    v1(s.bulkVoltage),
    v1(s.floatVoltage),
    String(s.batteryType),
    pad(s.maxUtilityChargingCurrent, model === 'pi30max' ? 3 : 2),
    pad(s.maxChargingCurrent, 3),
    String(s.inputVoltageRange),
    String(s.outputSourcePriority),
    String(s.chargerSourcePriority),
    '9',
    model === 'pi30max' ? '10' : '01',
    '0',
    '0',
    v1(s.redischargeVoltage),
    '0',
    '1',
  ];
  if (model === 'pi30max') fields.push('120', '0', '150');
  return fields.join(' ');
}

/** PI30REVO V02 1.1: the low-voltage alarm point where others have the re-charge voltage; fields 15 on reserved (the document's sample values). */
function renderRevoQpiri(s: SimSettings): string {
  const head = ['230.0', '21.7', '230.0', s.outputFrequency.toFixed(1), '21.7', '5000', '5000', v1(SYSTEM_VOLTAGE), v1(s.cutOffVoltage + 2), v1(s.cutOffVoltage), v1(s.bulkVoltage), v1(s.floatVoltage)];
  return [...head, String(s.batteryType), pad(s.maxChargingCurrent, 2), '06', '1', '0', '1', '6', '01', '0', '0', '52.0', '0', '1'].join(' ');
}

/** Factory defaults, as QDI reports them. */
export function renderQdi(model: SimModel): string {
  const d = defaultSettings();
  const flag = (letter: string) => (d.enabledFlags.has(letter) ? '1' : '0');
  const fields = [
    '230.0',
    '50.0',
    pad(d.maxUtilityChargingCurrent, 4),
    v1(d.cutOffVoltage),
    v1(d.floatVoltage),
    v1(d.bulkVoltage),
    v1(d.rechargeVoltage),
    pad(d.maxChargingCurrent, 2),
    String(d.inputVoltageRange),
    String(d.outputSourcePriority),
    String(d.chargerSourcePriority),
    String(d.batteryType),
    d.enabledFlags.has('a') ? '0' : '1', // the buzzer field says "silenced"
    flag('j'),
    flag('u'),
    flag('v'),
    flag('x'),
    flag('y'),
    flag('z'),
    flag('b'),
    flag('k'),
    '0',
    v1(d.redischargeVoltage),
    '0',
    '1',
  ];
  if (model === 'pi30max') fields.push('120', '150');
  return fields.join(' ');
}

export function renderQflag(s: SimSettings, model: SimModel): string {
  const letters = flagLettersOf(model);
  return `E${letters.filter((l) => s.enabledFlags.has(l)).join('')}D${letters.filter((l) => !s.enabledFlags.has(l)).join('')}`;
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
