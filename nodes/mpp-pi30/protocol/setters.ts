// PI30 setters, checked against the values the protocol allows before anything is sent. A setter arrives
// either as the raw command ("POP02", "PBCV46.0", "PEa") or by the name QPIRI/QFLAG report the setting
// under ({output_source_priority: "sbu"}); both become the same checked request.
import {
  BATTERY_TYPES,
  CHARGER_SOURCE_PRIORITIES,
  choiceNamed,
  choicesFor,
  FLAG_LETTERS,
  flagName,
  INPUT_VOLTAGE_RANGES,
  letterOfFlag,
  OUTPUT_SOURCE_PRIORITIES,
  type Choice,
  type ChoiceTable,
} from './enums';
import type { Settings } from './qpiri';
import { VARIANT_LABELS, type Variant } from './variants';

export class SetterError extends Error {
  readonly kind = 'refused';
  constructor(message: string) {
    super(message);
    this.name = 'SetterError';
  }
}

export type SystemVoltage = 12 | 24 | 48;
type PerSystem<T> = Readonly<Record<SystemVoltage, T>>;

const steps = (from: number, to: number, step: number): number[] => {
  const out: number[] = [];
  for (let v = from; v <= to + 1e-9; v += step) out.push(Number(v.toFixed(1)));
  return out;
};

/** Battery voltages the protocol allows, per nominal system voltage. */
export const RECHARGE_VOLTAGES: PerSystem<readonly number[]> = {
  12: [11, 11.3, 11.5, 11.8, 12, 12.3, 12.5, 12.8],
  24: steps(22, 25.5, 0.5),
  48: steps(44, 51, 1),
};
/** 0 means "when the battery is full (float)". */
export const REDISCHARGE_VOLTAGES: PerSystem<readonly number[]> = {
  12: [0, 12, 12.3, 12.5, 12.8, 13, 13.3, 13.5, 13.8, 14, 14.3, 14.5],
  24: [0, ...steps(24, 29, 0.5)],
  48: [0, ...steps(48, 58, 1)],
};
export const CUT_OFF_RANGE: PerSystem<readonly [number, number]> = { 12: [10, 12], 24: [20, 24], 48: [40, 48] };
export const CHARGING_VOLTAGE_RANGE: PerSystem<readonly [number, number]> = { 12: [12, 14.6], 24: [24, 29.2], 48: [48, 58.4] };

type Rule =
  | { kind: 'option'; table: ChoiceTable }
  | { kind: 'voltage-list'; allowed: PerSystem<readonly number[]> }
  | { kind: 'voltage-range'; range: PerSystem<readonly [number, number]> }
  | { kind: 'current'; options: 'max_charging_current' | 'max_utility_charging_current' }
  | { kind: 'frequency' };

interface SetterDef {
  /** The command's letters, before its argument. */
  readonly code: string;
  /** The QPIRI field the setter changes; the name `set` takes. */
  readonly setting: keyof Settings;
  readonly rule: Rule;
  /** The argument's shape in a raw command. */
  readonly argument: RegExp;
}

const VOLTAGE_ARGUMENT = /^\d\d\.\d$/;

const SETTERS: readonly SetterDef[] = [
  { code: 'POP', setting: 'output_source_priority', rule: { kind: 'option', table: OUTPUT_SOURCE_PRIORITIES }, argument: /^\d\d$/ },
  { code: 'PCP', setting: 'charger_source_priority', rule: { kind: 'option', table: CHARGER_SOURCE_PRIORITIES }, argument: /^\d\d$/ },
  { code: 'PGR', setting: 'input_voltage_range', rule: { kind: 'option', table: INPUT_VOLTAGE_RANGES }, argument: /^\d\d$/ },
  { code: 'PBT', setting: 'battery_type', rule: { kind: 'option', table: BATTERY_TYPES }, argument: /^\d\d$/ },
  { code: 'PBCV', setting: 'battery_recharge_voltage', rule: { kind: 'voltage-list', allowed: RECHARGE_VOLTAGES }, argument: VOLTAGE_ARGUMENT },
  { code: 'PBDV', setting: 'battery_redischarge_voltage', rule: { kind: 'voltage-list', allowed: REDISCHARGE_VOLTAGES }, argument: VOLTAGE_ARGUMENT },
  { code: 'PSDV', setting: 'battery_under_voltage', rule: { kind: 'voltage-range', range: CUT_OFF_RANGE }, argument: VOLTAGE_ARGUMENT },
  { code: 'PCVV', setting: 'battery_bulk_voltage', rule: { kind: 'voltage-range', range: CHARGING_VOLTAGE_RANGE }, argument: VOLTAGE_ARGUMENT },
  { code: 'PBFT', setting: 'battery_float_voltage', rule: { kind: 'voltage-range', range: CHARGING_VOLTAGE_RANGE }, argument: VOLTAGE_ARGUMENT },
  { code: 'MCHGC', setting: 'max_charging_current', rule: { kind: 'current', options: 'max_charging_current' }, argument: /^\d{3}$/ },
  { code: 'MUCHGC', setting: 'max_ac_charging_current', rule: { kind: 'current', options: 'max_utility_charging_current' }, argument: /^\d{3}$/ },
  { code: 'F', setting: 'ac_output_rating_frequency', rule: { kind: 'frequency' }, argument: /^(50|60)$/ },
];

