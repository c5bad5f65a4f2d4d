// The power-flow pages' model: the function node "power flow model" of examples/power-flow/, run as it is in
// Node-RED's function node, fed what the Epever, the inverter, the Status node and the tick send. The page draws
// only what this model says, so its numbers, directions, dashes and stale flags are tested here.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import type { FlowNode } from '../support/example-flow';
import { getNode, helper, nextMessage, type Msg } from '../support/node-red';
import { readExampleFlow } from '../../scripts/demo/flow';

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const functionNode = require('@node-red/nodes/core/function/10-function.js');

const read = (name: string): FlowNode[] => readExampleFlow(findPackageRoot(__dirname), join('examples', 'power-flow', name));
const modelOf = (flow: FlowNode[]) => flow.find((n) => n.type === 'function' && n.name === 'power flow model')!;

interface Model {
  pv_w: number | null;
  battery_w: number | null;
  soc: number | null;
  load_w: number | null;
  ac_w: number | null;
  mode: string | null;
  grid_w: number | null;
  battery_state: string | null;
  stale: { epever: boolean; inverter: boolean };
  stale_since: { epever: string | null; inverter: string | null };
  text: Record<string, string>;
  flow: Record<string, string>;
}

const epeverReading = (battery: Record<string, number>, pv = 150, load = 20) => ({
  topic: 'epever-tracer/shed',
  measurement: 'epever_tracer',
  payload: {
    timestamp: '2026-06-21T12:00:00.000Z',
    pv_array: { voltage: 18.2, current: pv / 18.2, power: pv },
    battery: { voltage: 13.2, charging_current: 9, charging_power: 120, temperature: 25, soc: 86.6, ...battery },
    load: { voltage: 13.2, current: load / 13.2, power: load },
    controller: { temperature: 30, charging_mode: 'boost', heatsink_temperature: 31 },
  },
});
const inverterReading = (mode: string | undefined, acW: number, gridV = 230.4) => ({
  topic: 'mpp-pi30/inverter',
  measurement: 'mpp_pi30',
  payload: { timestamp: '2026-06-21T12:00:00.000Z', grid: { voltage: gridV, frequency: 50 }, ac_output: { active_power: acW, load: 10 }, mode },
});
const status = (type: string, fill: string, text: string) => ({ status: { fill, shape: 'ring', text, source: { id: 'x', type, name: type } } });

