import assert from 'node:assert/strict';
import { decodeReply, encodeCommand } from '../../nodes/mpp-pi30/protocol/frame';
import { parseQflag } from '../../nodes/mpp-pi30/protocol/qflag';
import { parseQpigs } from '../../nodes/mpp-pi30/protocol/qpigs';
import { parseQpiri } from '../../nodes/mpp-pi30/protocol/qpiri';
import { activeWarnings, parseQpiws } from '../../nodes/mpp-pi30/protocol/qpiws';
import { parseReply } from '../../nodes/mpp-pi30/protocol/queries';
import { Pi30Simulator, type Pi30SimulatorOptions } from '../../nodes/mpp-pi30/simulator/inverter';

const HOUR = 3_600_000;

/** A simulator on a clock the test moves by hand. */
function simAt(iso: string, options: Pi30SimulatorOptions = {}) {
  let now = new Date(iso).getTime();
  const sim = new Pi30Simulator({ ...options, now: () => new Date(now) });
  return {
    sim,
    advance(ms: number) {
      now += ms;
    },
  };
}

const qpigs = (sim: Pi30Simulator) => parseQpigs(sim.answer('QPIGS')).values;
const settings = (sim: Pi30Simulator) => parseQpiri(sim.answer('QPIRI')).values.settings;
const warnings = (sim: Pi30Simulator) => activeWarnings(parseQpiws(sim.answer('QPIWS')).values.warnings);

