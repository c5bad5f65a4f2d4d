import assert from 'node:assert/strict';
import { simulatedBus } from '../../nodes/ps100-sampler/sim-bus-opener';
import { catchNode, collect, getNode, helper, onTab, statuses, waitFor, type Msg } from '../support/node-red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ps100Node = require('../../nodes/ps100-sampler/ps100-sampler');
const NODES = [ps100Node, catchNode];

const PANELS = [
  { address: '0x40', name: '', chip: 'auto', shunt: 0.01, maxCurrent: 8, ratedPower: 100 },
  { address: '0x41', name: '', chip: 'INA219', shunt: 0.01, maxCurrent: 8, ratedPower: 100 },
  { address: '0x42', name: 'roof', chip: 'INA226', shunt: 0.01, maxCurrent: 8, ratedPower: 100 },
];

function flow(settings: Record<string, unknown> = {}) {
  return onTab(
    [],
    [
      { id: 'ps', type: 'ps100-sampler', source: 'simulator', bus: 7, panels: PANELS, wires: [['records'], ['events']], ...settings },
      { id: 'records', type: 'helper' },
      { id: 'events', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ],
  );
}

const payloadOf = (msg: Msg) => msg.payload as Record<string, unknown>;

describe('ps100-sampler node', function () {
  this.timeout(30000);
  afterEach(async () => {
    await helper.unload();
  });

  it('sends one record per panel per second in the old shape, and a system record', async () => {
    await helper.load(NODES, flow());
    const records = collect('records');
    const seen = statuses('ps');
    const panelRecords = () => records.filter((m) => m.measurement === 'ps100_readings_1s');
    // A second whose three panel records hold 10 samples each, and its system record (real time: on a loaded
    // machine a tick may be lost now and then, so the test waits for a whole second rather than taking the first).
    const wholeSecond = () =>
      records.find(
        (m) =>
          m.measurement === 'ps100_system_1s' &&
          payloadOf(m).active_panels === 3 &&
          panelRecords().filter((p) => payloadOf(p).timestamp === payloadOf(m).timestamp && payloadOf(p).sample_count === 10).length === 3,
      );
    await waitFor(() => wholeSecond() !== undefined, 10000, 'a whole second');
    const panels = panelRecords();
    assert.deepEqual([...new Set(panels.map((m) => m.device))].sort(), ['PS100_0X40', 'PS100_0X41', 'roof']);
    const system = wholeSecond()!;
    const second = payloadOf(system).timestamp;
    const ofSecond = panels.filter((m) => payloadOf(m).timestamp === second);
    assert.equal(ofSecond.length, 3);
    for (const m of ofSecond) {
      const p = payloadOf(m);
      assert.equal(p.sample_count, 10, `${String(m.device)} at ${String(second)}`);
      assert.equal(p.panel_id, m.device);
      assert.equal(m.topic, `ps100-sampler/${String(m.device)}`);
      assert.equal(typeof p.voltage_stddev === 'number' || p.voltage_stddev === null, true);
      assert.equal(typeof p.energy_wh, 'number');
      assert.equal(typeof p.conditions_estimate, 'string');
      assert.ok(Array.isArray(p.alerts));
    }
    const sum = ofSecond.reduce((t, m) => t + (payloadOf(m).power_avg as number), 0);
    assert.ok(Math.abs((payloadOf(system).total_power as number) - sum) < 1e-9);
    assert.equal(system.device, 'ps100');
    assert.deepEqual(seen.at(-1), { fill: 'green', shape: 'dot', text: 'ps100-sampler.status.sampling' });
  });

  it('a panel that stops answering: sensor_lost on the events output, the others carry on, then sensor_back', async () => {
    await helper.load(NODES, flow());
    const records = collect('records');
    const events = collect('events');
    const seen = statuses('ps');
    await waitFor(() => records.some((m) => payloadOf(m).sample_count === 10), 5000, 'a whole record');
    simulatedBus(7)!.nacking.add(0x41);
    await waitFor(() => events.some((m) => payloadOf(m).event_type === 'sensor_lost'), 5000, 'sensor_lost');
    const lost = events.find((m) => payloadOf(m).event_type === 'sensor_lost')!;
    assert.equal(lost.device, 'PS100_0X41');
    assert.equal(lost.measurement, 'ps100_events');
    assert.equal(payloadOf(lost).severity, 'critical');
    const count = records.length;
    await waitFor(
      () => records.slice(count).filter((m) => m.device === 'PS100_0X40' && payloadOf(m).sample_count === 10).length >= 1,
      3000,
      'records go on',
    );
    assert.ok(seen.some((s) => s.fill === 'yellow'));
    simulatedBus(7)!.nacking.delete(0x41);
    await waitFor(() => events.some((m) => payloadOf(m).event_type === 'sensor_back'), 8000, 'sensor_back');
  });

  it('message-fed: input samples become records the same way', async () => {
    await helper.load(NODES, flow({ source: 'messages', panels: [] }));
    const records = collect('records');
    const node = getNode('ps');
    const start = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    for (let i = 0; i <= 10; i++) {
      node.receive({
        device: 'esp32-a',
        payload: { timestamp: new Date(start + i * 100 + 50).toISOString(), voltage: 19, current: 5, temperature: 25 + i },
      });
    }
    await waitFor(() => records.some((m) => m.device === 'esp32-a' && payloadOf(m).timestamp === new Date(start).toISOString()), 6000, 'the record');
    const p = payloadOf(records.find((m) => m.device === 'esp32-a')!);
    assert.equal(p.sample_count, 10);
    assert.equal(p.power_avg, 95);
    assert.equal(p.temperature_max, 34);
    // The first sample (at .050) has none before it: energy covers .050 to the end of the second, 0.95 s.
    assert.ok(Math.abs((p.energy_wh as number) - (95 * 0.95) / 3600) < 1e-9);
  });

  it('message-fed: a sample without voltage fails through done(err) and the next one works', async () => {
    await helper.load(NODES, flow({ source: 'messages', panels: [] }));
    const caught = collect('caught');
    getNode('ps').receive({ device: 'a', payload: { current: 1 } });
    await waitFor(() => caught.length === 1, 3000, 'the catch');
    assert.match(String((caught[0].error as { message: string }).message), /payload\.voltage is missing/);
    getNode('ps').receive({ device: 'a', payload: { voltage: 1, current: 1 } });
    await new Promise((r) => setImmediate(r));
    assert.equal(caught.length, 1);
  });

  it('an INA219 shunt range that cannot reach the maximum current is a config error, and input is refused', async () => {
    const seen: unknown[] = [];
    await helper.load(NODES, flow({ panels: [{ address: '0x40', chip: 'INA219', shunt: 0.1, maxCurrent: 5 }] }));
    const caught = collect('caught');
    seen.push(...statuses('ps'));
    getNode('ps').receive({ payload: {} });
    await waitFor(() => caught.length === 1, 3000, 'the refusal');
    assert.match(String((caught[0].error as { message: string }).message), /±320 mV.*reaches only 3\.2 A/);
  });

  it('two panels at one address and an address outside 0x40-0x4F are config errors', async () => {
    for (const panels of [[{ address: '0x40' }, { address: '64' }], [{ address: '0x50' }]]) {
      await helper.load(NODES, flow({ panels }));
      const caught = collect('caught');
      getNode('ps').receive({ payload: {} });
      await waitFor(() => caught.length === 1, 3000, 'the refusal');
      assert.match(String((caught[0].error as { message: string }).message), /two panels at address 0x40|must be 0x40 to 0x4F/);
      await helper.unload();
    }
  });

  it('a bus that cannot be opened shows why in red', async () => {
    await helper.load(NODES, flow({ source: 'bus', bus: 250 }));
    const seen = statuses('ps');
    await waitFor(() => seen.some((s) => s.fill === 'red'), 4000, 'a red status');
    const red = seen.find((s) => s.fill === 'red')!;
    // This machine has no I2C at all: either i2c-bus is not built here or /dev/i2c-250 is absent.
    assert.match(String(red.text), /^ps100-sampler\.status\.(no-device|no-module)$/);
  });
});
