import assert from 'node:assert/strict';
import { Pi30CommandError, parseCommand } from '../../nodes/mpp-pi30/commands';
import type { Settings } from '../../nodes/mpp-pi30/protocol/qpiri';
import { checkSetter, contextNeeded, namedSetter, parseSetter, SetterError, type SetterContext } from '../../nodes/mpp-pi30/protocol/setters';

const SYSTEM_48: Settings = {
  battery_rating_voltage: 48,
  battery_recharge_voltage: 46,
  battery_redischarge_voltage: 54,
  battery_under_voltage: 42,
  battery_bulk_voltage: 56.4,
  battery_float_voltage: 54,
  battery_type: 'user',
};
const CONTEXT: SetterContext = {
  settings: SYSTEM_48,
  chargingCurrents: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120],
  utilityChargingCurrents: [2, 10, 20, 30],
};

const wire = (command: string, context = CONTEXT) => checkSetter(parseSetter(command), context).command;
const named = (setting: string, value: unknown, context = CONTEXT) => checkSetter(namedSetter(setting, value), context);

describe('PI30 setters', () => {
  it('passes the allowed raw commands through unchanged', () => {
    for (const command of ['POP00', 'POP01', 'POP02', 'PCP00', 'PCP03', 'PGR01', 'PBT00', 'PBT02', 'PBCV44.0', 'PBCV51.0', 'PBDV00.0', 'PBDV58.0', 'PSDV40.0', 'PSDV44.5', 'PCVV56.4', 'PBFT53.5', 'MCHGC060', 'MUCHGC002', 'MUCHGC030', 'F50', 'F60', 'PEa', 'PDbjuv', 'PF']) {
      assert.equal(wire(command), command);
    }
  });

  it('refuses values the protocol does not allow, naming the allowed ones', () => {
    const refused: [string, RegExp][] = [
      ['POP03', /output_source_priority must be utility_first \(0\), solar_first \(1\), sbu \(2\)/],
      ['PCP04', /charger_source_priority must be/],
      ['PGR02', /input_voltage_range must be/],
      ['PBT10', /battery_type must be/],
      ['POP2', /POP takes two digits/],
      ['PBCV44.5', /battery_recharge_voltage on a 48 V system must be one of 44.0, 45.0, .*51.0 V/],
      ['PBCV52.0', /one of/],
      ['PBDV47.0', /must be one of 0.0, 48.0/],
      ['PSDV39.9', /battery_under_voltage on a 48 V system must be 40.0-48.0 V/],
      ['PCVV58.5', /48.0-58.4 V/],
      ['PBFT47.9', /48.0-58.4 V/],
      ['PBCV46', /volts as nn.n/],
      ['MCHGC065', /max_charging_current must be one of 10, 20, .* A \(from QMCHGCR\), got 65/],
      ['MUCHGC040', /max_ac_charging_current must be one of 2, 10, 20, 30 A/],
      ['MCHGC120', /ambiguous/],
      ['F55', /F takes 50 or 60/],
      ['PEq', /unknown flag letter\(s\) q/],
      ['PEaa', /appears twice/],
      ['PE', /at least one flag letter/],
      ['PXYZ', /not a PI30 setter/],
    ];
    for (const [command, message] of refused) {
      assert.throws(() => wire(command), (err: unknown) => err instanceof SetterError && message.test(err.message), command);
    }
  });

  it('keeps the battery voltages in order', () => {
    assert.throws(() => wire('PBFT57.0'), /float ≤ bulk \(56.4 V\)/);
    assert.throws(() => wire('PCVV53.0'), /bulk ≥ float \(54.0 V\)/);
    assert.throws(() => wire('PSDV46.0'), /cut-off < re-charge voltage \(46.0 V\)/);
    assert.throws(() => wire('PBCV44.0', { settings: { ...SYSTEM_48, battery_under_voltage: 44 } }), /re-charge > cut-off/);
    assert.throws(() => wire('PBCV51.0', { settings: { ...SYSTEM_48, battery_redischarge_voltage: 50 } }), /re-charge < re-discharge/);
    assert.throws(() => wire('PBDV48.0', { settings: { ...SYSTEM_48, battery_recharge_voltage: 48 } }), /re-discharge > re-charge/);
    assert.equal(wire('PBDV00.0', { settings: { ...SYSTEM_48, battery_recharge_voltage: 51 } }), 'PBDV00.0', '0 means "when full"');
  });

  it('scales the voltage limits with the system voltage, and sends nothing when it is unknown', () => {
    const system12: SetterContext = { settings: { battery_rating_voltage: 12 } };
    const system24: SetterContext = { settings: { battery_rating_voltage: 24 } };
    assert.equal(wire('PBCV11.8', system12), 'PBCV11.8');
    assert.equal(wire('PBCV23.5', system24), 'PBCV23.5');
    assert.equal(wire('PCVV14.4', system12), 'PCVV14.4');
    assert.throws(() => wire('PCVV56.4', system12), /on a 12 V system must be 12.0-14.6 V/);
    assert.throws(() => wire('PBCV46.0', {}), /battery rating voltage \(QPIRI\) is not 12, 24 or 48 V/);
  });

  it('needs the inverter current options before a current setter, and refuses without them', () => {
    assert.equal(contextNeeded(parseSetter('MCHGC060')), 'charging-currents');
    assert.equal(contextNeeded(parseSetter('MUCHGC030')), 'utility-charging-currents');
    assert.equal(contextNeeded(parseSetter('PBFT54.0')), 'settings');
    assert.equal(contextNeeded(parseSetter('POP01')), undefined);
    assert.throws(() => wire('MCHGC060', {}), /did not list its allowed currents \(QMCHGCR\)/);
  });

  it('takes settings by the names QPIRI and QFLAG report them', () => {
    assert.deepEqual(named('output_source_priority', 'sbu'), { command: 'POP02', changes: { output_source_priority: 'sbu' } });
    assert.equal(named('output_source_priority', 1).command, 'POP01');
    assert.equal(named('charger_source_priority', 'solar_only').command, 'PCP03');
    assert.equal(named('battery_type', 'user').command, 'PBT02');
    assert.equal(named('battery_float_voltage', 53.5).command, 'PBFT53.5');
    assert.equal(named('battery_bulk_voltage', '56.0').command, 'PCVV56.0');
    assert.equal(named('battery_redischarge_voltage', 0).command, 'PBDV00.0');
    assert.equal(named('max_charging_current', 60).command, 'MCHGC060');
    assert.equal(named('max_charging_current', 110).command, 'MNCHGC0110', '100 A and up: the parallel-safe command');
    assert.equal(named('max_ac_charging_current', 2).command, 'MUCHGC002');
    assert.equal(named('ac_output_rating_frequency', 60).command, 'F60');
    assert.deepEqual(named('buzzer', false), { command: 'PDa', changes: { buzzer: false } });
    assert.equal(named('power_saving', true).command, 'PEj');
    assert.throws(() => named('output_source_priority', 'battery_first'), /must be utility_first \(0\)/);
    assert.throws(() => named('battery_float_voltage', 'high'), /takes a number/);
    assert.throws(() => named('battery_float_voltage', 53.55), /one decimal/);
    assert.throws(() => named('buzzer', 'off'), /takes true \(enable\) or false/);
    assert.throws(() => named('grid_rating_voltage', 240), /not a setting this node can change/);
  });

  it('parses input messages into polls, queries, raw setters and named settings', () => {
    assert.deepEqual(parseCommand({}), { kind: 'poll' });
    assert.deepEqual(parseCommand({ command: 'poll' }), { kind: 'poll' });
    assert.deepEqual(parseCommand({ command: 'qpiri' }), { kind: 'query', command: 'QPIRI' });
    assert.deepEqual(parseCommand({ command: ' QED20260621 ' }), { kind: 'query', command: 'QED20260621' });
    assert.deepEqual(parseCommand({ command: 'QPGS0' }), { kind: 'query', command: 'QPGS0' });
    const setter = parseCommand({ command: 'POP02' });
    assert.equal(setter.kind, 'setter');
    const set = parseCommand({ command: 'set', payload: { output_source_priority: 'sbu', buzzer: false } });
    assert.equal(set.kind === 'set' && set.requests.length, 2);
    assert.throws(() => parseCommand({ command: 42 }), Pi30CommandError);
    assert.throws(() => parseCommand({ command: 'POP07' }), (err: unknown) => err instanceof Pi30CommandError && /output_source_priority must be/.test(err.message));
    assert.throws(() => parseCommand({ command: 'set', payload: 'sbu' }), /needs msg.payload as an object/);
    assert.throws(() => parseCommand({ command: 'set', payload: {} }), /empty msg.payload/);
    assert.throws(() => parseCommand({ command: 'reboot' }), /not a PI30 setter/);
  });
});
