// The PI30 enumerations: one table each, by the code the inverter sends. The same table names a QPIRI/QDI
// field, gives the setter its code (PBT<nn>, POP<nn>...), lists the values in the help text and drives the
// simulator, so a number can never mean one thing when read and another when written. `variants` says which
// firmware families' specifications define the value; the parser names any known code, a setter sends only
// what the inverter's family defines.
//
// Sources (jblance/mpp-solar, docs/protocols/): PI30MAX = PI30MAX.Communication.Protocol20210217.pdf (2.7 QPIRI,
// 2.8 QFLAG, 2.12 QMOD, 3.9 POP, 3.12 PCP, 3.13 PGR, 3.14 PBT, 3.15 POPM); PI30 = PI30_HS_MS_MSX_RS232_Protocol_
// 20140822_after_current_upgrade.pdf and PI30_Communication-Protocol-20150924-Customer.pdf (2.7 QPIRI, 2.8 QFLAG,
// 2.13 QMOD, 3.11 PCP, 3.13 PBT, 3.14 POPM); Revo = PI30REVO.20Protocol.20V03--20201112.pdf (1.1 QPIRI, 1.3 QMOD).
// mppsolar/protocols/pi30max.py numbers the lithium battery types one too low (7 = "LIb-protocol compatible");
// the PI30MAX specification's PBT list (3.14) is followed here: 7 BAK, 8 Lib, 9 Lic.
import { VARIANTS, type Variant } from './variants';

export interface Choice<C extends number | string = number> {
  /** What the inverter sends, and what a setter sends (as two digits for numbers). */
  readonly code: C;
  /** The name in payloads and in `set`. */
  readonly name: string;
  /** The specification's words, for the help text. */
  readonly label: string;
  /** The families whose specification defines it. */
  readonly variants: readonly Variant[];
}
export type ChoiceTable<C extends number | string = number> = readonly Choice<C>[];

const ALL = VARIANTS;
const MAX: readonly Variant[] = ['pi30max'];
const NOT_MAX: readonly Variant[] = ['pi30', 'pi30revo'];

/** QPIRI/QDI battery type, PBT. PI30 and Revo: 0-2; PI30MAX adds the lithium presets 3-9 (PBT, 3.14). */
export const BATTERY_TYPES: ChoiceTable = [
  { code: 0, name: 'agm', label: 'AGM', variants: ALL },
  { code: 1, name: 'flooded', label: 'Flooded', variants: ALL },
  { code: 2, name: 'user', label: 'User defined', variants: ALL },
  { code: 3, name: 'pylontech', label: 'Pylontech', variants: MAX },
  { code: 4, name: 'shinheung', label: 'Shinheung', variants: MAX },
  { code: 5, name: 'weco', label: 'Weco', variants: MAX },
  { code: 6, name: 'soltaro', label: 'Soltaro', variants: MAX },
  { code: 7, name: 'bak', label: 'BAK', variants: MAX },
  { code: 8, name: 'lib_compatible', label: 'Lib (lithium, protocol-compatible)', variants: MAX },
  { code: 9, name: 'lithium_third_party', label: 'Lic (third-party lithium)', variants: MAX },
];

/** QPIRI/QDI input voltage range, PGR. */
export const INPUT_VOLTAGE_RANGES: ChoiceTable = [
  { code: 0, name: 'appliance', label: 'Appliance', variants: ALL },
  { code: 1, name: 'ups', label: 'UPS', variants: ALL },
];

/** QPIRI/QDI output source priority, POP. PI30MAX calls them UtilitySolarBat, SolarUtilityBat, SolarBatUtility. */
export const OUTPUT_SOURCE_PRIORITIES: ChoiceTable = [
  { code: 0, name: 'utility_first', label: 'Utility first (utility, solar, battery)', variants: ALL },
  { code: 1, name: 'solar_first', label: 'Solar first (solar, utility, battery)', variants: ALL },
  { code: 2, name: 'sbu', label: 'SBU (solar, battery, utility)', variants: ALL },
];

/** QPIRI/QDI charger source priority, PCP. PI30MAX has no "utility first" (QPIRI 2.7 and PCP 3.12 list 1-3). */
export const CHARGER_SOURCE_PRIORITIES: ChoiceTable = [
  { code: 0, name: 'utility_first', label: 'Utility first', variants: NOT_MAX },
  { code: 1, name: 'solar_first', label: 'Solar first', variants: ALL },
  { code: 2, name: 'solar_and_utility', label: 'Solar and utility', variants: ALL },
  { code: 3, name: 'solar_only', label: 'Only solar charging permitted', variants: ALL },
];

/** QPIRI machine type, a two-digit code. 11 and 20 are in the PI30 2015 specification (KS models with more trackers). */
export const MACHINE_TYPES: ChoiceTable<string> = [
  { code: '00', name: 'grid_tie', label: 'Grid tie', variants: ALL },
  { code: '01', name: 'off_grid', label: 'Off grid', variants: ALL },
  { code: '10', name: 'hybrid', label: 'Hybrid', variants: ALL },
  { code: '11', name: 'off_grid_2_trackers', label: 'Off grid with 2 trackers', variants: ['pi30'] },
  { code: '20', name: 'off_grid_3_trackers', label: 'Off grid with 3 trackers', variants: ['pi30'] },
];

export const TOPOLOGIES: ChoiceTable = [
  { code: 0, name: 'transformerless', label: 'Transformerless', variants: ALL },
  { code: 1, name: 'transformer', label: 'Transformer', variants: ALL },
];

