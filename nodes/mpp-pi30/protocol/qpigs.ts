// QPIGS (general status) and QPIGS2 (second PV input, PI30MAX): the live readings.
import { extendTable, readTable, type FieldTable } from './field-table';
import type { Parsed } from './fields';
import { DEFAULT_PARSE_VARIANT, type Variant } from './variants';

export type Grid = { voltage?: number; frequency?: number };
export type AcOutput = { voltage?: number; frequency?: number; apparent_power?: number; active_power?: number; load?: number };
export type Battery = {
  voltage?: number;
  charging_current?: number;
  discharge_current?: number;
  /** Charging minus discharge current, A: positive while charging. */
  net_current?: number;
  soc?: number;
  scc_voltage?: number;
  /** Fans start this much above the charging voltage, V (the device sends tens of mV). */
  fan_on_voltage_offset?: number;
};
export type Pv = {
  current?: number;
  /** Revo only: PV power, W (the field that is PV current elsewhere). */
  power?: number;
  voltage?: number;
  charging_power?: number;
  feed_to_grid_power?: number;
};
export type Inverter = {
  bus_voltage?: number;
  heatsink_temperature?: number;
  eeprom_version?: string;
  solar_feed_to_grid?: boolean;
  country_code?: string;
};
export type ChargingSource = 'none' | 'solar' | 'utility' | 'solar_and_utility';
export type DeviceStatus = Record<string, boolean | ChargingSource | undefined> & { charging_source?: ChargingSource };

export type QpigsValues = {
  grid: Grid;
  ac_output: AcOutput;
  battery: Battery;
  pv: Pv;
  inverter: Inverter;
  status: DeviceStatus;
  /** Revo only: PV energy generated today, Wh. */
  energy?: { pv_day_wh?: number };
};

/** Device status, b7 (first character) to b0. */
export const STATUS_BITS = [
  'sbu_priority_version_added',
  'configuration_changed',
  'scc_firmware_updated',
  'load_on',
  'battery_voltage_steady',
  'charging_on',
  'scc_charging_on',
  'ac_charging_on',
] as const;
/** Device status 2, b10 to b8 (newer firmware). */
export const STATUS2_BITS = ['charging_to_float', 'switched_on', 'dustproof_installed'] as const;

/** Fields every PI30 model sends (up to the device status bits). */
export const QPIGS_MINIMUM_FIELDS = 17;

/**
 * QPIGS of the PI30 family: PI30_Communication-Protocol-20150924-Customer.pdf 2.9 (21 fields, PV current in A,
 * "PV charging power" last but one), the same in PI30_HS_MS_MSX (2014) and PI30_PIP-GK_MK.
 */
export const QPIGS_PI30: FieldTable = Object.freeze([
  [0, 'grid.voltage', 'number', 'V'],
  [1, 'grid.frequency', 'number', 'Hz'],
  [2, 'ac_output.voltage', 'number', 'V'],
  [3, 'ac_output.frequency', 'number', 'Hz'],
  [4, 'ac_output.apparent_power', 'number', 'VA'],
  [5, 'ac_output.active_power', 'number', 'W'],
  [6, 'ac_output.load', 'number', '%'],
  [7, 'inverter.bus_voltage', 'number', 'V'],
  [8, 'battery.voltage', 'number', 'V'],
  [9, 'battery.charging_current', 'number', 'A'],
  [10, 'battery.soc', 'number', '%'],
  [11, 'inverter.heatsink_temperature', 'number', '°C'],
  [12, 'pv.current', 'number', 'A'],
  [13, 'pv.voltage', 'number', 'V'],
  [14, 'battery.scc_voltage', 'number', 'V'],
  [15, 'battery.discharge_current', 'number', 'A'],
  [16, 'status', { bits: STATUS_BITS }],
  [17, 'battery.fan_on_voltage_offset', { scale: 0.01 }, 'V'],
  [18, 'inverter.eeprom_version', 'text'],
  [19, 'pv.charging_power', 'number', 'W'],
  [20, 'status', { bits: STATUS2_BITS }],
] satisfies FieldTable);

/** PI30MAX.Communication.Protocol20210217.pdf 2.9: three fields more (solar feed to grid, country, its power). */
export const QPIGS_PI30MAX: FieldTable = extendTable(QPIGS_PI30, [
  [21, 'inverter.solar_feed_to_grid', 'flag'],
  [22, 'inverter.country_code', 'text'],
  [23, 'pv.feed_to_grid_power', 'number', 'W'],
]);

