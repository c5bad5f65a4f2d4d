// The order Epever requires of the battery voltage set points (0x9003-0x900E), as data: the node checks a change
// against it, the simulator accepts or refuses a write by it, and the help text and README list it (a test
// compares them).
//
// Source: Epever's user manuals, "User" battery type: "the battery voltage parameters follow the following
// logic" A-E (Tracer-AN manual; C-E verbatim in the MT50 manual, easymanua.ls/epever/mt50/manual page 27, whose
// lithium variant of A adds over-voltage reconnect = charging limit). Epever's PC software refuses settings that
// break A with the same wording. The Modbus protocol V2.5 ("Voltage parameters limit condition";
// github.com/pconroy328/libepsolar, Documentation/"A or BSeriesControllerProtocolv2.5.pdf") lists a stricter chain
// (all ">", and under-voltage warning > low voltage disconnect) that the controller does not enforce; V2.5's own
// example (factory sealed values) satisfies both.
import type { BatterySettings } from './register-map';

export type VoltageKey = Exclude<keyof BatterySettings, 'batteryType' | 'batteryCapacity' | 'temperatureCompensation'>;

export interface OrderRule {
  readonly higher: VoltageKey;
  readonly lower: VoltageKey;
  /** true: `higher` may equal `lower` (≥); false: it must be strictly above (>). */
  readonly orEqual: boolean;
  /** Which of the manual's rules A-E it comes from. */
  readonly rule: 'A' | 'B' | 'C' | 'D' | 'E';
}

const above = (higher: VoltageKey, lower: VoltageKey, rule: OrderRule['rule']): OrderRule => ({ higher, lower, orEqual: false, rule });
const atLeast = (higher: VoltageKey, lower: VoltageKey, rule: OrderRule['rule']): OrderRule => ({ higher, lower, orEqual: true, rule });

export const ORDER_RULES: readonly OrderRule[] = [
  // A. Over voltage disconnect > charging limit ≥ equalize ≥ boost ≥ float > boost reconnect
  above('highVoltageDisconnect', 'chargingLimitVoltage', 'A'),
  atLeast('chargingLimitVoltage', 'equalizationVoltage', 'A'),
  atLeast('equalizationVoltage', 'boostVoltage', 'A'),
  atLeast('boostVoltage', 'floatVoltage', 'A'),
  above('floatVoltage', 'boostReconnectVoltage', 'A'),
  // B. Over voltage disconnect > over voltage reconnect
  above('highVoltageDisconnect', 'overVoltageReconnect', 'B'),
  // C. Low voltage reconnect > low voltage disconnect ≥ discharging limit
  above('lowVoltageReconnect', 'lowVoltageDisconnect', 'C'),
  atLeast('lowVoltageDisconnect', 'dischargingLimitVoltage', 'C'),
  // D. Under voltage warning reconnect > under voltage warning ≥ discharging limit
  above('underVoltageWarningReconnect', 'underVoltageWarning', 'D'),
  atLeast('underVoltageWarning', 'dischargingLimitVoltage', 'D'),
  // E. Boost reconnect > low voltage reconnect
  above('boostReconnectVoltage', 'lowVoltageReconnect', 'E'),
];

export function holds(rule: OrderRule, s: BatterySettings): boolean {
  return rule.orEqual ? s[rule.higher] >= s[rule.lower] : s[rule.higher] > s[rule.lower];
}

/** The first rule the set points break, or undefined when they keep them all. */
export function brokenRule(s: BatterySettings): OrderRule | undefined {
  return ORDER_RULES.find((rule) => !holds(rule, s));
}

/** A rule as text, with each set point named by `nameOf`: "under_voltage_warning ≥ discharging_limit_voltage". */
export function ruleText(rule: OrderRule, nameOf: (key: VoltageKey) => string): string {
  return `${nameOf(rule.higher)} ${rule.orEqual ? '≥' : '>'} ${nameOf(rule.lower)}`;
}
