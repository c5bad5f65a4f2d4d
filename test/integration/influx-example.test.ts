// The example flow examples/influxdb-out/epever-to-influxdb.json, run as a user would: the Epever simulator on
// Modbus TCP, the flow as shipped but pointed at a VictoriaMetrics (InfluxDB 2 write API) or at InfluxDB 1.6
// (the 1.x mode), and the stored points read back.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { catchNode, collect, epeverTracerNode, helper, modbusBusNode } from '../support/node-red';
import { influxServersAvailable, rowsOf, startInfluxd, startVictoria, type InfluxdServer, type VictoriaServer } from '../support/influx';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [
  modbusBusNode,
  epeverTracerNode,
  catchNode,
  require('../../nodes/influxdb/influxdb'),
  require('../../nodes/influxdb-out/influxdb-out'),
  require('@node-red/nodes/core/common/21-debug.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
];

interface FlowNode {
  id: string;
  type: string;
  [property: string]: unknown;
}

const FILE = join(findPackageRoot(__dirname), 'examples', 'influxdb-out', 'epever-to-influxdb.json');
const FLOW = JSON.parse(readFileSync(FILE, 'utf8')) as FlowNode[];

describe('example: Epever to InfluxDB', function () {
  this.timeout(60_000);
  let victoria: VictoriaServer;
  let influxd: InfluxdServer;
  let device: TcpEndpoint;
  let spoolDir: string;

  before(async function () {
    if (!influxServersAvailable()) this.skip();
    [victoria, influxd, device] = await Promise.all([startVictoria(), startInfluxd(), serveTcp([new EpeverSimulator({ unitId: 1 })], { port: 0 })]);
    await influxd.query('CREATE DATABASE solar');
    await helper.startServer();
  });

  after(async () => {
    await helper.stopServer();
    await device?.close();
    await victoria?.close();
    await influxd?.close();
  });

  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'influx-example-'));
  });

  afterEach(async () => {
    await helper.unload();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('ships pointing at localhost:8086 with no dashboard nodes', () => {
    const server = FLOW.find((n) => n.type === 'influxdb');
    assert.equal(server?.url, 'http://localhost:8086');
    assert.ok(!FLOW.some((n) => n.type.startsWith('ui-') || n.type.startsWith('ui_')));
  });

  function deploy(server: Record<string, unknown>, credentials: Record<string, unknown>) {
    const patched = FLOW.map((n) => {
      switch (n.type) {
        case 'modbus-bus':
          return { ...n, port: device.port };
        case 'influxdb':
          return { ...n, ...server };
        case 'influxdb-out':
          return { ...n, spoolDir, batchMs: 100 };
        default:
          return n;
      }
    });
    // The helper wants every node on the tab, with a helper node behind the Catch.
    const serverId = FLOW.find((n) => n.type === 'influxdb')?.id as string;
    const catchId = FLOW.find((n) => n.type === 'catch')?.id as string;
    return helper.load(
      NODES,
      [...patched.map((n) => (n.id === catchId ? { ...n, wires: [['caught']] } : n)), { id: 'caught', type: 'helper', z: FLOW[0].id, wires: [] }],
      { [serverId]: credentials },
    );
  }

  it('stores the Epever readings through the InfluxDB 2 write API, tagged with the device and charging mode', async () => {
    await deploy({ url: victoria.url }, { token: 'example-token' });
    const caught = collect('caught');
    const deadline = Date.now() + 20_000;
    let series = await victoria.exportSeries('epever_tracer_pv_array_power');
    while (series.length === 0) {
      if (Date.now() > deadline) throw new Error(`no point stored; errors: ${JSON.stringify(caught.map((m) => m.error))}`);
      await new Promise((r) => setTimeout(r, 200));
      series = await victoria.exportSeries('epever_tracer_pv_array_power');
    }
    assert.equal(series[0].metric.device, 'shed');
    assert.ok(series[0].metric.controller_charging_mode, 'the charging mode is a tag');
    const names = new Set((await victoria.exportSeries('epever_tracer_.*')).map((s) => s.metric.__name__));
    for (const field of ['battery_voltage', 'battery_soc', 'load_power', 'energy_today_kwh']) assert.ok(names.has(`epever_tracer_${field}`), field);
    assert.deepEqual(caught, []);
  });

  it('stores the same readings in InfluxDB 1.x through its /write', async () => {
    await deploy({ url: influxd.url, api: 'v1', database: 'solar' }, {});
    const deadline = Date.now() + 20_000;
    let rows = rowsOf(await influxd.query('SELECT * FROM epever_tracer', 'solar'));
    while (rows.length === 0) {
      if (Date.now() > deadline) throw new Error('no point stored');
      await new Promise((r) => setTimeout(r, 200));
      rows = rowsOf(await influxd.query('SELECT * FROM epever_tracer', 'solar'));
    }
    assert.equal(rows[0].device, 'shed');
    assert.equal(typeof rows[0].battery_voltage, 'number');
    assert.equal(typeof rows[0].controller_charging_mode, 'string');
  });
});