describe('PI30 simulator', () => {
  it('answers every query of a PI30MAX with a reply the parsers read without a single issue', () => {
    const { sim } = simAt('2026-06-21T12:00:00Z');
    for (const query of ['QPIGS', 'QPIGS2', 'QPIRI', 'QDI', 'QMOD', 'QPIWS', 'QFLAG', 'QID', 'QVFW', 'QPI', 'QMN', 'QBEQI', 'QET', 'QEY2026', 'QEM202606', 'QED20260621', 'QLT', 'QLY2026', 'QLM202606', 'QLD20260621', 'QMCHGCR', 'QMUCHGCR']) {
      const reply = sim.answer(query);
      assert.notEqual(reply, 'NAK', query);
      assert.deepEqual(parseReply(query, reply).issues, [], `${query}: ${reply}`);
    }
    assert.equal(sim.answer('QVFW2'), 'NAK', 'PI30MAX dropped QVFW2');
  });

  it('as an older PI30 model, NAKs the PI30MAX queries and sends the shorter replies', () => {
    const { sim } = simAt('2026-06-21T12:00:00Z', { model: 'pi30' });
    for (const query of ['QPIGS2', 'QET', 'QED20260621', 'QBEQI', 'QMN']) assert.equal(sim.answer(query), 'NAK', query);
    assert.equal(sim.answer('QPIRI').split(' ').length, 25);
    assert.equal(sim.answer('QPIGS').split(' ').length, 21);
    assert.equal(sim.answer('QPIWS').length, 32);
    assert.match(sim.answer('QVFW2'), /^VERFW2:/);
    assert.equal(parseQflag(sim.answer('QFLAG')).values.flags.solar_feed_to_grid, undefined);
  });

  it('makes PV by day and none at night, and the battery cycles with the mode changing', () => {
    const { sim, advance } = simAt('2026-06-21T00:00:00Z');
    const soc: number[] = [];
    const modes = new Set<string>();
    let noonPv = 0;
    let midnightPv = -1;
    for (let h = 0; h < 48; h++) {
      const v = qpigs(sim);
      soc.push(v.battery.soc ?? NaN);
      modes.add(sim.answer('QMOD'));
      if (h % 24 === 12) noonPv = v.pv.charging_power ?? 0;
      if (h % 24 === 0) midnightPv = v.pv.charging_power ?? -1;
      advance(HOUR / 2);
      sim.answer('QMOD');
      modes.add(sim.answer('QMOD'));
      advance(HOUR / 2);
    }
    assert.ok(noonPv > 300, `PV at noon ${noonPv} W`);
    assert.equal(midnightPv, 0);
    assert.ok(Math.max(...soc) - Math.min(...soc) > 30, `state of charge ${Math.min(...soc)}-${Math.max(...soc)} %`);
    assert.ok(modes.has('B') && modes.has('L'), `modes seen: ${[...modes].join('')}`);
  });

  it('applies setters, so the next QPIRI shows them, and NAKs what a real model refuses', () => {
    const { sim } = simAt('2026-06-21T20:00:00Z');
    assert.equal(settings(sim).output_source_priority, 'sbu');
    assert.equal(sim.answer('QMOD'), 'B');
    assert.equal(sim.answer('POP00'), 'ACK');
    assert.equal(settings(sim).output_source_priority, 'utility_first');
    assert.equal(sim.answer('QMOD'), 'L', 'utility first puts the load on the grid at once');
    assert.equal(sim.answer('PCVV57.0'), 'NAK', 'battery voltages need battery type user');
    assert.equal(sim.answer('PBT02'), 'ACK');
    assert.equal(sim.answer('PCVV57.0'), 'ACK');
    assert.equal(sim.answer('PBFT57.2'), 'NAK', 'float above bulk');
    assert.equal(sim.answer('PBFT53.0'), 'ACK');
    assert.equal(sim.answer('PBCV49.0'), 'ACK');
    assert.equal(sim.answer('PBCV49.5'), 'NAK', 'not a 48 V re-charge step');
    assert.equal(sim.answer('MCHGC080'), 'ACK');
    assert.equal(sim.answer('MCHGC085'), 'NAK');
    assert.equal(sim.answer('MUCHGC002'), 'ACK');
    assert.equal(sim.answer('PEj'), 'ACK');
    assert.equal(sim.answer('PEq'), 'NAK');
    assert.equal(sim.answer('POP03'), 'NAK');
    assert.equal(sim.answer('PBT03'), 'ACK', 'PI30MAX knows lithium presets');
    assert.equal(sim.answer('REBOOT'), 'NAK');
    const s = settings(sim);
    assert.deepEqual(
      [s.battery_type, s.battery_bulk_voltage, s.battery_float_voltage, s.battery_recharge_voltage, s.max_charging_current, s.max_ac_charging_current],
      ['pylontech', 57, 53, 49, 80, 2],
    );
    assert.equal(parseQflag(sim.answer('QFLAG')).values.flags.power_saving, true);
    assert.equal(sim.answer('PF'), 'ACK');
    assert.equal(settings(sim).battery_type, 'agm', 'PF restores the factory settings');
    assert.equal(new Pi30Simulator({ model: 'pi30' }).answer('PBT03'), 'NAK', 'older models know three battery types');
  });

  it('NAKs a command frame with a bad CRC', () => {
    const { sim } = simAt('2026-06-21T12:00:00Z');
    const frame = encodeCommand('POP00');
    frame[5] ^= 0x40;
    const reply = decodeReply(sim.answerFrame(frame));
    assert.ok(reply.ok);
    assert.equal(reply.reply.kind, 'nak');
    assert.equal(settings(sim).output_source_priority, 'sbu', 'nothing changed');
    assert.match(sim.received.at(-2) ?? '', /bad frame: CRC error/);
  });

  it('reports a grid failure and, with the battery flat, shuts the output down as a fault', () => {
    // A winter night, the battery nearly flat, charging from the sun only.
    const { sim, advance } = simAt('2026-01-10T00:30:00Z', { initialSoc: 5, settings: { chargerSourcePriority: 3 } });
    sim.setGrid(false);
    advance(HOUR);
    assert.ok(warnings(sim).includes('line_fail'));
    advance(3 * HOUR);
    assert.equal(sim.answer('QMOD'), 'F');
    assert.ok(warnings(sim).includes('battery_under_shutdown'));
    assert.equal(qpigs(sim).ac_output.voltage, 0);
    sim.setGrid(true);
    assert.equal(sim.answer('QMOD'), 'L', 'grid back: with the battery below the re-charge voltage, SBU runs the load from the grid');
    assert.ok(!warnings(sim).includes('line_fail'));
  });

  it('counts energy: today grows through the day, and year ≥ month ≥ day', () => {
    const { sim, advance } = simAt('2026-06-21T06:00:00Z');
    const wh = (q: string) => Number(sim.answer(q));
    const morning = wh('QED20260621');
    advance(6 * HOUR);
    const noon = wh('QED20260621');
    assert.ok(noon > morning + 1000, `PV today ${morning} -> ${noon} Wh`);
    assert.ok(wh('QLD20260621') > 0);
    assert.ok(wh('QEY2026') >= wh('QEM202606') && wh('QEM202606') >= wh('QED20260621'));
    assert.ok(wh('QET') > wh('QEY2026'));
    assert.equal(wh('QED20250101'), 0, 'a day before the simulation has no record');
  });
});
