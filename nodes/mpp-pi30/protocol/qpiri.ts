// QPIRI (ratings and current settings) and QDI (factory defaults), with their enumerations decoded.
import {
  BATTERY_TYPES,
  CHARGER_SOURCE_PRIORITIES,
  INPUT_VOLTAGE_RANGES,
  MACHINE_TYPES,
  OPERATION_LOGICS,
  OUTPUT_MODES,
  OUTPUT_SOURCE_PRIORITIES,
  PV_OK_CONDITIONS,
  PV_POWER_BALANCES,
  TOPOLOGIES,
} from './enums';
import { extendTable, readTable, type FieldSpec, type FieldTable, type FieldType } from './field-table';
import type { Parsed } from './fields';
import { DEFAULT_PARSE_VARIANT, type Variant } from './variants';

export type Settings = {
  grid_rating_voltage?: number;
  grid_rating_current?: number;
  ac_output_rating_voltage?: number;
  ac_output_rating_frequency?: number;
  ac_output_rating_current?: number;
  ac_output_rating_apparent_power?: number;
  ac_output_rating_active_power?: number;
  /** The nominal system voltage (12, 24, 48 V): voltage settings scale with it. */
  battery_rating_voltage?: number;
  battery_recharge_voltage?: number;
  /** Revo only: the low-voltage alarm point, where the others report the re-charge voltage. */
  battery_low_alarm_voltage?: number;
  battery_under_voltage?: number;
  battery_bulk_voltage?: number;
  battery_float_voltage?: number;
  battery_type?: string;
  max_ac_charging_current?: number;
  max_charging_current?: number;
  input_voltage_range?: string;
  output_source_priority?: string;
  charger_source_priority?: string;
  max_parallel_units?: number;
  machine_type?: string;
  topology?: string;
  output_mode?: string;
  battery_redischarge_voltage?: number;
  pv_ok_condition?: string;
  pv_power_balance?: string;
  max_cv_charging_time_min?: number;
  operation_logic?: string;
  max_discharging_current?: number;
};

export type QpiriValues = { settings: Settings };

/** Fields every PI30 model sends. */
export const QPIRI_MINIMUM_FIELDS = 25;

const setting = (index: number, name: keyof Settings, type: FieldType, unit?: string): FieldSpec => [index, `settings.${name}`, type, unit];

/** PI30_Communication-Protocol-20150924-Customer.pdf 2.7 and PI30_HS_MS_MSX (2014) 2.x: 25 fields. */
export const QPIRI_PI30: FieldTable = Object.freeze([
  setting(0, 'grid_rating_voltage', 'number', 'V'),
  setting(1, 'grid_rating_current', 'number', 'A'),
  setting(2, 'ac_output_rating_voltage', 'number', 'V'),
  setting(3, 'ac_output_rating_frequency', 'number', 'Hz'),
  setting(4, 'ac_output_rating_current', 'number', 'A'),
  setting(5, 'ac_output_rating_apparent_power', 'number', 'VA'),
  setting(6, 'ac_output_rating_active_power', 'number', 'W'),
  setting(7, 'battery_rating_voltage', 'number', 'V'),
  setting(8, 'battery_recharge_voltage', 'number', 'V'),
  setting(9, 'battery_under_voltage', 'number', 'V'),
  setting(10, 'battery_bulk_voltage', 'number', 'V'),
  setting(11, 'battery_float_voltage', 'number', 'V'),
  setting(12, 'battery_type', { option: BATTERY_TYPES }),
  setting(13, 'max_ac_charging_current', 'number', 'A'),
  setting(14, 'max_charging_current', 'number', 'A'),
  setting(15, 'input_voltage_range', { option: INPUT_VOLTAGE_RANGES }),
  setting(16, 'output_source_priority', { option: OUTPUT_SOURCE_PRIORITIES }),
  setting(17, 'charger_source_priority', { option: CHARGER_SOURCE_PRIORITIES }),
  setting(18, 'max_parallel_units', 'number'),
  setting(19, 'machine_type', { keyed: MACHINE_TYPES }),
  setting(20, 'topology', { option: TOPOLOGIES }),
  setting(21, 'output_mode', { option: OUTPUT_MODES }),
  setting(22, 'battery_redischarge_voltage', 'number', 'V'),
  setting(23, 'pv_ok_condition', { option: PV_OK_CONDITIONS }),
  setting(24, 'pv_power_balance', { option: PV_POWER_BALANCES }),
] satisfies FieldTable);

/** PI30MAX.Communication.Protocol20210217.pdf 2.7: CV time, operation logic and discharge limit (48 V models). */
export const QPIRI_PI30MAX: FieldTable = extendTable(QPIRI_PI30, [
  setting(25, 'max_cv_charging_time_min', 'number', 'min'),
  setting(26, 'operation_logic', { option: OPERATION_LOGICS }),
  setting(27, 'max_discharging_current', 'number', 'A'),
]);

/**
 * PI30REVO.20Protocol.20V03--20201112.pdf 1.1: field 9 is the low-voltage alarm point (not a re-charge voltage),
 * field 14 the charging current limit, and fields 15 on are reserved.
 */
export const QPIRI_PI30REVO: FieldTable = extendTable(QPIRI_PI30, [
  setting(8, 'battery_low_alarm_voltage', 'number', 'V'),
  setting(13, 'max_charging_current', 'number', 'A'),
  ...[14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24].map((i): FieldSpec => [i, 'reserved', 'reserved']),
]);

