// The PI30 enumerations, by the number or code the inverter sends, named as they appear in payloads. The
// setters accept the same names, so what QPIRI shows is what a setting command takes.

/** 0-2 are every PI30 model's; 3 and up are lithium presets of the newer (PI30MAX) firmware. */
export const BATTERY_TYPES = ['agm', 'flooded', 'user', 'pylontech', 'shinheung', 'weco', 'soltaro', 'lib_compatible', 'lithium_third_party'] as const;
export const INPUT_VOLTAGE_RANGES = ['appliance', 'ups'] as const;
/** utility first (USB), solar first (SUB), solar-battery-utility (SBU). */
export const OUTPUT_SOURCE_PRIORITIES = ['utility_first', 'solar_first', 'sbu'] as const;
export const CHARGER_SOURCE_PRIORITIES = ['utility_first', 'solar_first', 'solar_and_utility', 'solar_only'] as const;
export const MACHINE_TYPES: Readonly<Record<string, string>> = { '00': 'grid_tie', '01': 'off_grid', '10': 'hybrid' };
export const TOPOLOGIES = ['transformerless', 'transformer'] as const;
/** 7 (split phase at 180°) only on PI30MAX firmware, where 6 means 120°. */
export const OUTPUT_MODES = ['single', 'parallel', 'phase_1_of_3', 'phase_2_of_3', 'phase_3_of_3', 'phase_1_of_2', 'phase_2_of_2', 'phase_2_of_2_180'] as const;
export const PV_OK_CONDITIONS = ['any_unit', 'all_units'] as const;
export const PV_POWER_BALANCES = ['charge_current_limit', 'charge_and_load_power'] as const;
export const OPERATION_LOGICS = ['automatic', 'online', 'eco'] as const;

/** QMOD's letter. D (shutdown) only on PI30MAX firmware. */
export const MODES: Readonly<Record<string, string>> = {
  P: 'power_on',
  S: 'standby',
  L: 'line',
  B: 'battery',
  F: 'fault',
  H: 'power_saving',
  D: 'shutdown',
};
export type ModeName = 'power_on' | 'standby' | 'line' | 'battery' | 'fault' | 'power_saving' | 'shutdown';

/** The settings QFLAG reports and PE/PD switch, by letter. `d` only on PI30MAX firmware. */
export const FLAG_LETTERS: Readonly<Record<string, string>> = {
  a: 'buzzer',
  b: 'overload_bypass',
  d: 'solar_feed_to_grid',
  j: 'power_saving',
  k: 'lcd_reset_to_default',
  u: 'overload_restart',
  v: 'over_temperature_restart',
  x: 'lcd_backlight',
  y: 'primary_source_interrupt_alarm',
  z: 'fault_code_record',
};

export function letterOfFlag(name: string): string | undefined {
  return Object.keys(FLAG_LETTERS).find((letter) => FLAG_LETTERS[letter] === name);
}