export type SetterRequest =
  | { readonly kind: 'value'; readonly def: SetterDef; readonly value: number | string }
  | { readonly kind: 'flags'; readonly enable: boolean; readonly letters: readonly string[] }
  | { readonly kind: 'restore-defaults' };

/** What a setter needs to know about the inverter before it can be checked. */
export interface SetterContext {
  /** QPIRI's settings: the nominal battery voltage scales every voltage limit. */
  settings?: Settings;
  /** The inverter's firmware family: option codes and flags its specification does not define are refused. */
  variant?: Variant;
  /** QMCHGCR's and QMUCHGCR's lists, A. */
  chargingCurrents?: readonly number[];
  utilityChargingCurrents?: readonly number[];
}

export type ContextNeed = 'settings' | 'charging-currents' | 'utility-charging-currents';

export const SETTER_CODES = [...SETTERS.map((s) => s.code), 'MNCHGC', 'PE', 'PD', 'PF'];

/** The raw command as a request; throws a SetterError for anything that is not a well-formed setter. */
export function parseSetter(command: string): SetterRequest {
  if (command === 'PF') return { kind: 'restore-defaults' };
  const flags = /^P([ED])(.*)$/.exec(command);
  if (flags) return flagsRequest(flags[1] === 'E', [...flags[2]]);
  const nc = /^MNCHGC(\d)(\d{3})$/.exec(command);
  if (nc) {
    if (nc[1] !== '0') throw new SetterError(`${command}: only parallel unit 0 (a single inverter) is supported`);
    return { kind: 'value', def: defByCode('MCHGC'), value: Number(nc[2]) };
  }
  // Longest code first: PBCV before PB..., MUCHGC before MCHGC.
  const def = [...SETTERS].sort((a, b) => b.code.length - a.code.length).find((s) => command.startsWith(s.code));
  if (!def) throw new SetterError(`${JSON.stringify(command)} is not a PI30 setter this node knows; known: ${SETTER_CODES.join(', ')}`);
  const argument = command.slice(def.code.length);
  if (!def.argument.test(argument)) {
    throw new SetterError(`${command}: ${def.code} takes ${describeArgument(def)}, got ${JSON.stringify(argument)}`);
  }
  if (def.rule.kind === 'current' && Number(argument) >= 100) {
    // Parallel-capable firmware reads the first digit as the unit number: MCHGC120 would be unit 1, 20 A.
    throw new SetterError(
      `${command} is ambiguous (unit ${argument[0]}, ${Number(argument.slice(1))} A on parallel firmware); set ${def.setting} by name instead`,
    );
  }
  if (def.rule.kind === 'option') {
    const choice = def.rule.table.find((c) => c.code === Number(argument));
    if (choice === undefined) throw new SetterError(`${command}: ${def.setting} must be ${optionList(def.rule.table)}`);
    return { kind: 'value', def, value: choice.name };
  }
  return { kind: 'value', def, value: Number(argument) };
}

/** A named setting (`battery_float_voltage: 54`, `output_source_priority: "sbu"`, `buzzer: false`) as a request. */
export function namedSetter(setting: string, value: unknown): SetterRequest {
  const letter = letterOfFlag(setting);
  if (letter) {
    if (typeof value !== 'boolean') throw new SetterError(`${setting} takes true (enable) or false (disable), got ${JSON.stringify(value)}`);
    return flagsRequest(value, [letter]);
  }
  const def = SETTERS.find((s) => s.setting === setting);
  if (!def) {
    const known = [...SETTERS.map((s) => s.setting), ...FLAG_LETTERS.map((f) => f.name)];
    throw new SetterError(`${JSON.stringify(setting)} is not a setting this node can change; known: ${known.join(', ')}`);
  }
  if (def.rule.kind === 'option') {
    const table = def.rule.table;
    const choice =
      typeof value === 'number' ? table.find((c) => c.code === value) : typeof value === 'string' ? choiceNamed(table, value) : undefined;
    if (choice === undefined) throw new SetterError(`${setting} must be ${optionList(table)}, got ${JSON.stringify(value)}`);
    return { kind: 'value', def, value: choice.name };
  }
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) throw new SetterError(`${setting} takes a number, got ${JSON.stringify(value)}`);
  return { kind: 'value', def, value: number };
}

