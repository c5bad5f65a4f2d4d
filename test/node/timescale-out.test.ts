// timescale-out and timescale-db in a real Node-RED runtime, writing to PostgreSQL (embedded, or PG_URL).
import assert from 'node:assert/strict';
import { catchNode, collect, getNode, helper, statuses, waitFor } from '../support/node-red';
import { query } from '../support/postgres';
import { timescaleOutBench } from '../support/timescale-out-node';

/* eslint-disable @typescript-eslint/no-require-imports */
const timescaleDbNode = require('../../nodes/timescale-db/timescale-db');
const timescaleOutNode = require('../../nodes/timescale-out/timescale-out');
const completeNode = require('@node-red/nodes/core/common/24-complete.js');
const NODES = [timescaleDbNode, timescaleOutNode, catchNode, completeNode];

interface RuntimeFlows {
  _redNodes: { getFlows(): { flows: object[] } };
}

const epever = (second: number, device = 'shed') => ({
  topic: `epever-tracer/${device}`,
  device,
  measurement: 'epever_tracer',
  payload: {
    timestamp: new Date(Date.parse('2026-06-21T12:00:00Z') + second * 1000).toISOString(),
    pv_array: { voltage: 18.2, current: 7.9, power: 143.8 + second },
    battery: { voltage: 13.6, soc: 81 },
    controller: { temperature: 31.2, charging_mode: 'boost' },
  },
});

describe('timescale-out node (PostgreSQL)', function () {
  this.timeout(60_000);
  const bench = timescaleOutBench('timescale_node', null);
  const { flow, credentials, send, rows } = bench;

  it('stores each reading as a row and completes the message once it is stored', async () => {
    await helper.load(NODES, flow({ table: 'readings' }), credentials());
    const seen = statuses('out');
    const completed = collect('completed');
    for (let s = 0; s < 25; s++) send(epever(s));
    await waitFor(() => completed.length === 25, 10_000, 'every message completed');
    assert.equal(await rows('readings'), 25);
    const [first] = await query<Record<string, unknown>>(bench.db, 'SELECT * FROM readings ORDER BY time LIMIT 1');
    assert.equal(first.device, 'shed');
    assert.equal(first.pv_array_power, 143.8);
    assert.equal(first.controller_charging_mode, 'boost');
    assert.deepEqual(first.time, new Date('2026-06-21T12:00:00Z'));
    await waitFor(() => seen.some((s) => s.fill === 'green' && /\/s$/.test(String(s.text))), 5000, 'a rows/s status');
    assert.ok(
      seen.some((s) => s.text === 'timescale-out.status.plain'),
      'the status says there is no TimescaleDB',
    );
  });

  it('takes the table from msg.measurement and sends a bad message alone to Catch', async () => {
    await helper.load(NODES, flow(), credentials());
    const caught = collect('caught');
    const completed = collect('completed');
    send(epever(0));
    send({ ...epever(1), payload: { ...epever(1).payload, timestamp: 'yesterday' } });
    send({ device: 'shed', measurement: 'epever_tracer', payload: { timestamp: '2026-06-21T12:00:02Z', mode: 'float' } });
    send(epever(3));
    await waitFor(() => caught.length === 2 && completed.length === 2, 10_000, 'two stored, two refused');
    const reasons = caught.map((m) => (m.error as { message: string }).message).sort();
    assert.match(reasons[0], /no numeric readings/);
    assert.match(reasons[1], /"yesterday" is not ISO-8601/);
    assert.equal(await rows('epever_tracer'), 2);
  });

  it('keeps the password in the credentials, never in the flow', async () => {
    await helper.load(NODES, flow({ table: 'secret' }), credentials());
    const config = getNode('db');
    assert.equal((config.credentials as { password?: string }).password, bench.db.password);
    // What the editor sends on deploy: the password inside the node. The runtime must take it out of the flow.
    const deployed = flow({ table: 'secret' }).map((n) =>
      (n as { id: string }).id === 'db' ? { ...n, credentials: { password: bench.db.password } } : n,
    );
    await helper.setFlows(deployed);
    const flows = (helper as unknown as RuntimeFlows)._redNodes.getFlows().flows;
    assert.ok(!JSON.stringify(flows).includes(bench.db.password), 'no password in the flow');
    assert.ok(!JSON.stringify(flows).includes('"password"'));
    assert.equal((getNode('db').credentials as { password?: string }).password, bench.db.password);
    const completed = collect('completed');
    send(epever(0));
    await waitFor(() => completed.length === 1, 10_000, 'stored with the credential');
    assert.equal(await rows('secret'), 1);
  });

  it('keeps readings in the spool across a Node-RED restart and stores them when the database returns', async function () {
    if (!bench.server.stoppable) this.skip();
    await bench.server.stop();
    try {
      await helper.load(NODES, flow({ table: 'restarted' }), credentials());
      const seen = statuses('out');
      const completed = collect('completed');
      for (let s = 0; s < 30; s++) send(epever(s));
      await waitFor(() => completed.length === 30, 10_000, 'every message spooled');
      await waitFor(() => seen.some((s) => s.fill === 'yellow' && /status\.spooled/.test(String(s.text))), 5000, 'a spool status');
      await helper.unload();
    } finally {
      await bench.server.start();
    }
    await helper.load(NODES, flow({ table: 'restarted' }), credentials());
    const deadline = Date.now() + 15_000;
    while ((await rows('restarted').catch(() => 0)) < 30) {
      if (Date.now() > deadline) throw new Error('spooled rows not replayed');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await rows('restarted'), 30);
  });

  it('reports bad settings through Catch instead of crashing', async () => {
    await helper.load(NODES, flow({ batchRows: 0 }), credentials());
    const caught = collect('caught');
    send(epever(0));
    await waitFor(() => caught.length === 1, 5000, 'the settings error');
    assert.match((caught[0].error as { message: string }).message, /batchRows must be a whole number/);
  });

  it('reports a missing database config node', async () => {
    await helper.load(NODES, flow({ database: '' }), credentials());
    const caught = collect('caught');
    send(epever(0));
    await waitFor(() => caught.length === 1, 5000, 'the error');
    assert.match((caught[0].error as { message: string }).message, /no timescale-db configured/);
  });
});
