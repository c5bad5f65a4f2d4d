// Decodes the three Epever status words (0x3200-0x3202) into named states and fault flags. One table lists every
// bit Epever's "LS-B, VS-B, Tracer-B, Tracer-A, iTracer, eTracer Series Controller Communication Instruction" V2.5
// defines (rows A15-A17; a copy is in github.com/pconroy328/libepsolar, Documentation/"A or
// BSeriesControllerProtocolv2.5.pdf"), cross-checked with the B-Series MODBUS Specification V2.3 (same folder).
// Field names are the V2.5 wording in snake_case; names the node already used keep their wording.
import type { StatusWords } from './register-map';

export type ChargingMode = 'none' | 'float' | 'boost' | 'equalize';
const CHARGING_MODES: readonly ChargingMode[] = ['none', 'float', 'boost', 'equalize'];

type Word = keyof StatusWords;

/** A single-bit flag: true when the bit is 1. */
interface FlagField {
  readonly word: Word;
  readonly bit: number;
  readonly name: string;
  /** The manufacturer's wording of the bit (V2.5). */
  readonly meaning: string;
}

/** A multi-bit state: the value indexes `states` (`unknown_<n>` beyond them). */
interface StateField {
  readonly word: Word;
  readonly shift: number;
  readonly width: number;
  readonly name: string;
  readonly meaning: string;
  readonly states: readonly string[];
}

export type StatusField = FlagField | StateField;

const state = (word: Word, shift: number, width: number, name: string, meaning: string, states: readonly string[]): StateField => ({
  word,
  shift,
  width,
  name,
  meaning,
  states,
});
const flag = (word: Word, bit: number, name: string, meaning: string): FlagField => ({ word, bit, name, meaning });

/** Every field of the three status words, in register then bit order. */
export const STATUS_FIELDS: readonly StatusField[] = [
  // 0x3200 battery status. D3-D0 value 3 is "Over discharge" in V2.5 and "Low Volt Disconnect" in V2.3.
  state('batteryStatus', 0, 4, 'battery_state', 'D3-D0 battery voltage status', ['normal', 'over_voltage', 'under_voltage', 'low_voltage_disconnect', 'fault']),
  state('batteryStatus', 4, 4, 'battery_temperature_state', 'D7-D4 battery temperature status', ['normal', 'over_temperature', 'low_temperature']),
  flag('batteryStatus', 8, 'battery_resistance_abnormal', 'D8 battery inner resistance abnormal'),
  flag('batteryStatus', 15, 'battery_rated_voltage_wrong', 'D15 wrong identification for rated voltage'),
  // 0x3201 charging equipment status.
  flag('chargingStatus', 0, 'charging_running', 'D0 1 running, 0 standby'),
  flag('chargingStatus', 1, 'charging_fault', 'D1 1 fault, 0 normal'),
  state('chargingStatus', 2, 2, 'charging_mode', 'D3-D2 charging status', CHARGING_MODES),
  flag('chargingStatus', 4, 'pv_input_short', 'D4 PV input is short circuit'),
  flag('chargingStatus', 6, 'disequilibrium_in_three_circuits', 'D6 disequilibrium in three circuits'),
  flag('chargingStatus', 7, 'load_mosfet_short', 'D7 load MOSFET is short circuit'),
  flag('chargingStatus', 8, 'load_short', 'D8 the load is short circuit'),
  flag('chargingStatus', 9, 'load_over_current', 'D9 the load is over current'),
  flag('chargingStatus', 10, 'input_over_current', 'D10 input is over current'),
  flag('chargingStatus', 11, 'anti_reverse_mosfet_short', 'D11 anti-reverse MOSFET is short circuit'),
  // V2.3 called D12 a short; V2.5 corrects it to an open circuit.
  flag('chargingStatus', 12, 'charging_or_anti_reverse_mosfet_open', 'D12 charging or anti-reverse MOSFET is open circuit'),
  flag('chargingStatus', 13, 'charging_mosfet_short', 'D13 charging MOSFET is short circuit'),
  state('chargingStatus', 14, 2, 'pv_input_state', 'D15-D14 input voltage status', ['normal', 'no_power', 'high_voltage', 'voltage_error']),
  // 0x3202 discharging equipment status.
  flag('dischargingStatus', 0, 'discharging_running', 'D0 1 running, 0 standby'),
  flag('dischargingStatus', 1, 'discharging_fault', 'D1 1 fault, 0 normal'),
  flag('dischargingStatus', 4, 'output_over_voltage', 'D4 output over voltage'),
  flag('dischargingStatus', 5, 'boost_over_voltage', 'D5 boost over voltage'),
  flag('dischargingStatus', 6, 'high_voltage_side_short', 'D6 short circuit in high voltage side'),
  flag('dischargingStatus', 7, 'input_over_voltage', 'D7 input over voltage'),
  flag('dischargingStatus', 8, 'output_voltage_abnormal', 'D8 output voltage abnormal'),
  flag('dischargingStatus', 9, 'unable_to_stop_discharging', 'D9 unable to stop discharging'),
  flag('dischargingStatus', 10, 'unable_to_discharge', 'D10 unable to discharge'),
  flag('dischargingStatus', 11, 'output_short', 'D11 short circuit'),
  state('dischargingStatus', 12, 2, 'load_level', 'D13-D12 output power', ['light', 'moderate', 'rated', 'overload']),
  state('dischargingStatus', 14, 2, 'discharging_input_voltage_state', 'D15-D14 input voltage status', ['normal', 'low', 'high', 'no_access']),
];

export interface ControllerStatus {
  battery_state: string;
  battery_temperature_state: string;
  battery_resistance_abnormal: boolean;
  battery_rated_voltage_wrong: boolean;
  charging_running: boolean;
  charging_fault: boolean;
  charging_mode: ChargingMode;
  pv_input_short: boolean;
  disequilibrium_in_three_circuits: boolean;
  load_mosfet_short: boolean;
  load_short: boolean;
  load_over_current: boolean;
  input_over_current: boolean;
  anti_reverse_mosfet_short: boolean;
  charging_or_anti_reverse_mosfet_open: boolean;
  charging_mosfet_short: boolean;
  pv_input_state: string;
  discharging_running: boolean;
  discharging_fault: boolean;
  output_over_voltage: boolean;
  boost_over_voltage: boolean;
  high_voltage_side_short: boolean;
  input_over_voltage: boolean;
  output_voltage_abnormal: boolean;
  unable_to_stop_discharging: boolean;
  unable_to_discharge: boolean;
  output_short: boolean;
  load_level: string;
  discharging_input_voltage_state: string;
}

function fieldValue(f: StatusField, words: StatusWords): boolean | string {
  const word = words[f.word];
  if ('bit' in f) return ((word >> f.bit) & 1) === 1;
  const index = (word >> f.shift) & ((1 << f.width) - 1);
  return f.states[index] ?? `unknown_${index}`;
}

export function chargingModeOf(chargingStatus: number): ChargingMode {
  return CHARGING_MODES[(chargingStatus >> 2) & 0b11];
}

export function decodeStatus(words: StatusWords): ControllerStatus {
  const status: Record<string, boolean | string> = {};
  for (const f of STATUS_FIELDS) status[f.name] = fieldValue(f, words);
  return status as unknown as ControllerStatus;
}

/** The charging-status word the simulator reports for a mode. */
export function encodeChargingStatus(mode: ChargingMode, running: boolean): number {
  return (CHARGING_MODES.indexOf(mode) << 2) | (running ? 1 : 0);
}