function flagsRequest(enable: boolean, letters: string[]): SetterRequest {
  const command = `P${enable ? 'E' : 'D'}${letters.join('')}`;
  if (letters.length === 0) throw new SetterError(`${command}: name at least one flag letter (${flagList()})`);
  const unknown = letters.filter((l) => flagName(l) === undefined);
  if (unknown.length > 0) throw new SetterError(`${command}: unknown flag letter(s) ${unknown.join('')}; known: ${flagList()}`);
  if (new Set(letters).size !== letters.length) throw new SetterError(`${command}: a flag letter appears twice`);
  return { kind: 'flags', enable, letters };
}

/** What must be read from the inverter before `request` can be checked. */
export function contextNeeded(request: SetterRequest): ContextNeed | undefined {
  if (request.kind !== 'value') return undefined;
  switch (request.def.rule.kind) {
    case 'voltage-list':
    case 'voltage-range':
      return 'settings';
    case 'current':
      return request.def.rule.options === 'max_charging_current' ? 'charging-currents' : 'utility-charging-currents';
    default:
      return undefined;
  }
}

export interface CheckedSetter {
  /** The command as it goes on the wire, without CRC. */
  readonly command: string;
  /** The setting it changes, and to what (names as QPIRI/QFLAG report them). */
  readonly changes: Readonly<Record<string, string | number | boolean>>;
}

/** Checks the request against the protocol's allowed values for this inverter; throws a SetterError naming them. */
export function checkSetter(request: SetterRequest, context: SetterContext = {}): CheckedSetter {
  const variant = context.variant;
  if (variant === 'pi30revo') {
    // PI30REVO.20Protocol.20V03--20201112.pdf sets everything with PSET (1.6); it has none of these setters.
    throw new SetterError(
      `${VARIANT_LABELS.pi30revo} firmware takes none of the PI30 setters (it is set with PSET, which this node does not send); nothing was sent`,
    );
  }
  if (request.kind === 'restore-defaults') return { command: 'PF', changes: { restore_defaults: true } };
  if (request.kind === 'flags') {
    const changes: Record<string, boolean> = {};
    for (const l of request.letters) {
      const flag = FLAG_LETTERS.find((f) => f.code === l) as Choice<string>;
      if (variant && !flag.variants.includes(variant)) {
        throw new SetterError(`flag ${l} (${flag.name}) is not in the ${VARIANT_LABELS[variant]} specification; it has ${flagList(variant)}`);
      }
      changes[flag.name] = request.enable;
    }
    return { command: `P${request.enable ? 'E' : 'D'}${request.letters.join('')}`, changes };
  }
  const { def, value } = request;
  const rule = def.rule;
  const changes = { [def.setting]: value };
  switch (rule.kind) {
    case 'option': {
      const choice = choiceNamed(rule.table, String(value)) as Choice;
      if (variant && !choice.variants.includes(variant)) {
        throw new SetterError(
          `${def.setting} ${choice.name} (${choice.code}) is not in the ${VARIANT_LABELS[variant]} specification; it takes ${optionList(choicesFor(rule.table, variant))}`,
        );
      }
      return { command: `${def.code}${String(choice.code).padStart(2, '0')}`, changes };
    }
    case 'frequency':
      if (value !== 50 && value !== 60) throw new SetterError(`${def.setting} must be 50 or 60 Hz, got ${String(value)}`);
      return { command: `F${value}`, changes };
    case 'current':
      return { command: currentCommand(def, Number(value), context), changes };
    case 'voltage-list':
    case 'voltage-range': {
      const volts = Number(value);
      checkVoltage(def, rule, volts, context.settings);
      return { command: `${def.code}${volts.toFixed(1).padStart(4, '0')}`, changes };
    }
  }
}

function currentCommand(def: SetterDef, amps: number, context: SetterContext): string {
  const utility = def.code === 'MUCHGC';
  const allowed = utility ? context.utilityChargingCurrents : context.chargingCurrents;
  const query = utility ? 'QMUCHGCR' : 'QMCHGCR';
  if (!allowed || allowed.length === 0) {
    throw new SetterError(`${def.setting}: the inverter did not list its allowed currents (${query}), so nothing was sent`);
  }
  if (!allowed.includes(amps)) throw new SetterError(`${def.setting} must be one of ${allowed.join(', ')} A (from ${query}), got ${amps}`);
  if (amps < 100) return `${def.code}${String(amps).padStart(3, '0')}`;
  // Parallel-capable firmware reads MCHGC's first digit as the unit number; 100 A and up has its own command.
  if (utility) throw new SetterError(`${def.setting}: ${amps} A cannot be sent with MUCHGC; set it on the inverter's panel`);
  return `MNCHGC0${String(amps).padStart(3, '0')}`;
}

