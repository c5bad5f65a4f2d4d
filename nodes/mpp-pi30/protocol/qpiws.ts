// QPIWS: warning and fault bits, first character first. Over temperature, fan locked, battery voltage high
// and overload are faults while `inverter_fault` is set and warnings otherwise; the names stay the same.
// The families number the bits differently past bit 23, and PI30MAX puts a two-digit fault code among them.
import { FieldReader, type Parsed } from './fields';
import { DEFAULT_PARSE_VARIANT, type Variant } from './variants';

/** Bit names by position; undefined positions are reserved and show up only if a device sets them. */
export type BitTable = readonly (string | undefined)[];

/** Bits 1-23, as PI30MAX numbers them (PI30MAX.Communication.Protocol20210217.pdf 2.13, a1-a23). */
const SHARED_BITS: BitTable = [
  undefined,
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
  undefined,
  'overload',
  'eeprom_fault',
  'inverter_over_current',
  'inverter_soft_fail',
  'self_test_fail',
  'op_dc_voltage_over',
  'battery_open',
  'current_sensor_fail',
];

/**
 * PI30_Communication-Protocol-20150924-Customer.pdf 2.14 (b1-b38): b1, b14 (overcharge) and b16 (battery
 * derating) reserved; b25-b30 for the first tracker, b31-b38 the same four for trackers 2 and 3. The 32-bit reply
 * of PI30_HS_MS_MSX (2014) 2.9 has the same a0-a29 and leaves a30, a31 reserved.
 */
export const QPIWS_PI30: BitTable = Object.freeze([
  ...SHARED_BITS,
  'battery_short',
  'power_limit',
  'pv_voltage_high',
  'mppt_overload_fault',
  'mppt_overload_warning',
  'battery_too_low_to_charge',
  'pv2_voltage_high',
  'mppt2_overload_fault',
  'mppt2_overload_warning',
  'battery_too_low_to_charge_2',
  'pv3_voltage_high',
  'mppt3_overload_fault',
  'mppt3_overload_warning',
  'battery_too_low_to_charge_3',
]);

/**
 * PI30MAX.Communication.Protocol20210217.pdf 2.13 (a0-a35): a0 PV loss, a15 battery derating, a24-a30
 * reserved, a31 battery weak (48 V models), a35 battery equalization. The fault code is two decimal digits: a31-a32
 * on 24 V models, a32-a33 on 48 V models (the rest of a31-a34 reserved).
 */
export const QPIWS_PI30MAX: BitTable = Object.freeze(
  Object.assign([...SHARED_BITS, ...new Array<undefined>(12)], { 0: 'pv_loss', 15: 'battery_derating', 35: 'battery_equalization' }),
);

/** Revo firmware has no QPIWS (PI30REVO V02 lists none); a reply is read as PI30's. */
export const QPIWS_TABLES: Readonly<Record<Variant, BitTable>> = { pi30: QPIWS_PI30, pi30max: QPIWS_PI30MAX, pi30revo: QPIWS_PI30 };

export const QPIWS_MINIMUM_BITS = 32;

/** PI30MAX: where the fault code sits, by nominal battery voltage, and the battery-weak bit of 48 V models. */
const MAX_FAULT_CODE_AT: Readonly<Record<number, number>> = { 24: 31, 48: 32 };
const MAX_SYSTEM_BITS = [31, 32, 33, 34];

/**
 * PI30MAX fault codes (PI30MAX.Communication.Protocol20210217.pdf 2.11, the QPGSn fault table), by number.
 */
export const MAX_FAULT_CODES: Readonly<Record<number, string>> = {
  1: 'fan_locked_while_off',
  2: 'over_temperature',
  3: 'battery_voltage_too_high',
  4: 'battery_voltage_too_low',
  5: 'output_short_circuit',
  6: 'output_voltage_too_high',
  7: 'overload_time_out',
  8: 'bus_voltage_too_high',
  9: 'bus_soft_start_failed',
  10: 'pv_over_current',
  11: 'pv_over_voltage',
  12: 'dcdc_over_current',
  13: 'battery_discharge_over_current',
  51: 'over_current',
  52: 'bus_voltage_too_low',
  53: 'inverter_soft_start_failed',
  55: 'over_dc_voltage_in_ac_output',
  57: 'current_sensor_failed',
  58: 'output_voltage_too_low',
  60: 'power_feedback_protection',
  71: 'firmware_version_inconsistent',
  72: 'current_sharing_fault',
  80: 'can_fault',
  81: 'host_loss',
  82: 'synchronization_loss',
  83: 'battery_voltage_detected_different',
  84: 'ac_input_voltage_and_frequency_detected_different',
  85: 'ac_output_current_unbalance',
  86: 'ac_output_mode_setting_is_different',
};