export const QPIRI_TABLES: Readonly<Record<Variant, FieldTable>> = { pi30: QPIRI_PI30, pi30max: QPIRI_PI30MAX, pi30revo: QPIRI_PI30REVO };

export function parseQpiri(text: string, variant: Variant = DEFAULT_PARSE_VARIANT): Parsed<QpiriValues> {
  const { values, extras, issues } = readTable('QPIRI', text, QPIRI_TABLES[variant], QPIRI_MINIMUM_FIELDS);
  return { values: { settings: (values.settings ?? {}) as Settings }, extras, issues };
}

export type Defaults = {
  ac_output_voltage?: number;
  ac_output_frequency?: number;
  max_ac_charging_current?: number;
  battery_under_voltage?: number;
  battery_float_voltage?: number;
  battery_bulk_voltage?: number;
  battery_recharge_voltage?: number;
  max_charging_current?: number;
  input_voltage_range?: string;
  output_source_priority?: string;
  charger_source_priority?: string;
  battery_type?: string;
  buzzer?: boolean;
  power_saving?: boolean;
  overload_restart?: boolean;
  over_temperature_restart?: boolean;
  lcd_backlight?: boolean;
  primary_source_interrupt_alarm?: boolean;
  fault_code_record?: boolean;
  overload_bypass?: boolean;
  lcd_reset_to_default?: boolean;
  output_mode?: string;
  battery_redischarge_voltage?: number;
  pv_ok_condition?: string;
  pv_power_balance?: string;
  max_cv_charging_time_min?: number;
  max_discharging_current?: number;
};

export type QdiValues = { defaults: Defaults };

export const QDI_MINIMUM_FIELDS = 25;

const fallback = (index: number, name: keyof Defaults, type: FieldType, unit?: string): FieldSpec => [index, `defaults.${name}`, type, unit];

/**
 * QDI, the factory defaults: the 25 fields the PI30 specifications share (PI30_HS_MS_MSX 2014, PI30 2015 2.15,
 * PI30MAX 2.14). Field 13 says whether the buzzer is silenced; it is turned into `buzzer` below.
 */
export const QDI_PI30: FieldTable = Object.freeze([
  fallback(0, 'ac_output_voltage', 'number', 'V'),
  fallback(1, 'ac_output_frequency', 'number', 'Hz'),
  fallback(2, 'max_ac_charging_current', 'number', 'A'),
  fallback(3, 'battery_under_voltage', 'number', 'V'),
  fallback(4, 'battery_float_voltage', 'number', 'V'),
  fallback(5, 'battery_bulk_voltage', 'number', 'V'),
  fallback(6, 'battery_recharge_voltage', 'number', 'V'),
  fallback(7, 'max_charging_current', 'number', 'A'),
  fallback(8, 'input_voltage_range', { option: INPUT_VOLTAGE_RANGES }),
  fallback(9, 'output_source_priority', { option: OUTPUT_SOURCE_PRIORITIES }),
  fallback(10, 'charger_source_priority', { option: CHARGER_SOURCE_PRIORITIES }),
  fallback(11, 'battery_type', { option: BATTERY_TYPES }),
  [12, 'silenced.buzzer', 'flag'],
  fallback(13, 'power_saving', 'flag'),
  fallback(14, 'overload_restart', 'flag'),
  fallback(15, 'over_temperature_restart', 'flag'),
  fallback(16, 'lcd_backlight', 'flag'),
  fallback(17, 'primary_source_interrupt_alarm', 'flag'),
  fallback(18, 'fault_code_record', 'flag'),
  fallback(19, 'overload_bypass', 'flag'),
  fallback(20, 'lcd_reset_to_default', 'flag'),
  fallback(21, 'output_mode', { option: OUTPUT_MODES }),
  fallback(22, 'battery_redischarge_voltage', 'number', 'V'),
  fallback(23, 'pv_ok_condition', { option: PV_OK_CONDITIONS }),
  fallback(24, 'pv_power_balance', { option: PV_POWER_BALANCES }),
] satisfies FieldTable);

/** PI30MAX.Communication.Protocol20210217.pdf 2.14: CV time and discharge limit (48 V models). */
export const QDI_PI30MAX: FieldTable = extendTable(QDI_PI30, [
  fallback(25, 'max_cv_charging_time_min', 'number', 'min'),
  fallback(26, 'max_discharging_current', 'number', 'A'),
]);

/** Revo firmware has no QDI; a reply is read as PI30's. */
export const QDI_TABLES: Readonly<Record<Variant, FieldTable>> = { pi30: QDI_PI30, pi30max: QDI_PI30MAX, pi30revo: QDI_PI30 };

export function parseQdi(text: string, variant: Variant = DEFAULT_PARSE_VARIANT): Parsed<QdiValues> {
  const { values, extras, issues } = readTable('QDI', text, QDI_TABLES[variant], QDI_MINIMUM_FIELDS);
  const defaults = (values.defaults ?? {}) as Defaults;
  // The buzzer field says whether it is silenced: 0 means the buzzer sounds.
  const silenced = (values.silenced as { buzzer?: boolean } | undefined)?.buzzer;
  return { values: { defaults: { ...defaults, buzzer: silenced === undefined ? undefined : !silenced } }, extras, issues };
}