/** QPIRI/QDI output mode, POPM. 5-7 (two-phase) only in PI30MAX, where 6 is 120° and 7 is 180° (2.7, 3.15). */
export const OUTPUT_MODES: ChoiceTable = [
  { code: 0, name: 'single', label: 'Single machine output', variants: ALL },
  { code: 1, name: 'parallel', label: 'Parallel output', variants: ALL },
  { code: 2, name: 'phase_1_of_3', label: 'Phase 1 of 3-phase output', variants: ALL },
  { code: 3, name: 'phase_2_of_3', label: 'Phase 2 of 3-phase output', variants: ALL },
  { code: 4, name: 'phase_3_of_3', label: 'Phase 3 of 3-phase output', variants: ALL },
  { code: 5, name: 'phase_1_of_2', label: 'Phase 1 of 2-phase output', variants: MAX },
  { code: 6, name: 'phase_2_of_2_120', label: 'Phase 2 of 2-phase output (120°)', variants: MAX },
  { code: 7, name: 'phase_2_of_2_180', label: 'Phase 2 of 2-phase output (180°)', variants: MAX },
];

export const PV_OK_CONDITIONS: ChoiceTable = [
  { code: 0, name: 'any_unit', label: 'PV OK when any parallel unit has PV', variants: ALL },
  { code: 1, name: 'all_units', label: 'PV OK only when all parallel units have PV', variants: ALL },
];

export const PV_POWER_BALANCES: ChoiceTable = [
  { code: 0, name: 'charge_current_limit', label: 'PV input max current is the max charging current', variants: ALL },
  { code: 1, name: 'charge_and_load_power', label: 'PV input max power is max charging power plus load power', variants: ALL },
];

/** QPIRI operation logic, 48 V PI30MAX models only. */
export const OPERATION_LOGICS: ChoiceTable = [
  { code: 0, name: 'automatic', label: 'Automatic', variants: MAX },
  { code: 1, name: 'online', label: 'On-line mode', variants: MAX },
  { code: 2, name: 'eco', label: 'ECO mode', variants: MAX },
];

/** QMOD's letter. H is "power saving" (PI30) or "sleep" (Revo); D (shutdown) is PI30MAX's and has no H. */
export const MODES: ChoiceTable<string> = [
  { code: 'P', name: 'power_on', label: 'Power on', variants: ALL },
  { code: 'S', name: 'standby', label: 'Standby', variants: ALL },
  { code: 'L', name: 'line', label: 'Line', variants: ALL },
  { code: 'B', name: 'battery', label: 'Battery', variants: ALL },
  { code: 'F', name: 'fault', label: 'Fault', variants: ALL },
  { code: 'H', name: 'power_saving', label: 'Power saving', variants: NOT_MAX },
  { code: 'D', name: 'shutdown', label: 'Shutdown', variants: MAX },
];
export type ModeName = 'power_on' | 'standby' | 'line' | 'battery' | 'fault' | 'power_saving' | 'shutdown';

/**
 * QFLAG letters, switched by PE/PD. PI30MAX adds d (solar feed to grid); its specification leaves j (power saving)
 * out, yet a PI30MAX (MKS2-8000) answers QFLAG with "EuxyzDabjkv" (syssi/esphome-pipsolar issue #188), so j stays.
 * l (data log pop-up) is in the PI30 2015 specification only. Revo firmware has no QFLAG or PE/PD.
 */
export const FLAG_LETTERS: ChoiceTable<string> = [
  { code: 'a', name: 'buzzer', label: 'Buzzer', variants: ['pi30', 'pi30max'] },
  { code: 'b', name: 'overload_bypass', label: 'Overload bypass', variants: ['pi30', 'pi30max'] },
  { code: 'd', name: 'solar_feed_to_grid', label: 'Solar feed to grid', variants: MAX },
  { code: 'j', name: 'power_saving', label: 'Power saving', variants: ['pi30', 'pi30max'] },
  { code: 'k', name: 'lcd_reset_to_default', label: 'LCD back to the default page after 1 min', variants: ['pi30', 'pi30max'] },
  { code: 'l', name: 'data_log_popup', label: 'Data log pop-up', variants: ['pi30'] },
  { code: 'u', name: 'overload_restart', label: 'Overload restart', variants: ['pi30', 'pi30max'] },
  { code: 'v', name: 'over_temperature_restart', label: 'Over temperature restart', variants: ['pi30', 'pi30max'] },
  { code: 'x', name: 'lcd_backlight', label: 'LCD backlight', variants: ['pi30', 'pi30max'] },
  { code: 'y', name: 'primary_source_interrupt_alarm', label: 'Alarm when the primary source fails', variants: ['pi30', 'pi30max'] },
  { code: 'z', name: 'fault_code_record', label: 'Fault code record', variants: ['pi30', 'pi30max'] },
];

/** The name of a code, or undefined when the table does not know it. */
export function nameOf<C extends number | string>(table: ChoiceTable<C>, code: C): string | undefined {
  return table.find((c) => c.code === code)?.name;
}

export function choiceNamed<C extends number | string>(table: ChoiceTable<C>, name: string): Choice<C> | undefined {
  return table.find((c) => c.name === name);
}

/** The values a family's specification defines. */
export function choicesFor<C extends number | string>(table: ChoiceTable<C>, variant: Variant): Choice<C>[] {
  return table.filter((c) => c.variants.includes(variant));
}

export function letterOfFlag(name: string): string | undefined {
  return choiceNamed(FLAG_LETTERS, name)?.code;
}

export function flagName(letter: string): string | undefined {
  return nameOf(FLAG_LETTERS, letter);
}
