import assert from 'node:assert/strict';
import type { BatterySettings } from '../../nodes/epever-tracer/register-map';
import { applyChange, settingsFromWords, settingsWords, SettingsError, toNamed } from '../../nodes/epever-tracer/settings';

const sealed: BatterySettings = {
  batteryType: 1, batteryCapacity: 200, temperatureCompensation: 3,
  highVoltageDisconnect: 16, chargingLimitVoltage: 15, overVoltageReconnect: 15, equalizationVoltage: 14.6,
  boostVoltage: 14.4, floatVoltage: 13.8, boostReconnectVoltage: 13.2, lowVoltageReconnect: 12.6,
  underVoltageWarningReconnect: 12.2, underVoltageWarning: 12, lowVoltageDisconnect: 11.1, dischargingLimitVoltage: 10.6,
};

describe('Epever battery settings', () => {
  it('names settings for users and round-trips the register words', () => {
    const named = toNamed(sealed);
    assert.equal(named.battery_type, 'sealed');
    assert.equal(named.float_voltage, 13.8);
    assert.equal(settingsWords(sealed)[8], 1380);
    assert.deepEqual(settingsFromWords(settingsWords(sealed)), sealed);
  });

  it('accepts a valid change of a user-type battery', () => {
    const next = applyChange(sealed, { battery_type: 'user', float_voltage: 13.6, capacity_ah: 100 }, 12);
    assert.equal(next.batteryType, 0);
    assert.equal(next.floatVoltage, 13.6);
    assert.equal(next.batteryCapacity, 100);
  });

  it('accepts a battery type change on its own', () => {
    assert.equal(applyChange(sealed, { battery_type: 'gel' }, 12).batteryType, 2);
  });

  it('refuses voltage changes unless the battery type is user', () => {
    assert.throws(() => applyChange(sealed, { float_voltage: 13.6 }, 12), /only be changed with battery_type "user"/);
  });

  it('refuses values out of range for the system voltage', () => {
    assert.throws(() => applyChange(sealed, { battery_type: 'user', high_voltage_disconnect: 17.5 }, 12), /outside 9-17 V for a 12 V system/);
    // The same value is fine on a 24 V system once every set point is scaled.
    const doubled = Object.fromEntries(Object.entries(toNamed(sealed)).map(([k, v]) => [k, typeof v === 'number' && k.endsWith('voltage') || k.endsWith('disconnect') || k.endsWith('reconnect') || k.endsWith('warning') ? (v as number) * 2 : v]));
    assert.doesNotThrow(() => applyChange(sealed, { ...doubled, battery_type: 'user' }, 24));
  });

  it('refuses set points out of Epever order, naming both', () => {
    assert.throws(() => applyChange(sealed, { battery_type: 'user', float_voltage: 14.5 }, 12), /boost_voltage \(14.4 V\) must be at least float_voltage \(14.5 V\)/);
    assert.throws(() => applyChange(sealed, { battery_type: 'user', low_voltage_disconnect: 12.7 }, 12), SettingsError);
  });

  it('refuses unknown names, wrong types and bad capacity', () => {
    assert.throws(() => applyChange(sealed, { flaot_voltage: 13 }, 12), /unknown setting "flaot_voltage"/);
    assert.throws(() => applyChange(sealed, { capacity_ah: '100' }, 12), /capacity_ah must be a number/);
    assert.throws(() => applyChange(sealed, { capacity_ah: 0 }, 12), /capacity_ah must be a whole number from 1 to 9999/);
    assert.throws(() => applyChange(sealed, 'float 13', 12), /must be an object/);
    assert.throws(() => applyChange(sealed, { battery_type: 'lithium' }, 12), /battery_type must be one of user, sealed, gel, flooded/);
  });
});
