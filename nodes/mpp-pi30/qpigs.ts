// QPIGS (general status) and QPIGS2 (second PV input, PI30MAX): the live readings.
import { FieldReader, type Parsed } from './fields';

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
export type Pv = { current?: number; voltage?: number; charging_power?: number; feed_to_grid_power?: number };
export type Inverter = { bus_voltage?: number; heatsink_temperature?: number; eeprom_version?: string; solar_feed_to_grid?: boolean; country_code?: string };
export type ChargingSource = 'none' | 'solar' | 'utility' | 'solar_and_utility';
export type DeviceStatus = Record<string, boolean | ChargingSource | undefined> & { charging_source?: ChargingSource };

export type QpigsValues = { grid: Grid; ac_output: AcOutput; battery: Battery; pv: Pv; inverter: Inverter; status: DeviceStatus };

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

/** Fields every PI30 model sends (up to the device status bits), and every field this parser names. */
export const QPIGS_MINIMUM_FIELDS = 17;
export const QPIGS_KNOWN_FIELDS = 24;

function chargingSource(status: Record<string, boolean>): ChargingSource | undefined {
  if (!('charging_on' in status)) return undefined;
  if (!status.charging_on) return 'none';
  if (status.scc_charging_on && status.ac_charging_on) return 'solar_and_utility';
  return status.ac_charging_on ? 'utility' : 'solar';
}

export function parseQpigs(text: string): Parsed<QpigsValues> {
  const r = new FieldReader('QPIGS', text);
  const status: DeviceStatus = { ...r.bits(16, 'device status', STATUS_BITS), ...r.bits(20, 'device status 2', STATUS2_BITS) };
  status.charging_source = chargingSource(status as Record<string, boolean>);
  const charging = r.number(9, 'battery charging current');
  const discharge = r.number(15, 'battery discharge current');
  const values: QpigsValues = {
    grid: { voltage: r.number(0, 'grid voltage'), frequency: r.number(1, 'grid frequency') },
    ac_output: {
      voltage: r.number(2, 'AC output voltage'),
      frequency: r.number(3, 'AC output frequency'),
      apparent_power: r.number(4, 'AC output apparent power'),
      active_power: r.number(5, 'AC output active power'),
      load: r.number(6, 'output load percent'),
    },
    battery: {
      voltage: r.number(8, 'battery voltage'),
      charging_current: charging,
      discharge_current: discharge,
      net_current: charging !== undefined && discharge !== undefined ? charging - discharge : undefined,
      soc: r.number(10, 'battery capacity'),
      scc_voltage: r.number(14, 'battery voltage from SCC'),
      fan_on_voltage_offset: r.number(17, 'battery voltage offset for fans on', 0.01),
    },
    pv: {
      current: r.number(12, 'PV input current'),
      voltage: r.number(13, 'PV input voltage'),
      charging_power: r.number(19, 'PV charging power'),
      feed_to_grid_power: r.number(23, 'solar feed to grid power'),
    },
    inverter: {
      bus_voltage: r.number(7, 'bus voltage'),
      heatsink_temperature: r.number(11, 'heat sink temperature'),
      eeprom_version: r.text(18),
      solar_feed_to_grid: r.flag(21, 'solar feed to grid'),
      country_code: r.text(22),
    },
    status,
  };
  r.finish(QPIGS_MINIMUM_FIELDS, QPIGS_KNOWN_FIELDS);
  return r.result(values);
}

export type QpigsTwoValues = { pv2: { current?: number; voltage?: number; charging_power?: number } };

export function parseQpigs2(text: string): Parsed<QpigsTwoValues> {
  const r = new FieldReader('QPIGS2', text);
  const values: QpigsTwoValues = {
    pv2: { current: r.number(0, 'PV2 input current'), voltage: r.number(1, 'PV2 input voltage'), charging_power: r.number(2, 'PV2 charging power') },
  };
  r.finish(3, 3);
  return r.result(values);
}
