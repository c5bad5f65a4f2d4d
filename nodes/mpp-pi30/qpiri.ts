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
import { FieldReader, type Parsed } from './fields';

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

/** The PI30 (HS/MS/MSX) reply has 25 fields; later firmware adds CV time, operation logic, discharge limit. */
export const QPIRI_MINIMUM_FIELDS = 25;
export const QPIRI_KNOWN_FIELDS = 28;

export function parseQpiri(text: string): Parsed<QpiriValues> {
  const r = new FieldReader('QPIRI', text);
  const settings: Settings = {
    grid_rating_voltage: r.number(0, 'grid rating voltage'),
    grid_rating_current: r.number(1, 'grid rating current'),
    ac_output_rating_voltage: r.number(2, 'AC output rating voltage'),
    ac_output_rating_frequency: r.number(3, 'AC output rating frequency'),
    ac_output_rating_current: r.number(4, 'AC output rating current'),
    ac_output_rating_apparent_power: r.number(5, 'AC output rating apparent power'),
    ac_output_rating_active_power: r.number(6, 'AC output rating active power'),
    battery_rating_voltage: r.number(7, 'battery rating voltage'),
    battery_recharge_voltage: r.number(8, 'battery re-charge voltage'),
    battery_under_voltage: r.number(9, 'battery under voltage'),
    battery_bulk_voltage: r.number(10, 'battery bulk voltage'),
    battery_float_voltage: r.number(11, 'battery float voltage'),
    battery_type: r.option(12, 'battery type', BATTERY_TYPES),
    max_ac_charging_current: r.number(13, 'max AC charging current'),
    max_charging_current: r.number(14, 'max charging current'),
    input_voltage_range: r.option(15, 'input voltage range', INPUT_VOLTAGE_RANGES),
    output_source_priority: r.option(16, 'output source priority', OUTPUT_SOURCE_PRIORITIES),
    charger_source_priority: r.option(17, 'charger source priority', CHARGER_SOURCE_PRIORITIES),
    max_parallel_units: r.number(18, 'max parallel units'),
    machine_type: r.keyed(19, MACHINE_TYPES),
    topology: r.option(20, 'topology', TOPOLOGIES),
    output_mode: r.option(21, 'output mode', OUTPUT_MODES),
    battery_redischarge_voltage: r.number(22, 'battery re-discharge voltage'),
    pv_ok_condition: r.option(23, 'PV OK condition', PV_OK_CONDITIONS),
    pv_power_balance: r.option(24, 'PV power balance', PV_POWER_BALANCES),
    max_cv_charging_time_min: r.number(25, 'max charging time at CV'),
    operation_logic: r.option(26, 'operation logic', OPERATION_LOGICS),
    max_discharging_current: r.number(27, 'max discharging current'),
  };
  r.finish(QPIRI_MINIMUM_FIELDS, QPIRI_KNOWN_FIELDS);
  return r.result({ settings });
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
export const QDI_KNOWN_FIELDS = 27;

export function parseQdi(text: string): Parsed<QdiValues> {
  const r = new FieldReader('QDI', text);
  // The buzzer field says whether it is silenced: 0 means the buzzer sounds.
  const silenced = r.flag(12, 'buzzer');
  const defaults: Defaults = {
    ac_output_voltage: r.number(0, 'AC output voltage'),
    ac_output_frequency: r.number(1, 'AC output frequency'),
    max_ac_charging_current: r.number(2, 'max AC charging current'),
    battery_under_voltage: r.number(3, 'battery under voltage'),
    battery_float_voltage: r.number(4, 'battery float voltage'),
    battery_bulk_voltage: r.number(5, 'battery bulk voltage'),
    battery_recharge_voltage: r.number(6, 'battery re-charge voltage'),
    max_charging_current: r.number(7, 'max charging current'),
    input_voltage_range: r.option(8, 'input voltage range', INPUT_VOLTAGE_RANGES),
    output_source_priority: r.option(9, 'output source priority', OUTPUT_SOURCE_PRIORITIES),
    charger_source_priority: r.option(10, 'charger source priority', CHARGER_SOURCE_PRIORITIES),
    battery_type: r.option(11, 'battery type', BATTERY_TYPES),
    buzzer: silenced === undefined ? undefined : !silenced,
    power_saving: r.flag(13, 'power saving'),
    overload_restart: r.flag(14, 'overload restart'),
    over_temperature_restart: r.flag(15, 'over temperature restart'),
    lcd_backlight: r.flag(16, 'LCD backlight'),
    primary_source_interrupt_alarm: r.flag(17, 'primary source interrupt alarm'),
    fault_code_record: r.flag(18, 'fault code record'),
    overload_bypass: r.flag(19, 'overload bypass'),
    lcd_reset_to_default: r.flag(20, 'LCD reset to default'),
    output_mode: r.option(21, 'output mode', OUTPUT_MODES),
    battery_redischarge_voltage: r.number(22, 'battery re-discharge voltage'),
    pv_ok_condition: r.option(23, 'PV OK condition', PV_OK_CONDITIONS),
    pv_power_balance: r.option(24, 'PV power balance', PV_POWER_BALANCES),
    max_cv_charging_time_min: r.number(25, 'max charging time at CV'),
    max_discharging_current: r.number(26, 'max discharging current'),
  };
  r.finish(QDI_MINIMUM_FIELDS, QDI_KNOWN_FIELDS);
  return r.result({ defaults });
}
