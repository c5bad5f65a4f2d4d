import assert from 'node:assert/strict';
import { parseEnergy } from '../../nodes/mpp-pi30/protocol/energy';
import { parseQid, parseQvfw, parseQvfw2 } from '../../nodes/mpp-pi30/protocol/identity';
import { parseQbeqi } from '../../nodes/mpp-pi30/protocol/qbeqi';
import { parseQflag } from '../../nodes/mpp-pi30/protocol/qflag';
import { parseQmod } from '../../nodes/mpp-pi30/protocol/qmod';
import { parseQpigs, parseQpigs2 } from '../../nodes/mpp-pi30/protocol/qpigs';
import { parseQdi, parseQpiri } from '../../nodes/mpp-pi30/protocol/qpiri';
import { activeWarnings, parseQpiws } from '../../nodes/mpp-pi30/protocol/qpiws';
import { parseReply } from '../../nodes/mpp-pi30/protocol/queries';

// Replies captured from real inverters, as published with open-source PI30 tools (text after the "(").
const QPIGS_PIP = '000.0 00.0 230.0 49.9 0161 0119 003 460 57.50 012 100 0069 0014 103.8 57.45 00000 00110110 00 00 00856 010';
const QPIGS_MAX = '227.2 50.0 230.3 50.0 0829 0751 010 447 54.50 020 083 0054 02.7 323.6 00.00 00000 00010110 00 00 00879 010';
const QPIRI_MS = '230.0 21.7 230.0 50.0 21.7 5000 4000 48.0 46.0 42.0 56.4 54.0 0 10 010 1 0 0 6 01 0 0 54.0 0 1';
const QPIRI_MAX = '230.0 34.7 230.0 50.0 34.7 8000 8000 48.0 48.0 42.0 54.0 52.5 2 010 030 1 2 2 9 01 0 0 50.0 0 1 480 0 070';