describe('power flow model (examples/power-flow)', function () {
  this.timeout(10_000);
  const flow = read('power-flow-dashboard.json');
  const fn = modelOf(flow);
  const RealDate = Date;
  /** How far the function node's clock runs ahead (see the 30 s test). */
  let ahead = 0;

  beforeEach(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    globalThis.Date = RealDate;
    ahead = 0;
  });

  async function load(): Promise<void> {
    await helper.load(functionNode, [
      { id: 'tab', type: 'tab' },
      { id: 'model', type: 'function', z: 'tab', func: fn.func, outputs: 1, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab' },
    ]);
  }
  async function send(msg: Record<string, unknown>): Promise<Model> {
    const next = nextMessage('out');
    getNode('model').receive(msg);
    const out: Msg = await next;
    assert.equal(out.topic, 'power-flow');
    // The function node's objects come from its own context: compare them as the dashboards get them, as JSON.
    return JSON.parse(JSON.stringify(out.payload)) as Model;
  }

  it('is the same code in the Dashboard 2 and the 1.x page', () => {
    assert.equal(modelOf(read('power-flow-dashboard-1x.json')).func, fn.func);
  });

  it('before any reading: every value unknown, shown as a dash, nothing moving, nothing stale', async () => {
    await load();
    const m = await send({ topic: 'tick' });
    for (const key of ['pv_w', 'battery_w', 'soc', 'load_w', 'ac_w', 'grid_w', 'battery_state'] as const) assert.equal(m[key], null, key);
    for (const key of ['pv', 'battery', 'battery_state', 'soc', 'load', 'ac', 'grid']) assert.equal(m.text[key], '—', key);
    assert.deepEqual(m.flow, { pv: 'none', battery: 'none', load: 'none', ac: 'none', grid: 'none' });
    assert.deepEqual(m.stale, { epever: false, inverter: false });
  });

  it('a charging battery: PV into the hub, out to the battery and the DC loads; the inverter still unknown', async () => {
    await load();
    const m = await send(epeverReading({ net_current: 7.5 }));
    assert.equal(m.pv_w, 150);
    assert.ok(Math.abs(m.battery_w! - 13.2 * 7.5) < 1e-9, `battery ${m.battery_w}`);
    assert.deepEqual([m.soc, m.load_w, m.battery_state], [86.6, 20, 'charging']);
    assert.deepEqual([m.text.pv, m.text.battery, m.text.soc, m.text.load, m.text.battery_state], ['150 W', '99 W', '87 %', '20 W', 'charging']);
    assert.deepEqual(m.flow, { pv: 'in', battery: 'out', load: 'out', ac: 'none', grid: 'none' });
    assert.deepEqual([m.ac_w, m.grid_w, m.text.ac, m.text.grid], [null, null, '—', '—'], 'unknown, not 0');
  });

  it('a discharging battery at night: the battery feeds the hub, its watts shown without the sign', async () => {
    await load();
    const m = await send(epeverReading({ net_current: -3 }, 0, 40));
    assert.ok(Math.abs(m.battery_w! + 39.6) < 1e-9);
    assert.deepEqual([m.battery_state, m.text.battery, m.text.battery_state, m.text.pv], ['discharging', '40 W', 'discharging', '0 W']);
    assert.deepEqual([m.flow.pv, m.flow.battery, m.flow.load], ['none', 'in', 'out']);
  });

  it("without the statistics block: the charger's output less the load is what the battery gets", async () => {
    await load();
    const m = await send(epeverReading({ charging_power: 120 }, 150, 20));
    assert.equal(m.battery_w, 100);
  });

  it('the inverter: grid carries the AC output in line mode, none in battery mode or without grid voltage', async () => {
    await load();
    let m = await send(inverterReading('line', 812));
    assert.deepEqual([m.ac_w, m.grid_w, m.text.ac, m.text.grid, m.text.grid_v, m.text.mode], [812, 812, '812 W', '812 W', '230 V', 'line mode']);
    assert.deepEqual([m.flow.ac, m.flow.grid], ['out', 'in']);
    m = await send(inverterReading('battery', 640));
    assert.deepEqual([m.grid_w, m.text.grid, m.flow.grid, m.flow.ac], [0, '0 W', 'none', 'out']);
    m = await send(inverterReading('standby', 0, 0));
    assert.deepEqual([m.grid_w, m.flow.ac], [0, 'none']);
    m = await send(inverterReading(undefined, 300));
    assert.deepEqual([m.grid_w, m.text.grid, m.mode], [null, '—', null], 'no mode, grid voltage up: unknown');
  });

  it('a device node that turns red makes its source stale (kept values, still lines) until its next reading', async () => {
    await load();
    const hhmm = () => new Date().toTimeString().slice(0, 5);
    const before = hhmm();
    await send(epeverReading({ net_current: 7.5 }));
    await send(inverterReading('line', 500));
    const after = hhmm();
    let m = await send(status('epever-tracer', 'red', 'unavailable'));
    assert.deepEqual(m.stale, { epever: true, inverter: false });
    const at = m.stale_since.epever!;
    assert.ok([before, after].includes(at), `the time of the last reading, ${at}`);
    assert.equal(m.text.epever, `controller stale since ${at}`);
    assert.equal(m.pv_w, 150, 'the last value stays, drawn grey');
    assert.deepEqual(m.flow, { pv: 'none', battery: 'none', load: 'none', ac: 'out', grid: 'in' });
    m = await send(status('epever-tracer', 'yellow', 'retrying'));
    assert.equal(m.stale.epever, true, 'retrying is still stale');
    m = await send(epeverReading({ net_current: 7.5 }));
    assert.deepEqual([m.stale.epever, m.text.epever, m.flow.pv], [false, '', 'in']);
    m = await send(status('mpp-pi30', 'red', 'port closed'));
    assert.equal(m.stale.inverter, true);
    assert.match(m.text.inverter, /^inverter stale since \d\d:\d\d$/);
  });

  it('a device node connecting before its first reading is not stale; retrying after one is', async () => {
    await load();
    let m = await send(status('mpp-pi30', 'yellow', 'node-red:common.status.connecting'));
    assert.deepEqual([m.stale.inverter, m.text.ac], [false, '—']);
    await send(inverterReading('line', 500));
    m = await send(status('mpp-pi30', 'yellow', 'mpp-pi30.status.retrying'));
    assert.equal(m.stale.inverter, true, 'another node on the device failed, this one waits: retrying');
  });

  it('a source that sent nothing for 30 s is stale at the next tick; one that never answered stays a dash', async () => {
    // The function node's sandbox takes the Date it is created with: one whose now() runs `ahead` of the clock.
    globalThis.Date = class extends RealDate {
      static override now(): number {
        return RealDate.now() + ahead;
      }
    } as DateConstructor;
    await load();
    globalThis.Date = RealDate;
    await send(epeverReading({ net_current: 7.5 }));
    ahead = 29_000;
    let m = await send({ topic: 'tick' });
    assert.equal(m.stale.epever, false, 'within three polls');
    ahead = 31_000;
    m = await send({ topic: 'tick' });
    assert.equal(m.stale.epever, true, 'after 30 s');
    assert.equal(m.stale.inverter, false, 'never read: unknown, not stale');
    assert.equal(m.text.ac, '—');
  });

  it('ignores any other message', async () => {
    await load();
    const received: Msg[] = [];
    getNode('out').on('input', (msg: Msg) => received.push(msg));
    getNode('model').receive({ payload: 'hello' });
    getNode('model').receive(status('debug', 'red', 'x'));
    const next = nextMessage('out');
    getNode('model').receive({ topic: 'tick' });
    await next;
    assert.equal(received.length, 1, 'only the tick answered');
  });
});
