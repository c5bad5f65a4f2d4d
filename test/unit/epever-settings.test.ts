import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatterySettings } from '../../nodes/epever-tracer/register-map';
import { ORDER_RULES, ruleText } from '../../nodes/epever-tracer/setting-rules';
import {
  applyChange,
  SETTING_NAMES,
  settingName,
  settingsFromWords,
  settingsWords,
  SettingsError,
  toNamed,
} from '../../nodes/epever-tracer/settings';
import { settingsProblem } from '../../nodes/epever-tracer/sim-settings';

// The tests run from dist/test/unit; the sources sit three levels up.
const ROOT = join(__dirname, '..', '..', '..');
const RULE_TEXTS = ORDER_RULES.map((rule) => ruleText(rule, settingName));

const sealed: BatterySettings = {
  batteryType: 1,
  batteryCapacity: 200,
  temperatureCompensation: 3,
  highVoltageDisconnect: 16,
  chargingLimitVoltage: 15,
  overVoltageReconnect: 15,
  equalizationVoltage: 14.6,
  boostVoltage: 14.4,
  floatVoltage: 13.8,
  boostReconnectVoltage: 13.2,
  lowVoltageReconnect: 12.6,
  underVoltageWarningReconnect: 12.2,
  underVoltageWarning: 12,
  lowVoltageDisconnect: 11.1,
  dischargingLimitVoltage: 10.6,
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
    const doubled = Object.fromEntries(
      Object.entries(toNamed(sealed)).map(([k, v]) => [
        k,
        (typeof v === 'number' && k.endsWith('voltage')) || k.endsWith('disconnect') || k.endsWith('reconnect') || k.endsWith('warning')
          ? (v as number) * 2
          : v,
      ]),
    );
    assert.doesNotThrow(() => applyChange(sealed, { ...doubled, battery_type: 'user' }, 24));
  });

  it('refuses set points out of Epever order, naming both', () => {
    assert.throws(
      () => applyChange(sealed, { battery_type: 'user', float_voltage: 14.5 }, 12),
      /boost_voltage \(14.4 V\) must be at least float_voltage \(14.5 V\)/,
    );
    assert.throws(() => applyChange(sealed, { battery_type: 'user', low_voltage_disconnect: 12.7 }, 12), SettingsError);
  });

  it('refuses unknown names, wrong types and bad capacity', () => {
    assert.throws(() => applyChange(sealed, { flaot_voltage: 13 }, 12), /unknown setting "flaot_voltage"/);
    assert.throws(() => applyChange(sealed, { capacity_ah: '100' }, 12), /capacity_ah must be a number/);
    assert.throws(() => applyChange(sealed, { capacity_ah: 0 }, 12), /capacity_ah must be a whole number from 1 to 9999/);
    assert.throws(() => applyChange(sealed, 'float 13', 12), /must be an object/);
    assert.throws(() => applyChange(sealed, { battery_type: 'lithium' }, 12), /battery_type must be one of user, sealed, gel, flooded/);
  });

  it('accepts an under-voltage warning equal to the discharging limit, below the low voltage disconnect', () => {
    const next = applyChange(sealed, { battery_type: 'user', under_voltage_warning: 10.6 }, 12);
    assert.equal(next.underVoltageWarning, 10.6);
    assert.ok(next.underVoltageWarning < next.lowVoltageDisconnect);
    assert.equal(settingsProblem(next), undefined, 'the simulated controller takes it too');
  });

  it('refuses an under-voltage warning below the discharging limit, naming Epever’s rule', () => {
    assert.throws(
      () => applyChange(sealed, { battery_type: 'user', under_voltage_warning: 10.5 }, 12),
      /under_voltage_warning \(10.5 V\) must be at least discharging_limit_voltage \(10.6 V\): Epever's rule under_voltage_warning ≥ discharging_limit_voltage/,
    );
  });

  it('accepts exactly the set points the simulated controller accepts', () => {
    // Random 12 V set points near the factory values: the node refuses a change iff the simulator would.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const change: Record<string, number | string> = { battery_type: 'user' };
      for (const [name, value] of Object.entries(toNamed(sealed))) {
        if (typeof value === 'number' && name !== 'capacity_ah' && name !== 'temperature_compensation') {
          change[name] = Math.round((value + (random() - 0.5) * 1.6) * 10) / 10;
        }
      }
      let nodeAccepts = true;
      let next: BatterySettings = sealed;
      try {
        next = applyChange(sealed, change, 12);
      } catch (err) {
        assert.ok(err instanceof SettingsError);
        nodeAccepts = false;
        refused++;
      }
      const simulated = settingsFromWords(
        settingsWords({ ...sealed, ...Object.fromEntries(Object.entries(change).map(([n, v]) => [byName(n), v])), batteryType: 0 }),
      );
      assert.equal(nodeAccepts, settingsProblem(simulated) === undefined, JSON.stringify(change));
      if (nodeAccepts) assert.deepEqual(next, simulated);
    }
    assert.ok(refused > 100 && refused < 1900, `both outcomes are exercised (${refused} refused)`);
  });

  it('lists exactly the rule table in the help text', () => {
    const help = readFileSync(join(ROOT, 'locales', 'en-US', 'epever-tracer.html'), 'utf8');
    const list = /<ul class="epever-setting-rules">([\s\S]*?)<\/ul>/.exec(help);
    assert.ok(list, 'the help has the rule list');
    const items = [...list[1].matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) =>
      m[1]
        .replace(/<[^>]+>/g, '')
        .replace(/&gt;/g, '>')
        .replace(/&ge;/g, '≥')
        .replace(/\s+/g, ' ')
        .trim(),
    );
    assert.deepEqual(items, RULE_TEXTS);
  });

  it('lists exactly the rule table in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- epever-setting-rules -->([\s\S]*?)<!-- \/epever-setting-rules -->/.exec(readme);
    assert.ok(block, 'the README has the rule list');
    const items = block[1]
      .split('\n')
      .filter((line) => line.startsWith('- '))
      .map((line) =>
        line
          .slice(2)
          .replace(/`/g, '')
          .replace(/ \([A-E]\)$/, ''),
      );
    assert.deepEqual(items, RULE_TEXTS);
  });
});

/** The register key of a user-facing setting name. */
function byName(name: string): keyof BatterySettings {
  const entry = Object.entries(SETTING_NAMES).find(([, n]) => n === name);
  assert.ok(entry, name);
  return entry[0] as keyof BatterySettings;
}
