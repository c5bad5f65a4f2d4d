// The function nodes of the Epever pages (examples/epever-tracer/epever-dashboard*.json), run in Node-RED's
// function node: what a widget shows when a field is missing or the controller never answered, the history's
// range and buckets, why the history is empty, and the day's bars.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import type { FlowNode } from '../support/example-flow';
import { getNode, helper, nextMessage, type Msg } from '../support/node-red';
import { readExampleFlow } from '../../scripts/demo/flow';

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const functionNode = require('@node-red/nodes/core/function/10-function.js');

const read = (name: string): FlowNode[] => readExampleFlow(findPackageRoot(__dirname), join('examples', 'epever-tracer', name));
const d2 = read('epever-dashboard.json');
const d1 = read('epever-dashboard-1x.json');
const code = (flow: FlowNode[], name: string) => flow.find((n) => n.type === 'function' && n.name === name)!;
const OUTPUTS = ['soc', 'volts', 'pv', 'load', 'mode', 'controller'];
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('Epever page function nodes (examples/epever-tracer)', function () {
  this.timeout(10_000);
  beforeEach(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  /** The function `name` of `flow` with a helper on each of its outputs. */
  async function load(flow: FlowNode[], name: string, outputs: string[] = ['out']): Promise<void> {
    const fn = code(flow, name);
    await helper.load(functionNode, [
      { id: 'tab', type: 'tab' },
      { id: 'fn', type: 'function', z: 'tab', func: fn.func, outputs: outputs.length, wires: outputs.map((o) => [o]) },
      ...outputs.map((id) => ({ id, type: 'helper', z: 'tab' })),
    ]);
  }
  /** What each output got for `msg`; `last` is the output that always answers, sent after the others. */
  async function send(msg: Record<string, unknown>, outputs: string[], last: string): Promise<Record<string, unknown>> {
    const got: Record<string, unknown> = {};
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message at ${last}`)), 5000);
      for (const id of outputs) {
        getNode(id).on('input', (m: Msg) => {
          got[id] = plain(m.payload);
          if (id === last) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
    getNode('fn').receive(msg);
    await done;
    for (const id of outputs) getNode(id).removeAllListeners('input');
    return got;
  }

  it('is the same code on both pages where the dashboards do not differ', () => {
    for (const name of ['Epever page', 'history query', 'why']) assert.equal(code(d1, name).func, code(d2, name).func, name);
  });

  it('Epever page: before any reading the controller shows a dash; red before any reading, "not answering"', async () => {
    await load(d2, 'Epever page', OUTPUTS);
    let got = await send({ topic: 'tick' }, OUTPUTS, 'controller');
    assert.deepEqual(got, { load: '—', mode: '—', controller: '—' }, 'dashes in the texts, nothing on the gauges');
    got = await send({ status: { fill: 'yellow', shape: 'ring', text: 'connecting' } }, OUTPUTS, 'controller');
    assert.equal(got.controller, '—', 'connecting at the start is not a failure');
    got = await send({ status: { fill: 'red', shape: 'ring', text: 'unavailable' } }, OUTPUTS, 'controller');
    assert.equal(got.controller, 'not answering');
  });

  it('Epever page: a reading without load power or charging mode shows dashes, a missing SOC leaves its gauge alone', async () => {
    await load(d2, 'Epever page', OUTPUTS);
    const got = await send(
      { payload: { timestamp: '2026-06-21T12:00:00Z', pv_array: { power: 98.3 }, battery: { voltage: 13.26 }, load: {}, controller: {} } },
      OUTPUTS,
      'controller',
    );
    assert.deepEqual([got.soc, got.volts, got.pv, got.load, got.mode], [undefined, 13.26, 98.3, '—', '—']);
    assert.match(String(got.controller), /^answering, last reading \d\d:\d\d:\d\d$/);
  });

  it('Epever page: a full reading, then retrying: the texts keep their values, the controller is stale', async () => {
    await load(d2, 'Epever page', OUTPUTS);
    const reading = {
      payload: {
        pv_array: { power: 0 },
        battery: { soc: 80, voltage: 12.9 },
        load: { power: 27.96 },
        controller: { charging_mode: 'float' },
      },
    };
    const got = await send(reading, OUTPUTS, 'controller');
    assert.deepEqual([got.soc, got.volts, got.pv, got.load, got.mode], [80, 12.9, 0, '28 W', 'float'], 'a real 0 stays 0');
    const stale = await send({ status: { fill: 'yellow', shape: 'ring', text: 'retrying' } }, OUTPUTS, 'controller');
    assert.match(String(stale.controller), /^stale since \d\d:\d\d$/);
    assert.deepEqual(Object.keys(stale), ['controller'], 'only the controller text changes');
  });

  it('history query: the range chosen, kept for the refresh, with a bucket per range; the stored device', async () => {
    await load(d2, 'history query');
    const ask = async (msg: Record<string, unknown>) => {
      const next = nextMessage('out');
      getNode('fn').receive(msg);
      return plain((await next).params);
    };
    assert.deepEqual(await ask({}), ['shed', 24, 300], 'the first refresh: 24 h in 5-minute means');
    assert.deepEqual(await ask({ payload: 168 }), ['shed', 168, 3600]);
    assert.deepEqual(await ask({ payload: '' }), ['shed', 168, 3600], 'the refresh keeps the range chosen');
    assert.deepEqual(await ask({ payload: 720 }), ['shed', 720, 21600]);
    assert.deepEqual(await ask({ payload: 5 }), ['shed', 720, 21600], 'not a range of the buttons');
  });

  it('why: no table yet, or a database that is away, in words under the chart', async () => {
    await load(d2, 'why');
    const why = async (error: Record<string, unknown>) => {
      const next = nextMessage('out');
      getNode('fn').receive({ error });
      return (await next).payload;
    };
    assert.match(String(await why({ code: '42P01', message: 'relation "epever_tracer" does not exist' })), /^no readings stored yet/);
    assert.equal(await why({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }), 'history unavailable: database not reachable');
    assert.equal(await why({ code: '42703', message: 'column "x" does not exist' }), 'history unavailable: the query failed (see the Node-RED log)');
  });

  it("bars per day: the day's local date and energies in kWh; a missing energy draws no bar", async () => {
    await load(d2, 'bars per day');
    const start = new Date(2026, 5, 21, 0, 0, 0);
    const got: Msg[] = [];
    getNode('out').on('input', (m: Msg) => got.push(m));
    const next = nextMessage('out');
    getNode('fn').receive({ window: { name: 'day', start: start.toISOString() }, payload: { pv_array_energy_wh: 1234.56 } });
    await next;
    assert.deepEqual(
      got.map((m) => [m.topic, plain(m.payload)]),
      [['PV', { x: '2026-06-21', y: 1.2346 }]],
    );
  });

  it('bars per day (1.x): the last days as one data set, a series per kind', async () => {
    await load(d1, 'bars per day');
    const day = (date: number, pv: number, load?: number) => ({
      window: { name: 'day', start: new Date(2026, 5, date).toISOString() },
      payload: { pv_array_energy_wh: pv, ...(load === undefined ? {} : { load_energy_wh: load }) },
    });
    let next = nextMessage('out');
    getNode('fn').receive(day(21, 1000, 500));
    await next;
    next = nextMessage('out');
    getNode('fn').receive(day(20, 800));
    const msg = await next;
    assert.deepEqual(plain(msg.payload), [
      {
        series: ['PV', 'Load'],
        labels: ['2026-06-20', '2026-06-21'],
        data: [
          [0.8, 1],
          [null, 0.5],
        ],
      },
    ]);
  });
});
