// What the MPP-Solar dashboards' Inverter page shows when values are missing and when the inverter stops
// answering: the function "inverter to widgets" of each dashboard file, run in Node-RED with its tab (whose
// INVERTER_POLL_S it reads), each output into a helper standing in for its widget.
import assert from 'node:assert/strict';
import { getNode, helper, type Msg } from '../support/node-red';
import { readExample } from '../support/example-flow';

/* eslint-disable @typescript-eslint/no-require-imports */
const functionNode = require('@node-red/nodes/core/function/10-function.js');
/* eslint-enable @typescript-eslint/no-require-imports */

const OUTPUTS = ['Mode', 'AC output', 'AC output load', 'Battery voltage', 'Battery SOC', 'PV power', 'Warnings', 'Status'];
const hhmm = (ms: number) => new Date(ms).toTimeString().slice(0, 5);

for (const file of ['mpp-solar-dashboard.json', 'mpp-solar-dashboard-1x.json']) {
  describe(`examples/mpp-pi30/${file}: the Inverter page's values`, function () {
    this.timeout(10_000);
    const flow = readExample('mpp-pi30', file);
    const fn = flow.find((n) => n.type === 'function' && n.name === 'inverter to widgets');
    const tab = flow.find((n) => n.type === 'tab');
    let shown: Map<string, unknown[]>;

    before(() => helper.startServer());
    after(() => helper.stopServer());
    afterEach(() => helper.unload());

    /** Loads the function with the tab's poll period set to `pollS`; every output's messages are recorded by widget. */
    async function load(pollS: number): Promise<void> {
      assert.ok(fn && tab);
      const targets = (fn.wires as string[][]).map((port) => port[0]);
      const labels = targets.map((id) => {
        const w = flow.find((n) => n.id === id);
        return String(w?.title ?? w?.label);
      });
      assert.deepEqual(labels, OUTPUTS, 'one output per widget, in this order');
      await helper.load(functionNode, [
        { ...tab, env: [{ name: 'INVERTER_POLL_S', value: String(pollS), type: 'num' }] },
        { ...fn, wires: targets.map((_, i) => [`w${i}`]) },
        ...targets.map((_, i) => ({ id: `w${i}`, type: 'helper', z: tab.id })),
      ]);
      shown = new Map(OUTPUTS.map((label) => [label, []]));
      OUTPUTS.forEach((label, i) => getNode(`w${i}`).on('input', (msg: Msg) => shown.get(label)!.push(msg.payload)));
    }

    const last = (label: string) => shown.get(label)!.at(-1);
    /** Sends `msg` to the function and waits until the Status output has answered it. */
    async function send(msg: Record<string, unknown>): Promise<void> {
      const before = shown.get('Status')!.length;
      getNode(fn!.id).receive(msg);
      for (const deadline = Date.now() + 2000; shown.get('Status')!.length === before;) {
        if (Date.now() > deadline) throw new Error('no Status message');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    it('shows a dash (gauges: null) for what the reading lacks, never 0', async () => {
      await load(30);
      await send({ payload: { timestamp: new Date().toISOString(), mode: 'line', ac_output: { voltage: 230.1 } } });
      assert.deepEqual(OUTPUTS.slice(0, 7).map(last), ['Line', '230.1 V, —', null, '—', null, '—', '—']);
      assert.match(String(last('Status')), /^live, read at \d\d:\d\d:\d\d$/);
      await send({
        payload: {
          timestamp: new Date().toISOString(),
          mode: 'battery',
          ac_output: { voltage: 229.7, active_power: 270, load: 6 },
          battery: { voltage: 52.1, soc: 0 },
          pv: { charging_power: 0 },
          warnings: { line_fail: true, overload: false },
        },
      });
      assert.deepEqual(OUTPUTS.slice(0, 7).map(last), ['Battery', '229.7 V, 270 W', 6, '52.10 V', 0, '0 W', 'line fail']);
    });

    it('says it is waiting before the first reading, and since when the inverter has not answered', async () => {
      await load(30);
      await send({ topic: 'tick' });
      assert.equal(last('Status'), 'waiting for the first reading');
      const failed = Date.now();
      await send({ status: { fill: 'red', shape: 'ring', text: 'unavailable' } });
      assert.equal(last('Status'), `no answer since ${hhmm(failed)}`);
    });

    it('turns stale at once on a red status, and after three poll periods without a reading', async () => {
      await load(30);
      const read = Date.now();
      await send({ payload: { timestamp: new Date(read).toISOString(), mode: 'battery' } });
      await send({ status: { fill: 'red', shape: 'ring', text: 'unavailable' } });
      assert.equal(last('Status'), `stale since ${hhmm(read)}`);
      await send({ payload: { timestamp: new Date().toISOString(), mode: 'battery' } });
      assert.match(String(last('Status')), /^live/, 'a reading ends it');
      await helper.unload();

      // A 0.05 s poll period: stale 0.15 s after the reading, seen on the next tick.
      await load(0.05);
      const at = Date.now();
      await send({ payload: { timestamp: new Date(at).toISOString(), mode: 'battery' } });
      assert.match(String(last('Status')), /^live/);
      while (!String(last('Status')).startsWith('stale')) {
        assert.ok(Date.now() - at < 2000, 'stale within 2 s');
        getNode(fn!.id).receive({ topic: 'tick' });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(last('Status'), `stale since ${hhmm(at)}`);
      assert.ok(Date.now() - at >= 150, 'not before three poll periods');
    });
  });
}
