// pzem017 nodes in a real Node-RED runtime against simulated PZEM meters over Modbus TCP, RTU over TCP and a
// paced pseudo-terminal at the meters' own 9600 8N2.
import assert from 'node:assert/strict';
import { servePty, serveRtuOverTcp, serveTcp } from '../../nodes/common/simulator/modbus-slave';
import { PzemSimulator } from '../../nodes/pzem017/simulator';
import { catchNode, collect, getNode, helper, modbusBusNode, nextMessage, onTab, statuses, waitFor, type Msg } from '../support/node-red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pzemNode = require('../../nodes/pzem017/pzem017');
const NODES = [modbusBusNode, pzemNode, catchNode];

interface Served {
  readonly bus: Record<string, unknown>;
  close(): Promise<void>;
}

const TRANSPORTS: Record<string, (meters: PzemSimulator[]) => Promise<Served>> = {
  'Modbus TCP': async (meters) => {
    const s = await serveTcp(meters, { port: 0 });
    return { bus: { transport: 'tcp', host: s.host, port: s.port }, close: () => s.close() };
  },
  'RTU over TCP': async (meters) => {
    const s = await serveRtuOverTcp(meters, { port: 0 });
    return { bus: { transport: 'rtu-over-tcp', host: s.host, port: s.port }, close: () => s.close() };
  },
  'a paced pseudo-terminal at 9600 8N2': async (meters) => {
    const s = await servePty(meters, { baudRate: 9600, frame: { stopBits: 2 }, paced: true });
    return { bus: { transport: 'serial', path: s.path, baudRate: 9600, stopBits: 2 }, close: () => s.close() };
  },
};

/** A bus and one pzem017 node per unit id, each wired to its own helper `out<unit>`; a Catch to "caught". */
function metersFlow(bus: Record<string, unknown>, units: number[], pzem: Record<string, unknown> = {}): object[] {
  return onTab(
    [{ id: 'bus', type: 'modbus-bus', timeoutMs: 300, retries: 0, ...bus }],
    [
      ...units.flatMap((u) => [
        { id: `pzem${u}`, type: 'pzem017', name: `Meter ${u}`, bus: 'bus', unitId: u, interval: 0, wires: [[`out${u}`]], ...pzem },
        { id: `out${u}`, type: 'helper' },
      ]),
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ],
  );
}

