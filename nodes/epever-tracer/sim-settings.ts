// What the simulated controller is: a Tracer 2210AN (20 A MPPT) on a 12 V system, with Epever's factory
// set points for a sealed battery, and the device's own sanity check of a battery-settings write.
import type { BatterySettings, RatedData } from './register-map';
import { brokenRule, ruleText } from './setting-rules';

export const SIMULATED_RATED: RatedData = {
  pvRatedVoltage: 100,
  pvRatedCurrent: 20,
  pvRatedPower: 260,
  batteryRatedVoltage: 12,
  ratedChargingCurrent: 20,
  ratedChargingPower: 260,
  chargingType: 2, // MPPT (the protocol's 1 is PWM)
  loadRatedVoltage: 12,
  loadRatedCurrent: 20,
};

export const DEFAULT_SETTINGS: BatterySettings = {
  batteryType: 1, // sealed
  batteryCapacity: 200,
  temperatureCompensation: 3,
  highVoltageDisconnect: 16.0,
  chargingLimitVoltage: 15.0,
  overVoltageReconnect: 15.0,
  equalizationVoltage: 14.6,
  boostVoltage: 14.4,
  floatVoltage: 13.8,
  boostReconnectVoltage: 13.2,
  lowVoltageReconnect: 12.6,
  underVoltageWarningReconnect: 12.2,
  underVoltageWarning: 12.0,
  lowVoltageDisconnect: 11.1,
  dischargingLimitVoltage: 10.6,
};

const VOLTAGE_NAMES = [
  'highVoltageDisconnect',
  'chargingLimitVoltage',
  'overVoltageReconnect',
  'equalizationVoltage',
  'boostVoltage',
  'floatVoltage',
  'boostReconnectVoltage',
  'lowVoltageReconnect',
  'underVoltageWarningReconnect',
  'underVoltageWarning',
  'lowVoltageDisconnect',
  'dischargingLimitVoltage',
] as const;

/** Why the controller would refuse these settings, or undefined when it accepts them. 12 V systems only. */
export function settingsProblem(s: BatterySettings): string | undefined {
  if (!Number.isInteger(s.batteryType) || s.batteryType > 3) return 'battery type must be 0..3';
  if (s.batteryCapacity < 1 || s.batteryCapacity > 9999) return 'capacity must be 1..9999 Ah';
  if (s.temperatureCompensation > 9) return 'temperature compensation must be 0..9';
  for (const name of VOLTAGE_NAMES) {
    if (s[name] < 9 || s[name] > 17) return `${name} must be 9..17 V`;
  }
  // The same ordering rules the node checks before it writes.
  const broken = brokenRule(s);
  return broken ? `settings must keep ${ruleText(broken, (key) => key)}` : undefined;
}
