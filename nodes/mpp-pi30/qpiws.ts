// QPIWS: warning and fault bits, first character first. Over temperature, fan locked, battery voltage high
// and overload are faults while `inverter_fault` is set and warnings otherwise; the names stay the same.
import { FieldReader, namedBits, type Parsed } from './fields';

/** Bit names by position; undefined positions are reserved and show up only if a device sets them. */
export const WARNING_BITS: readonly (string | undefined)[] = [
  'pv_loss', // PI30MAX; reserved (always 0) on earlier models
  'inverter_fault',
  'bus_over',
  'bus_under',
  'bus_soft_fail',
  'line_fail',
  'opv_short',
  'inverter_voltage_too_low',
  'inverter_voltage_too_high',
  'over_temperature',
  'fan_locked',
  'battery_voltage_high',
  'battery_low_alarm',
  undefined,
  'battery_under_shutdown',
  'battery_derating', // PI30MAX
  'overload',
  'eeprom_fault',
  'inverter_over_current',
  'inverter_soft_fail',
  'self_test_fail',
  'op_dc_voltage_over',
  'battery_open',
  'current_sensor_fail',
  'battery_short',
  'power_limit',
  'pv_voltage_high',
  'mppt_overload_fault',
  'mppt_overload_warning',
  'battery_too_low_to_charge',
  undefined,
  'battery_weak', // 31-35: PI30MAX
  undefined,
  undefined,
  undefined,
  'battery_equalization',
];

export const QPIWS_MINIMUM_BITS = 32;

export type QpiwsValues = { warnings: Record<string, boolean> };

export function parseQpiws(text: string): Parsed<QpiwsValues> {
  const r = new FieldReader('QPIWS', text);
  const bits = r.raw(0);
  let warnings: Record<string, boolean> = {};
  if (bits === undefined) {
    r.issues.push('QPIWS: empty reply');
  } else if (!/^[01]+$/.test(bits)) {
    r.extras.qpiws_0 = bits;
    r.issues.push(`QPIWS: not a string of 0 and 1: ${JSON.stringify(bits.slice(0, 40))}`);
  } else {
    warnings = namedBits(bits, WARNING_BITS);
    if (bits.length < QPIWS_MINIMUM_BITS) r.issues.push(`QPIWS: ${bits.length} of ${QPIWS_MINIMUM_BITS} bits (reply cut short)`);
    if (bits.length > WARNING_BITS.length) r.issues.push(`QPIWS: ${bits.length - WARNING_BITS.length} bit(s) more than the ${WARNING_BITS.length} known`);
  }
  r.finish(1, 1);
  return r.result({ warnings });
}

/** The warnings that are set, by name. */
export function activeWarnings(warnings: Readonly<Record<string, boolean>>): string[] {
  return Object.keys(warnings).filter((name) => warnings[name]);
}