function systemVoltageOf(settings: Settings | undefined): SystemVoltage | undefined {
  const v = settings?.battery_rating_voltage;
  return v === 12 || v === 24 || v === 48 ? v : undefined;
}

function checkVoltage(
  def: SetterDef,
  rule: Extract<Rule, { kind: 'voltage-list' | 'voltage-range' }>,
  volts: number,
  settings: Settings | undefined,
): void {
  if (Math.abs(volts * 10 - Math.round(volts * 10)) > 1e-6 || volts < 0 || volts >= 100) {
    throw new SetterError(`${def.setting} takes volts with one decimal (e.g. 54.0), got ${volts}`);
  }
  const system = systemVoltageOf(settings);
  if (!system) {
    throw new SetterError(
      `${def.setting}: the inverter's battery rating voltage (QPIRI) is not 12, 24 or 48 V, so the limits are unknown and nothing was sent`,
    );
  }
  if (rule.kind === 'voltage-list') {
    const allowed = rule.allowed[system];
    if (!allowed.includes(volts))
      throw new SetterError(`${def.setting} on a ${system} V system must be one of ${allowed.map((v) => v.toFixed(1)).join(', ')} V, got ${volts}`);
  } else {
    const [lo, hi] = rule.range[system];
    if (volts < lo || volts > hi)
      throw new SetterError(`${def.setting} on a ${system} V system must be ${lo.toFixed(1)}-${hi.toFixed(1)} V, got ${volts}`);
  }
  checkOrder(def.setting, volts, settings ?? {});
}

/** The order the voltages keep: cut-off < back-to-utility (recharge) < back-to-battery (redischarge); float ≤ bulk. */
function checkOrder(setting: keyof Settings, volts: number, s: Settings): void {
  const fail = (rule: string) => {
    throw new SetterError(`${setting} ${volts.toFixed(1)} V would break ${rule}`);
  };
  const {
    battery_bulk_voltage: bulk,
    battery_float_voltage: float,
    battery_under_voltage: cutOff,
    battery_recharge_voltage: recharge,
    battery_redischarge_voltage: redischarge,
  } = s;
  switch (setting) {
    case 'battery_float_voltage':
      if (bulk !== undefined && volts > bulk) fail(`float ≤ bulk (${bulk.toFixed(1)} V)`);
      break;
    case 'battery_bulk_voltage':
      if (float !== undefined && volts < float) fail(`bulk ≥ float (${float.toFixed(1)} V)`);
      break;
    case 'battery_under_voltage':
      if (recharge !== undefined && volts >= recharge) fail(`cut-off < re-charge voltage (${recharge.toFixed(1)} V)`);
      break;
    case 'battery_recharge_voltage':
      if (cutOff !== undefined && volts <= cutOff) fail(`re-charge > cut-off voltage (${cutOff.toFixed(1)} V)`);
      if (redischarge !== undefined && redischarge !== 0 && volts >= redischarge)
        fail(`re-charge < re-discharge voltage (${redischarge.toFixed(1)} V)`);
      break;
    case 'battery_redischarge_voltage':
      if (volts !== 0 && recharge !== undefined && volts <= recharge) fail(`re-discharge > re-charge voltage (${recharge.toFixed(1)} V)`);
      break;
    default:
      break;
  }
}

function defByCode(code: string): SetterDef {
  const def = SETTERS.find((s) => s.code === code);
  if (!def) throw new Error(`no setter ${code}`);
  return def;
}

function describeArgument(def: SetterDef): string {
  switch (def.rule.kind) {
    case 'option':
      return `two digits (${def.rule.table.map((c) => `${String(c.code).padStart(2, '0')} ${c.name}`).join(', ')})`;
    case 'voltage-list':
    case 'voltage-range':
      return 'volts as nn.n';
    case 'current':
      return 'amps as three digits';
    case 'frequency':
      return '50 or 60';
  }
}

function optionList(table: ChoiceTable): string {
  return table.map((c) => `${c.name} (${c.code})`).join(', ');
}

function flagList(variant?: Variant): string {
  return (variant ? choicesFor(FLAG_LETTERS, variant) : FLAG_LETTERS).map((f) => `${f.code} ${f.name}`).join(', ');
}