export type Fault = { code?: number; name?: string };
/** `fault` only while PI30MAX reports a fault code other than 00. */
export type QpiwsValues = { warnings: Record<string, boolean>; fault?: Fault };

export interface QpiwsContext {
  /** QPIRI's battery rating voltage: on PI30MAX it says where the fault code is. */
  systemVoltage?: number;
}

export function parseQpiws(text: string, variant: Variant = DEFAULT_PARSE_VARIANT, context: QpiwsContext = {}): Parsed<QpiwsValues> {
  const r = new FieldReader('QPIWS', text);
  const chars = r.raw(0);
  const names = QPIWS_TABLES[variant];
  const warnings: Record<string, boolean> = {};
  let fault: Fault | undefined;
  if (chars === undefined) {
    r.issues.push('QPIWS: empty reply');
  } else {
    // PI30MAX: the positions a fault code or the battery-weak bit may take, decided by the system voltage.
    const codeAt = variant === 'pi30max' && chars.length > 31 ? MAX_FAULT_CODE_AT[context.systemVoltage ?? 0] : undefined;
    const special = new Set(variant === 'pi30max' && chars.length > 31 ? MAX_SYSTEM_BITS : []);
    if (special.size > 0 && codeAt === undefined && /^0+$/.test(chars.slice(31, 35))) {
      // All zero reads the same on 24 and 48 V models: no fault, battery not weak.
    } else if (special.size > 0 && codeAt === undefined) {
      r.extras.qpiws_31_34 = chars.slice(31, 35);
      r.issues.push(
        'QPIWS: bits 31-34 hold a fault code at a place that depends on the battery voltage (24 or 48 V), which QPIRI has not told; kept in extras',
      );
    } else if (codeAt !== undefined) {
      const digits = chars.slice(codeAt, codeAt + 2);
      if (/^\d\d$/.test(digits)) {
        // "00" is no fault: the group appears only while there is one.
        const code = Number(digits);
        if (code !== 0) fault = { code, name: MAX_FAULT_CODES[code] ?? `unknown_${digits}` };
      } else {
        r.extras.qpiws_fault_code = digits;
        r.issues.push(`QPIWS: fault code ${JSON.stringify(digits)} is not two digits`);
      }
      if (context.systemVoltage === 48 && chars[31] === '0') warnings.battery_weak = false;
      else if (context.systemVoltage === 48 && chars[31] === '1') warnings.battery_weak = true;
    }
    const odd: number[] = [];
    for (let i = 0; i < chars.length; i++) {
      if (special.has(i)) continue;
      const char = chars[i];
      if (char !== '0' && char !== '1') {
        odd.push(i);
        continue;
      }
      const name = names[i];
      if (name) warnings[name] = char === '1';
      else if (char === '1') warnings[`bit_${i}`] = true;
    }
    if (odd.length > 0) {
      r.extras.qpiws_0 = chars;
      r.issues.push(`QPIWS: not a string of 0 and 1 at bit(s) ${odd.slice(0, 8).join(', ')}: ${JSON.stringify(chars.slice(0, 40))}`);
    }
    if (chars.length < QPIWS_MINIMUM_BITS) r.issues.push(`QPIWS: ${chars.length} of ${QPIWS_MINIMUM_BITS} bits (reply cut short)`);
    if (chars.length > names.length) r.issues.push(`QPIWS: ${chars.length - names.length} bit(s) more than the ${names.length} known`);
  }
  r.finish(1, 1);
  return r.result(fault ? { warnings, fault } : { warnings });
}

/** The warnings that are set, by name. */
export function activeWarnings(warnings: Readonly<Record<string, boolean>>): string[] {
  return Object.keys(warnings).filter((name) => warnings[name]);
}

/**
 * The QPIWS reply of a device with these warnings (and, on PI30MAX, this fault), by the same bit table the
 * parser reads: `bits` characters, set where a named warning is true. PI30MAX puts the fault code and the
 * battery-weak bit where the system voltage says (see MAX_FAULT_CODE_AT).
 */
export function renderQpiws(values: QpiwsValues, variant: Variant, context: QpiwsContext = {}, bits = QPIWS_TABLES[variant].length): string {
  const names = QPIWS_TABLES[variant];
  const chars = Array.from({ length: bits }, (_, i): string => (names[i] !== undefined && values.warnings[names[i]] ? '1' : '0'));
  const codeAt = variant === 'pi30max' && bits > 31 ? MAX_FAULT_CODE_AT[context.systemVoltage ?? 0] : undefined;
  if (codeAt !== undefined) chars.splice(codeAt, 2, ...String(values.fault?.code ?? 0).padStart(2, '0'));
  if (codeAt !== undefined && context.systemVoltage === 48) chars[31] = values.warnings.battery_weak ? '1' : '0';
  return chars.join('');
}