for (const [name, serve] of Object.entries(TRANSPORTS)) {
  describe(`pzem017 node over ${name}`, function () {
    this.timeout(20000);
    let meters: PzemSimulator[];
    let served: Served | undefined;

    async function start(sims: PzemSimulator[]): Promise<Served> {
      meters = sims;
      served = await serve(sims);
      return served;
    }

    beforeEach(() => helper.startServer());
    afterEach(async () => {
      await helper.unload();
      await helper.stopServer();
      await served?.close();
      served = undefined;
    });

    it('eight meters on one bus, one dead: the seven others keep their one-second schedule', async () => {
      const units = [1, 2, 3, 4, 5, 6, 7, 8];
      const { bus } = await start(units.map((unitId) => new PzemSimulator({ unitId, phase: unitId, current: unitId })));
      meters[4].faults.silent = true;
      await helper.load(NODES, metersFlow(bus, units, { interval: 1 }));
      const dead = statuses('pzem5');
      const out = Object.fromEntries(units.map((u) => [u, collect(`out${u}`)])) as Record<number, Msg[]>;
      const live = units.filter((u) => u !== 5);
      await waitFor(() => live.every((u) => out[u].length >= 4), 12000, 'four readings from each live meter');
      assert.equal(out[5].length, 0, 'the dead meter sends no reading');
      assert.ok(
        dead.some((s) => s.fill === 'red'),
        'the dead meter shows red',
      );
      for (const u of live) {
        const times = out[u].map((m) => Date.parse((m.payload as { timestamp: string }).timestamp));
        const gaps = times.slice(1).map((t, i) => t - times[i]);
        // The first poll may wait behind the dead meter's timeout (300 ms); the schedule holds from then on.
        const mean = (times[times.length - 1] - times[0]) / gaps.length;
        assert.ok(gaps.every((g) => g < 1600) && mean > 800 && mean < 1200, `meter ${u} kept its schedule: gaps ${gaps.join(', ')} ms`);
        assert.equal(out[u][0].topic, `pzem017/meter-${u}`);
        assert.equal(out[u][0].measurement, 'pzem');
        const p = out[u][0].payload as Record<string, unknown>;
        assert.deepEqual(Object.keys(p).sort(), ['current', 'energy_wh', 'high_voltage_alarm', 'low_voltage_alarm', 'power', 'timestamp', 'voltage']);
      }
    });

    it('refuses setup while writes are off, and out-of-range values when on; the next poll works', async () => {
      const { bus } = await start([new PzemSimulator({ unitId: 1, energyWh: 900 })]);
      await helper.load(NODES, metersFlow(bus, [1]));
      const seen = statuses('pzem1');
      let caught = nextMessage('caught');
      getNode('pzem1').receive({ command: 'reset-energy' });
      assert.match(((await caught).error as { message: string }).message, /tick "allow writes"/);
      assert.equal(seen.at(-1)?.fill, 'red');
      assert.equal(meters[0].resets, 0);
      caught = nextMessage('caught');
      getNode('pzem1').receive({ command: 'set-shunt', payload: 120 });
      assert.match(((await caught).error as { message: string }).message, /50, 100, 200, 300/);
      const reading = nextMessage('out1');
      getNode('pzem1').receive({});
      assert.equal(((await reading).payload as { energy_wh: number }).energy_wh, 900);
    });

    it('applies the shunt range on deploy (read back) and resets energy with 0x42', async () => {
      const sim = new PzemSimulator({ unitId: 3, fittedShunt: 200, energyWh: 4000 });
      sim.trueCurrent = 120;
      const { bus } = await start([sim]);
      await helper.load(NODES, metersFlow(bus, [3], { allowWrites: true, shunt: 200, applyShunt: true }));
      let out = nextMessage('out3');
      getNode('pzem3').receive({});
      assert.equal(((await out).payload as { current: number }).current, 120, 'a 200 A shunt read at 200 A');
      assert.equal(sim.shuntRange(), 200);
      out = nextMessage('out3');
      getNode('pzem3').receive({ command: 'reset-energy' });
      assert.deepEqual((await out).payload, { energy_reset: true });
      out = nextMessage('out3');
      getNode('pzem3').receive({ command: 'read-settings' });
      assert.deepEqual((await out).payload, { address: 3, high_voltage_threshold: 300, low_voltage_threshold: 7, shunt_a: 200 });
      assert.equal(sim.resets, 1);
    });

    it('reads an AC meter (PZEM-004T): frequency, power factor, and a power alarm from the threshold it writes', async () => {
      const { bus } = await start([new PzemSimulator({ unitId: 2, model: 'PZEM-004T' })]);
      await helper.load(NODES, metersFlow(bus, [2], { model: 'PZEM-004T', allowWrites: true }));
      let out = nextMessage('out2');
      getNode('pzem2').receive({});
      const reading = (await out).payload as Record<string, unknown>;
      assert.deepEqual(Object.keys(reading).sort(), [
        'current',
        'energy_wh',
        'frequency',
        'power',
        'power_alarm',
        'power_factor',
        'timestamp',
        'voltage',
      ]);
      assert.deepEqual([reading.frequency, reading.power_factor, reading.power_alarm], [50, 0.92, false]);
      out = nextMessage('out2');
      getNode('pzem2').receive({ command: 'set-alarms', payload: { power: 10 } });
      assert.deepEqual((await out).payload, { address: 2, power_threshold: 10 });
      out = nextMessage('out2');
      getNode('pzem2').receive({});
      assert.equal(((await out).payload as { power_alarm: boolean }).power_alarm, true);
    });

    it('changes the address of a lone meter and confirms it at the new address', async () => {
      const { bus } = await start([new PzemSimulator({ unitId: 1 })]);
      await helper.load(NODES, metersFlow(bus, [1], { allowWrites: true }));
      const out = nextMessage('out1');
      getNode('pzem1').receive({ command: 'set-address', payload: 12 });
      assert.deepEqual((await out).payload, { address: 12, previous: 1 });
      assert.equal(meters[0].unitId, 12);
    });
  });
}
