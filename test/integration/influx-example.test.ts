// The example flows of examples/influxdb-out/, run as a user would: the Epever or PZEM simulators on Modbus TCP,
// the flow as shipped but pointed at a VictoriaMetrics (InfluxDB 2 write API) or at InfluxDB 1.6 (the 1.x mode),
// and the stored points read back.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { PzemSimulator } from '../../nodes/pzem017/simulator';
import { pointAtStandIns } from '../../scripts/demo/example-config';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { catchNode, collect, epeverTracerNode, getNode, helper, modbusBusNode, waitFor } from '../support/node-red';
import { influxServersAvailable, rowsOf, startInfluxd, startVictoria, type InfluxdServer, type VictoriaServer } from '../support/influx';
import { readExample } from '../support/example-flow';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [
  modbusBusNode,
  epeverTracerNode,
  catchNode,
  require('../../nodes/influxdb/influxdb'),
  require('../../nodes/influxdb-out/influxdb-out'),
  require('../../nodes/pzem017/pzem017'),
  require('@node-red/nodes/core/common/20-inject.js'),
  require('@node-red/nodes/core/common/21-debug.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  require('@node-red/nodes/core/function/10-switch.js'),
];

interface FlowNode {
  id: string;
  type: string;
  [property: string]: unknown;
}

const example = (name: string) => readExample('influxdb-out', name);
const FLOW = example('epever-to-influxdb.json');
const PZEM_FLOW = example('pzem-meters-to-influxdb.json');

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

  it('ships pointing at localhost:8086 and the real serial ports, with no dashboard nodes', () => {
    const server = FLOW.find((n) => n.type === 'influxdb');
    assert.equal(server?.url, 'http://localhost:8086');
    const bus = (flow: FlowNode[]) => flow.find((n) => n.type === 'modbus-bus');
    assert.deepEqual([bus(FLOW)?.transport, bus(FLOW)?.path, bus(FLOW)?.baudRate], ['serial', '/dev/ttyUSB0', 115200]);
    assert.deepEqual(
      [bus(PZEM_FLOW)?.transport, bus(PZEM_FLOW)?.path, bus(PZEM_FLOW)?.baudRate, bus(PZEM_FLOW)?.stopBits],
      ['serial', '/dev/ttyUSB1', 9600, 2],
    );
    assert.ok(!PZEM_FLOW.some((n) => n.type.startsWith('ui-') || n.type.startsWith('ui_')));
    assert.ok(!FLOW.some((n) => n.type.startsWith('ui-') || n.type.startsWith('ui_')));
  });

  /** The flow as shipped, its bus moved to the simulators on Modbus TCP and its server to the test's. */
  function deploy(server: Record<string, unknown>, credentials: Record<string, unknown>, flow = FLOW, port = device.port) {
    const simulator = { host: '127.0.0.1', port };
    const patched = pointAtStandIns(flow, { epever: simulator, pzem: simulator }).map((n) => {
      switch (n.type) {
        case 'influxdb':
          return { ...n, ...server };
        case 'influxdb-out':
          return { ...n, spoolDir, batchMs: 100 };
        default:
          return n;
      }
    });
    // The helper wants every node on the tab, with a helper node behind the Catch.
    const serverId = flow.find((n) => n.type === 'influxdb')?.id as string;
    const catchId = flow.find((n) => n.type === 'catch')?.id as string;
    return helper.load(
      NODES,
      [...patched.map((n) => (n.id === catchId ? { ...n, wires: [['caught']] } : n)), { id: 'caught', type: 'helper', z: flow[0].id, wires: [] }],
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

  it('the DC monitoring stack: three PZEM-017 meters on the bus the PZEM examples share, into InfluxDB, energy as an integer', async () => {
    const pzemExample = JSON.parse(
      readFileSync(join(findPackageRoot(__dirname), 'examples', 'pzem017', 'dc-meters-to-timescale.json'), 'utf8'),
    ) as FlowNode[];
    const busId = (flow: FlowNode[]) => flow.find((n) => n.type === 'modbus-bus')?.id;
    assert.equal(busId(PZEM_FLOW), busId(pzemExample), 'one bus for the serial port, whichever PZEM examples are imported');
    assert.equal(PZEM_FLOW.find((n) => n.type === 'influxdb')?.id, FLOW.find((n) => n.type === 'influxdb')?.id, 'one InfluxDB config node');
    const meters = await serveTcp(
      [1, 2, 3].map((unitId) => new PzemSimulator({ unitId, phase: unitId })),
      { port: 0 },
    );
    try {
      await deploy({ url: influxd.url, api: 'v1', database: 'solar' }, {}, PZEM_FLOW, meters.port);
      const caught = collect('caught');
      const deadline = Date.now() + 30_000;
      let devices = new Set<unknown>();
      while (devices.size < 3) {
        if (Date.now() > deadline) throw new Error(`not every meter stored; errors: ${JSON.stringify(caught.map((m) => m.error))}`);
        await new Promise((r) => setTimeout(r, 200));
        devices = new Set(rowsOf(await influxd.query('SELECT * FROM pzem', 'solar')).map((r) => r.device));
      }
      assert.deepEqual([...devices].sort(), ['battery', 'load', 'solar']);
      const row = rowsOf(await influxd.query('SELECT * FROM pzem', 'solar'))[0];
      for (const field of ['voltage', 'current', 'power', 'energy_wh']) assert.equal(typeof row[field], 'number', field);
      assert.equal(typeof row.high_voltage_alarm, 'boolean');
      const types = rowsOf(await influxd.query('SHOW FIELD KEYS FROM pzem', 'solar'));
      assert.equal(types.find((t) => t.fieldKey === 'energy_wh')?.fieldType, 'integer', 'the Wh counter is an integer field');
      assert.equal(types.find((t) => t.fieldKey === 'voltage')?.fieldType, 'float');
      assert.deepEqual(caught, []);

      // The shunt check: every meter's settings in the debug sidebar (the simulators have 100 A fitted), none in InfluxDB.
      const settings = collect(PZEM_FLOW.find((n) => n.type === 'debug' && n.name !== 'error')!.id);
      const stored = collect(PZEM_FLOW.find((n) => n.type === 'influxdb-out')!.id);
      getNode(PZEM_FLOW.find((n) => n.type === 'inject' && n.name === 'check shunt ranges')!.id).receive({});
      await waitFor(() => settings.length === 3, 10_000, "every meter's settings");
      assert.deepEqual(settings.map((m) => m.device).sort(), ['battery', 'load', 'solar']);
      assert.ok(settings.every((m) => (m.payload as { shunt_a: number }).shunt_a === 100));
      assert.ok(
        stored.every((m) => m.command === undefined),
        'settings replies are not stored as readings',
      );
    } finally {
      await helper.unload();
      await meters.close();
    }
  });
});
