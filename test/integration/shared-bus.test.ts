// Two controllers on one RS-485 line (a pty pair driven through serialport), one of them dead.
import assert from 'node:assert/strict';
import { servePty, serveRtuOverTcp, type PtyEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { catchNode, collect, epeverTracerNode, getNode, helper, modbusBusNode, nextMessage, onTab, statuses, waitFor } from '../support/node-red';

const NOON = () => new Date('2026-06-21T12:00:00Z');
const NODES = [modbusBusNode, epeverTracerNode, catchNode];

function twoControllers(bus: Record<string, unknown>) {
  return onTab(
    [{ id: 'bus', type: 'modbus-bus', timeoutMs: 250, retries: 1, ...bus }],
    [
      { id: 'live', type: 'epever-tracer', name: 'live', bus: 'bus', unitId: 1, interval: 1, wires: [['live-out']] },
      { id: 'dead', type: 'epever-tracer', name: 'dead', bus: 'bus', unitId: 2, interval: 1, wires: [['dead-out']] },
      { id: 'live-out', type: 'helper' },
      { id: 'dead-out', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ],
  );
}

describe('shared bus over a serial pseudo-terminal', function () {
  this.timeout(30000);
  let live: EpeverSimulator;
  let dead: EpeverSimulator;
  let line: PtyEndpoint;

  beforeEach(async () => {
    live = new EpeverSimulator({ unitId: 1, now: NOON });
    dead = new EpeverSimulator({ unitId: 2, now: NOON });
    line = await servePty([live, dead], { baudRate: 115200 });
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await line.close();
  });

  it('reads a controller through serialport on the pty', async () => {
    dead.faults.silent = false;
    await helper.load(NODES, twoControllers({ transport: 'serial', path: line.path, baudRate: 115200 }));
    const reading = await nextMessage('live-out', 5000);
    assert.equal(reading.device, 'live');
    assert.ok((reading.payload as { pv_array: { power: number } }).pv_array.power > 0);
  });

  it('keeps the live controller on schedule while the other is dead, without reopening the port', async () => {
    dead.faults.silent = true;
    await helper.load(NODES, twoControllers({ transport: 'serial', path: line.path, baudRate: 115200 }));
    const bus = getNode('bus') as unknown as { connection: { on(e: string, f: (s: { state: string }) => void): void } };
    const linkStates: string[] = [];
    bus.connection.on('status', (s) => linkStates.push(s.state));
    const deadStatus = statuses('dead');
    const deadReadings = collect('dead-out');
    await nextMessage('live-out', 5000);
    const liveReadings = collect('live-out');
    const started = Date.now();
    await waitFor(() => liveReadings.length >= 5, 9000, 'five readings from the live controller');
    const elapsed = Date.now() - started;
    // Five readings on a 1 s schedule: a stalled bus would have cost the dead unit's timeouts each second.
    assert.ok(elapsed < 7000, `five 1 s polls took ${elapsed} ms`);
    assert.equal(deadReadings.length, 0, 'no zeros invented for the dead controller');
    assert.ok(deadStatus.some((s) => s.text === 'epever-tracer.status.unavailable'));
    assert.ok(deadStatus.some((s) => s.text === 'epever-tracer.status.retrying'), 'the dead controller is backed off');
    assert.deepEqual(linkStates.filter((s) => s !== 'connected'), [], 'the port never dropped or reopened');
    assert.ok(linkStates.length <= 1, 'connected once');
  });

  it('reports a garbled answer (bad CRC) and recovers when the line is clean', async () => {
    await helper.load(NODES, twoControllers({ transport: 'serial', path: line.path, baudRate: 115200 }).map((n) => ('interval' in n ? { ...n, interval: 0 } : n)));
    live.faults.corruptCrc = true;
    const caught = nextMessage('caught');
    getNode('live').receive({ payload: 1 });
    assert.match(((await caught).error as { message: string }).message, /CRC/);
    live.faults.corruptCrc = false;
    // The unit is backed off after a garbled answer; the bus's queue says when that is over.
    const queue = (getNode('bus') as unknown as { connection: { queue: { backedOffFor(unit: number): number } } }).connection.queue;
    assert.ok(queue.backedOffFor(1) > 0, 'backed off');
    await waitFor(() => queue.backedOffFor(1) === 0, 10000, 'the end of the backoff');
    const reading = nextMessage('live-out');
    getNode('live').receive({ payload: 2 });
    assert.ok((await reading).payload);
  });
});

describe('RTU over TCP (serial-to-Ethernet gateway)', function () {
  it('reads a controller through a gateway', async () => {
    const sim = new EpeverSimulator({ unitId: 3, now: NOON });
    const gateway = await serveRtuOverTcp([sim], { port: 0 });
    await helper.startServer();
    try {
      await helper.load(
        NODES,
        onTab(
          [{ id: 'bus', type: 'modbus-bus', transport: 'rtu-over-tcp', host: '127.0.0.1', port: gateway.port }],
          [{ id: 'e', type: 'epever-tracer', bus: 'bus', unitId: 3, interval: 0, wires: [['out']] }, { id: 'out', type: 'helper' }],
        ),
      );
      const reading = nextMessage('out');
      getNode('e').receive({});
      const msg = await reading;
      assert.equal(msg.device, 'epever-3');
      assert.equal(msg.topic, 'epever-tracer/epever-3');
    } finally {
      await helper.unload();
      await helper.stopServer();
      await gateway.close();
    }
  });
});