/**
 * PI30REVO.20Protocol.20V03--20201112.pdf 1.2: field 13 ("r EEEE") is PV power in W (V01new changed it from PV
 * current), field 16 ("w PPPPP") the PV energy generated today in Wh, not a discharge current; the fan offset,
 * EEPROM version and second status field are reserved.
 */
export const QPIGS_PI30REVO: FieldTable = extendTable(QPIGS_PI30, [
  [12, 'pv.power', 'number', 'W'],
  [15, 'energy.pv_day_wh', 'number', 'Wh'],
  [17, 'reserved', 'reserved'],
  [18, 'reserved', 'reserved'],
  [20, 'reserved', 'reserved'],
]);

export const QPIGS_TABLES: Readonly<Record<Variant, FieldTable>> = { pi30: QPIGS_PI30, pi30max: QPIGS_PI30MAX, pi30revo: QPIGS_PI30REVO };

function chargingSource(status: Record<string, boolean>): ChargingSource | undefined {
  if (!('charging_on' in status)) return undefined;
  if (!status.charging_on) return 'none';
  if (status.scc_charging_on && status.ac_charging_on) return 'solar_and_utility';
  return status.ac_charging_on ? 'utility' : 'solar';
}

export function parseQpigs(text: string, variant: Variant = DEFAULT_PARSE_VARIANT): Parsed<QpigsValues> {
  const { values, extras, issues } = readTable('QPIGS', text, QPIGS_TABLES[variant], QPIGS_MINIMUM_FIELDS);
  const part = values as unknown as QpigsValues;
  const status = (part.status ??= {});
  status.charging_source = chargingSource(status as Record<string, boolean>);
  const battery = (part.battery ??= {});
  const { charging_current: charging, discharge_current: discharge } = battery;
  battery.net_current = charging !== undefined && discharge !== undefined ? charging - discharge : undefined;
  return { values: part, extras, issues };
}

export type QpigsTwoValues = {
  pv2: { current?: number; voltage?: number; scc_voltage?: number; charging_power?: number };
  pv3?: { current?: number; voltage?: number; scc_voltage?: number; charging_power?: number };
  status?: Record<string, boolean>;
  ac_charging?: { current?: number; power?: number };
  pv?: { total_charging_power?: number };
};

/** PI30MAX.Communication.Protocol20210217.pdf 2.10 (48 V models): PV2 current, voltage and charging power. */
export const QPIGS2_PI30MAX: FieldTable = Object.freeze([
  [0, 'pv2.current', 'number', 'A'],
  [1, 'pv2.voltage', 'number', 'V'],
  [2, 'pv2.charging_power', 'number', 'W'],
] satisfies FieldTable);

/**
 * PI30_Communication-Protocol-20150924-Customer.pdf 2.10 (models with two or three trackers, also
 * jblance/mpp-solar pull #267 for the PIP4048MST): a different layout, the third field is SCC2's battery voltage.
 */
export const QPIGS2_PI30: FieldTable = Object.freeze([
  [0, 'pv2.current', 'number', 'A'],
  [1, 'pv2.voltage', 'number', 'V'],
  [2, 'pv2.scc_voltage', 'number', 'V'],
  [3, 'pv2.charging_power', 'number', 'W'],
  [4, 'status', { bits: ['scc2_charging_on', 'scc3_charging_on'] }],
  [5, 'ac_charging.current', 'number', 'A'],
  [6, 'ac_charging.power', 'number', 'W'],
  [7, 'pv3.current', 'number', 'A'],
  [8, 'pv3.voltage', 'number', 'V'],
  [9, 'pv3.scc_voltage', 'number', 'V'],
  [10, 'pv3.charging_power', 'number', 'W'],
  [11, 'pv.total_charging_power', 'number', 'W'],
] satisfies FieldTable);

/** Revo firmware has no QPIGS2; a reply is read as PI30's. */
export const QPIGS2_TABLES: Readonly<Record<Variant, FieldTable>> = { pi30: QPIGS2_PI30, pi30max: QPIGS2_PI30MAX, pi30revo: QPIGS2_PI30 };

export function parseQpigs2(text: string, variant: Variant = DEFAULT_PARSE_VARIANT): Parsed<QpigsTwoValues> {
  const table = QPIGS2_TABLES[variant];
  const { values, extras, issues } = readTable('QPIGS2', text, table, variant === 'pi30max' ? 3 : 4);
  return { values: values as unknown as QpigsTwoValues, extras, issues };
}
