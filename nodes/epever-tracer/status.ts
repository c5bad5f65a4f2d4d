// Decodes the three Epever status words (0x3200-0x3202) into named states and fault flags.
import type { StatusWords } from './register-map';

export type ChargingMode = 'none' | 'float' | 'boost' | 'equalize';
const CHARGING_MODES: readonly ChargingMode[] = ['none', 'float', 'boost', 'equalize'];
const BATTERY_VOLTAGE_STATES = ['normal', 'over_voltage', 'under_voltage', 'low_voltage_disconnect', 'fault'] as const;
const BATTERY_TEMPERATURE_STATES = ['normal', 'over_temperature', 'low_temperature'] as const;
const PV_INPUT_STATES = ['normal', 'no_power', 'high_voltage', 'voltage_error'] as const;
const LOAD_LEVELS = ['light', 'moderate', 'rated', 'overload'] as const;

export interface ControllerStatus {
  battery_state: string;
  battery_temperature_state: string;
  battery_resistance_abnormal: boolean;
  battery_rated_voltage_wrong: boolean;
  charging_mode: ChargingMode;
  charging_running: boolean;
  charging_fault: boolean;
  pv_input_state: string;
  pv_input_short: boolean;
  charging_mosfet_short: boolean;
  anti_reverse_mosfet_short: boolean;
  input_over_current: boolean;
  load_over_current: boolean;
  load_short: boolean;
  load_mosfet_short: boolean;
  discharging_running: boolean;
  discharging_fault: boolean;
  load_level: string;
  output_short: boolean;
  output_voltage_abnormal: boolean;
}

const bit = (word: number, n: number): boolean => ((word >> n) & 1) === 1;
const field = (word: number, shift: number, mask: number): number => (word >> shift) & mask;
const named = (names: readonly string[], index: number): string => names[index] ?? `unknown_${index}`;

export function chargingModeOf(chargingStatus: number): ChargingMode {
  return CHARGING_MODES[field(chargingStatus, 2, 0b11)];
}

export function decodeStatus(words: StatusWords): ControllerStatus {
  const { batteryStatus: b, chargingStatus: c, dischargingStatus: d } = words;
  return {
    battery_state: named(BATTERY_VOLTAGE_STATES, field(b, 0, 0xf)),
    battery_temperature_state: named(BATTERY_TEMPERATURE_STATES, field(b, 4, 0xf)),
    battery_resistance_abnormal: bit(b, 8),
    battery_rated_voltage_wrong: bit(b, 15),
    charging_mode: chargingModeOf(c),
    charging_running: bit(c, 0),
    charging_fault: bit(c, 1),
    pv_input_state: named(PV_INPUT_STATES, field(c, 14, 0b11)),
    pv_input_short: bit(c, 4),
    charging_mosfet_short: bit(c, 13) || bit(c, 12),
    anti_reverse_mosfet_short: bit(c, 11),
    input_over_current: bit(c, 10),
    load_over_current: bit(c, 9),
    load_short: bit(c, 8),
    load_mosfet_short: bit(c, 7),
    discharging_running: bit(d, 0),
    discharging_fault: bit(d, 1),
    load_level: named(LOAD_LEVELS, field(d, 12, 0b11)),
    output_short: bit(d, 11),
    output_voltage_abnormal: bit(d, 8),
  };
}

/** The charging-status word the simulator reports for a mode. */
export function encodeChargingStatus(mode: ChargingMode, running: boolean): number {
  return (CHARGING_MODES.indexOf(mode) << 2) | (running ? 1 : 0);
}
