// The modbus-bus Scan: the engine against simulated devices, a scan job through a real bus queue, and the
// editor's admin endpoint in a real Node-RED.
import assert from 'node:assert/strict';
import { serveRtuOverTcp, serveTcp } from '../../nodes/common/simulator/modbus-slave';
import { ModbusException, type ModbusDevice } from '../../nodes/common/simulator/modbus-slave/device';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { parseBusSettings } from '../../nodes/modbus-bus/bus-config';
import { ModbusConnection } from '../../nodes/modbus-bus/connection';
import { checkRange, scanBus, ScanCancelled } from '../../nodes/modbus-bus/scan';
import { ScanJob } from '../../nodes/modbus-bus/scan-job';
import { PzemSimulator } from '../../nodes/pzem017/simulator';
import { BusError, busOf, unitOnBus } from '../support/pzem-bus';
import { helper, modbusBusNode, onTab } from '../support/node-red';

/** The part of supertest the tests use; the helper's typings leave `request` out. */
interface AdminCall {
  send(body: object): AdminCall;
  expect(status: number): Promise<{ body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
}
interface AdminRequest {
  get(url: string): AdminCall;
  post(url: string): AdminCall;
  delete(url: string): AdminCall;
}
const admin = (): AdminRequest => (helper as unknown as { request(): AdminRequest }).request();

/** Asks `step` again every 50 ms until `done` holds. */
async function pollUntil(done: () => boolean, step: () => Promise<void>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (await step(); !done(); await step()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const NOON = new Date('2026-06-21T12:00:00Z');

function devices(): ModbusDevice[] {
  return [
    new PzemSimulator({ unitId: 2, now: () => NOON, fittedShunt: 200 }),
    new PzemSimulator({ unitId: 3, model: 'PZEM-003', now: () => NOON }),
    new PzemSimulator({ unitId: 7, model: 'PZEM-004T', now: () => NOON }),
    new EpeverSimulator({ unitId: 9, now: () => NOON }),
  ];
}

const summary = (found: { unitId: number; kind: string; nodeType?: string }[]) => found.map((d) => `${d.unitId} ${d.kind} ${d.nodeType ?? '-'}`);
const EXPECTED = ['2 pzem-dc pzem017', '3 pzem-dc pzem017', '7 pzem-ac pzem017', '9 epever epever-tracer'];

describe('bus scan engine', () => {
  it('finds exactly the simulated devices and tells PZEM DC, PZEM AC and Epever apart', async () => {
    const bus = busOf(devices());
    const progress: number[] = [];
    const found = await scanBus((id) => unitOnBus(bus, id), {
      from: 1,
      to: 12,
      isSilence: (err) => !(err instanceof BusError && err.modbusCode !== undefined),
      onProgress: (p) => progress.push(p.done),
      now: () => NOON,
    });
    assert.deepEqual(summary(found), EXPECTED);
    assert.deepEqual(progress, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.equal(found[0].read.shunt_a, 100, 'the PZEM-017 reports its range');
    assert.equal(typeof found[0].read.voltage, 'number');
    assert.equal(typeof found[2].read.frequency, 'number');
    assert.equal(typeof found[3].read.pvRatedVoltage, 'number');
  });

  it('lists a device that refuses everything as unknown', async () => {
    const refuser = new PzemSimulator({ unitId: 4 });
    refuser.readRegisters = () => {
      throw new ModbusException(1);
    };
    const found = await scanBus((id) => unitOnBus(busOf([refuser]), id), {
      from: 4,
      to: 5,
      isSilence: (err) => !(err instanceof BusError && err.modbusCode),
    });
    assert.deepEqual(summary(found), ['4 unknown -']);
  });

  it('stops when cancelled, and refuses a range outside 1..247', async () => {
    const controller = new AbortController();
    const bus = busOf(devices());
    const scan = scanBus((id) => unitOnBus(bus, id), {
      from: 1,
      to: 247,
      signal: controller.signal,
      isSilence: () => true,
      onProgress: (p) => p.done === 5 && controller.abort(),
    });
    await assert.rejects(scan, ScanCancelled);
    for (const [from, to] of [
      [0, 5],
      [5, 248],
      [9, 3],
      [1.5, 3],
    ])
      assert.throws(() => checkRange(from, to), RangeError);
  });
});

for (const [name, serve] of [
  ['Modbus TCP', serveTcp],
  ['RTU over TCP', serveRtuOverTcp],
] as const) {
  describe(`bus scan job over ${name}`, function () {
    this.timeout(20000);
    it('probes through the bus queue with a short timeout and finds exactly the simulated devices', async () => {
      const server = await serve(devices(), { port: 0 });
      const transport = name === 'Modbus TCP' ? 'tcp' : 'rtu-over-tcp';
      // The bus's own timeout is long; the scan's is 100 ms, so 16 silent ids cost under two seconds.
      const connection = new ModbusConnection(parseBusSettings({ transport, host: server.host, port: server.port, timeoutMs: 3000, retries: 2 }));
      try {
        const started = Date.now();
        const job = new ScanJob(connection, 1, 20, 100);
        await job.finished;
        assert.deepEqual(summary(job.state.found), EXPECTED);
        assert.equal(job.state.done, 20);
        assert.ok(Date.now() - started < 6000, `took ${Date.now() - started} ms`);
        assert.equal(connection.userCount, 0, 'the scan let the bus go');
      } finally {
        await connection.shutdown();
        await server.close();
      }
    });
  });
}

describe('modbus-bus Scan endpoint', function () {
  this.timeout(20000);
  let server: Awaited<ReturnType<typeof serveTcp>>;
  beforeEach(async () => {
    server = await serveTcp(devices(), { port: 0 });
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await server.close();
  });

  it('scans a deployed bus, shows progress and lists what it found; an undeployed bus is said so', async () => {
    await helper.load([modbusBusNode], onTab([{ id: 'bus', type: 'modbus-bus', transport: 'tcp', host: server.host, port: server.port }], []));
    const missing = await admin().post('/modbus-bus/nope/scan').send({}).expect(404);
    assert.match(missing.body.message, /not deployed/);
    await admin().post('/modbus-bus/bus/scan').send({ from: 0, to: 3 }).expect(400);
    const started = await admin().post('/modbus-bus/bus/scan').send({ from: 1, to: 12, timeoutMs: 100 }).expect(200);
    assert.equal(started.body.total, 12);
    let state = started.body as { running: boolean; found: { unitId: number; kind: string; nodeType?: string }[]; done: number };
    const seenDone = new Set<number>();
    await pollUntil(
      () => !state.running,
      async () => {
        state = (await admin().get('/modbus-bus/bus/scan').expect(200)).body;
        seenDone.add(state.done);
      },
      15000,
      'the scan to end',
    );
    assert.deepEqual(summary(state.found), EXPECTED);
    assert.ok(seenDone.size >= 2, 'progress moved while the scan ran');
  });

  it('cancels a running scan', async () => {
    await helper.load([modbusBusNode], onTab([{ id: 'bus', type: 'modbus-bus', transport: 'tcp', host: server.host, port: server.port }], []));
    await admin().post('/modbus-bus/bus/scan').send({ from: 10, to: 247, timeoutMs: 100 }).expect(200);
    await admin().delete('/modbus-bus/bus/scan').expect(200);
    let state = { running: true, cancelled: false, done: 0 };
    await pollUntil(
      () => !state.running,
      async () => {
        state = (await admin().get('/modbus-bus/bus/scan').expect(200)).body;
      },
      5000,
      'the scan to stop',
    );
    assert.equal(state.cancelled, true);
    assert.ok(state.done < 20, `stopped after ${state.done} ids`);
  });
});