describe('PI30 reply parsers', () => {
  describe('QPIGS', () => {
    it('names every field of a PIP reply, with units as the README says', () => {
      const { values, issues, extras } = parseQpigs(QPIGS_PIP);
      assert.deepEqual(issues, []);
      assert.deepEqual(extras, {});
      assert.deepEqual(values.grid, { voltage: 0, frequency: 0 });
      assert.deepEqual(values.ac_output, { voltage: 230, frequency: 49.9, apparent_power: 161, active_power: 119, load: 3 });
      assert.equal(values.inverter.bus_voltage, 460);
      assert.equal(values.battery.voltage, 57.5);
      assert.equal(values.battery.charging_current, 12);
      assert.equal(values.battery.soc, 100);
      assert.equal(values.inverter.heatsink_temperature, 69);
      assert.equal(values.pv.current, 14);
      assert.equal(values.pv.voltage, 103.8);
      assert.equal(values.battery.scc_voltage, 57.45);
      assert.equal(values.battery.discharge_current, 0);
      assert.equal(values.battery.net_current, 12);
      assert.equal(values.pv.charging_power, 856);
      assert.equal(values.battery.fan_on_voltage_offset, 0);
      assert.equal(values.inverter.eeprom_version, '00');
    });

    it('decodes the device status bits, b7 first, and which charger runs', () => {
      const { status } = parseQpigs(QPIGS_PIP).values;
      assert.equal(status.sbu_priority_version_added, false);
      assert.equal(status.configuration_changed, false);
      assert.equal(status.scc_firmware_updated, true);
      assert.equal(status.load_on, true);
      assert.equal(status.battery_voltage_steady, false);
      assert.equal(status.charging_on, true);
      assert.equal(status.scc_charging_on, true);
      assert.equal(status.ac_charging_on, false);
      assert.equal(status.charging_source, 'solar');
      assert.equal(status.charging_to_float, false);
      assert.equal(status.switched_on, true);
      assert.equal(status.dustproof_installed, false);
      const ac = parseQpigs(QPIGS_PIP.replace('00110110', '00010101')).values.status;
      assert.equal(ac.charging_source, 'utility');
      assert.equal(parseQpigs(QPIGS_PIP.replace('00110110', '00010111')).values.status.charging_source, 'solar_and_utility');
      assert.equal(parseQpigs(QPIGS_PIP.replace('00110110', '00010000')).values.status.charging_source, 'none');
    });

    it('reads PV current with a decimal (PI30MAX) and the extra MAX fields', () => {
      const { values, issues } = parseQpigs(`${QPIGS_MAX} 1 01 0450`);
      assert.deepEqual(issues, []);
      assert.equal(values.pv.current, 2.7);
      assert.equal(values.pv.voltage, 323.6);
      assert.equal(values.inverter.solar_feed_to_grid, true);
      assert.equal(values.inverter.country_code, '01');
      assert.equal(values.pv.feed_to_grid_power, 450);
    });

    it('keeps what a short reply has, and says it was short', () => {
      const { values, issues } = parseQpigs(QPIGS_PIP.split(' ').slice(0, 12).join(' '));
      assert.equal(values.battery.voltage, 57.5);
      assert.equal(values.pv.voltage, undefined, 'absent, never zero');
      assert.deepEqual(values.status, { charging_source: undefined });
      assert.match(issues.join(), /QPIGS: 12 of 17 fields/);
    });

    it('keeps unknown trailing fields as extras and says so', () => {
      const { extras, issues } = parseQpigs(`${QPIGS_MAX} 1 01 0450 77 abc`);
      assert.deepEqual(extras, { qpigs_24: '77', qpigs_25: 'abc' });
      assert.match(issues.join(), /2 field\(s\) more than the 24 known/);
    });

    it('reports a field that is not a number and keeps it raw', () => {
      const { values, extras, issues } = parseQpigs(QPIGS_PIP.replace('57.50', '5x.50'));
      assert.equal(values.battery.voltage, undefined);
      assert.equal(extras.qpigs_8, '5x.50');
      assert.match(issues.join(), /field 9 \(battery voltage\) is not a number: "5x.50"/);
    });

    it('parses QPIGS2 (trailing space as real inverters send it)', () => {
      assert.deepEqual(parseQpigs2('03.1 327.3 01026 ').values, { pv2: { current: 3.1, voltage: 327.3, charging_power: 1026 } });
    });
  });

  describe('QPIRI', () => {
    it('decodes the ratings and every enumeration of a PIP-MS reply (25 fields)', () => {
      const { values, issues } = parseQpiri(QPIRI_MS);
      assert.deepEqual(issues, []);
      assert.deepEqual(values.settings, {
        grid_rating_voltage: 230,
        grid_rating_current: 21.7,
        ac_output_rating_voltage: 230,
        ac_output_rating_frequency: 50,
        ac_output_rating_current: 21.7,
        ac_output_rating_apparent_power: 5000,
        ac_output_rating_active_power: 4000,
        battery_rating_voltage: 48,
        battery_recharge_voltage: 46,
        battery_under_voltage: 42,
        battery_bulk_voltage: 56.4,
        battery_float_voltage: 54,
        battery_type: 'agm',
        max_ac_charging_current: 10,
        max_charging_current: 10,
        input_voltage_range: 'ups',
        output_source_priority: 'utility_first',
        charger_source_priority: 'utility_first',
        max_parallel_units: 6,
        machine_type: 'off_grid',
        topology: 'transformerless',
        output_mode: 'single',
        battery_redischarge_voltage: 54,
        pv_ok_condition: 'any_unit',
        pv_power_balance: 'charge_and_load_power',
        max_cv_charging_time_min: undefined,
        operation_logic: undefined,
        max_discharging_current: undefined,
      });
    });

    it('reads the three later fields of PI30MAX and the other enumeration values', () => {
      const { settings } = parseQpiri(QPIRI_MAX).values;
      assert.equal(settings.battery_type, 'user');
      assert.equal(settings.output_source_priority, 'sbu');
      assert.equal(settings.charger_source_priority, 'solar_and_utility');
      assert.equal(settings.max_cv_charging_time_min, 480);
      assert.equal(settings.operation_logic, 'automatic');
      assert.equal(settings.max_discharging_current, 70);
      const other = parseQpiri('230.0 13.0 230.0 50.0 13.0 3000 2400 24.0 23.0 21.0 28.2 27.0 1 30 50 0 3 3 - 10 1 6 26.0 1 0').values.settings;
      assert.equal(other.battery_type, 'flooded');
      assert.equal(other.input_voltage_range, 'appliance');
      assert.equal(other.output_source_priority, 'unknown_3');
      assert.equal(other.charger_source_priority, 'solar_only');
      assert.equal(other.max_parallel_units, undefined, '"-" means not given');
      assert.equal(other.machine_type, 'hybrid');
      assert.equal(other.topology, 'transformer');
      assert.equal(other.output_mode, 'phase_2_of_2_120', 'PI30MAX 2.7: 6 is phase 2 of 2 at 120°');
      assert.equal(other.pv_ok_condition, 'all_units');
      assert.equal(other.pv_power_balance, 'charge_current_limit');
    });

    it('parses QDI, the factory defaults', () => {
      const { values, issues } = parseQdi('230.0 50.0 0030 42.0 54.0 56.4 46.0 60 0 0 2 0 0 0 0 0 1 1 0 0 1 0 54.0 0 1 000');
      assert.deepEqual(issues, []);
      assert.equal(values.defaults.max_ac_charging_current, 30);
      assert.equal(values.defaults.charger_source_priority, 'solar_and_utility');
      assert.equal(values.defaults.battery_type, 'agm');
      assert.equal(values.defaults.buzzer, true, '0 means the buzzer is not silenced');
      assert.equal(values.defaults.lcd_backlight, true);
      assert.equal(values.defaults.lcd_reset_to_default, true);
      assert.equal(values.defaults.overload_bypass, false);
    });
  });

  describe('QPIWS', () => {
    it('names every set bit (PI30: 32 bits, b1, b14 and b16 reserved)', () => {
      const { values, issues } = parseQpiws('00000100000000001000000000000000', 'pi30');
      assert.deepEqual(issues, []);
      assert.deepEqual(activeWarnings(values.warnings), ['line_fail', 'overload']);
      assert.equal(values.warnings.inverter_fault, false);
      assert.equal(Object.keys(values.warnings).length, 29, 'named bits of the 32, reserved ones left out');
    });

    it('reads the 36-bit PI30MAX reply and shows a set reserved bit as bit_<n>', () => {
      const bits = '1'.padEnd(13, '0') + '1' + '0'.repeat(21) + '1';
      const { values, issues } = parseQpiws(bits, 'pi30max');
      assert.deepEqual(issues, []);
      assert.deepEqual(activeWarnings(values.warnings), ['pv_loss', 'bit_13', 'battery_equalization']);
    });

    it('reports a short or garbled bit string', () => {
      assert.match(parseQpiws('0000').issues.join(), /4 of 32 bits/);
      assert.match(parseQpiws('00x0').issues.join(), /not a string of 0 and 1 at bit\(s\) 2/);
      assert.match(parseQpiws('').issues.join(), /empty/);
    });
  });

  it('QFLAG: enabled and disabled letters by name, unknown letters kept', () => {
    const { values, issues } = parseQflag('EakxyDbjuvz');
    assert.deepEqual(issues, []);
    assert.deepEqual(values.flags, {
      buzzer: true,
      lcd_reset_to_default: true,
      lcd_backlight: true,
      primary_source_interrupt_alarm: true,
      overload_bypass: false,
      power_saving: false,
      overload_restart: false,
      over_temperature_restart: false,
      fault_code_record: false,
    });
    assert.equal(parseQflag('EadDq').values.flags.flag_q, false);
    assert.match(parseQflag('abED').issues.join(), /outside an E or D list/);
  });

  it('QMOD: mode letters to names', () => {
    const names = Object.fromEntries([...'PSLBFHD'].map((l) => [l, parseQmod(l).values.mode]));
    assert.deepEqual(names, { P: 'power_on', S: 'standby', L: 'line', B: 'battery', F: 'fault', H: 'power_saving', D: 'shutdown' });
    assert.equal(parseQmod('X').values.mode, 'unknown_X');
    assert.match(parseQmod('LB').issues.join(), /one mode letter/);
  });

  it('QID, QVFW, QVFW2', () => {
    assert.deepEqual(parseQid('9293333010501').values, { inverter: { serial_number: '9293333010501' } });
    assert.deepEqual(parseQvfw('VERFW:00072.70').values, { inverter: { firmware_main: '00072.70' } });
    assert.deepEqual(parseQvfw2('VERFW2:00041.17').values, { inverter: { firmware_secondary: '00041.17' } });
    assert.match(parseQid('').issues.join(), /empty/);
  });

  it('QBEQI', () => {
    const { values, issues } = parseQbeqi('1 030 030 080 021 55.40 224 030 0 0234');
    assert.deepEqual(issues, []);
    assert.deepEqual(values.equalization, { enabled: true, time_min: 30, period_days: 30, max_current: 80, voltage: 55.4, over_time_min: 30, active: false, elapsed_hours: 234 });
  });

  it('energy queries: Wh and the period the command asked for', () => {
    assert.deepEqual(parseEnergy('QET', '00238800').values, { energy: { pv_total_wh: 238800 } });
    assert.deepEqual(parseEnergy('QLY2026', '00012345').values, { energy: { load_year_wh: 12345, year: '2026' } });
    assert.deepEqual(parseEnergy('QEM202606', '00002000').values, { energy: { pv_month_wh: 2000, month: '2026-06' } });
    assert.deepEqual(parseEnergy('QLD20260621', '00000450').values, { energy: { load_day_wh: 450, day: '2026-06-21' } });
  });

  it('keeps the raw reply of a query it has no parser for', () => {
    assert.deepEqual(parseReply('QPGS0', '1 92931701100510 B 00').values, { reply: { command: 'QPGS0', text: '1 92931701100510 B 00' } });
  });
});
