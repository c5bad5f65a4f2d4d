import assert from 'node:assert/strict';
import { ExceptionCode, ModbusException, serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { catchNode, epeverTracerNode, getNode, helper, modbusBusNode, nextMessage, onTab, statuses } from '../support/node-red';

// epever-tracer shows failures through the device-node base's one table, as mpp-pi30 does: before, a Modbus
// exception reply showed a bare "error" on the Epever node and "refused" on the PI30 node.

const NOON = new Date('2026-06-21T12:00:00Z');

function flow(port: number) {
  return onTab(
    [{ id: 'bus', type: 'modbus-bus', transport: 'tcp', host: '127.0.0.1', port, timeoutMs: 300, retries: 0 }],
    [
      { id: 'epever', type: 'epever-tracer', name: 'Shed', bus: 'bus', unitId: 1, interval: 0, wires: [['out']] },
      { id: 'out', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ],
  );
}

describe('epever-tracer status through the device-node base', function () {
  let sim: EpeverSimulator;
  let server: TcpEndpoint;

  beforeEach(async () => {
    sim = new EpeverSimulator({ unitId: 1, now: () => NOON });
    server = await serveTcp([sim], { port: 0 });
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await server.close();
  });

  it('shows "refused" when the controller answers a read with a Modbus exception, and recovers', async () => {
    await helper.load([modbusBusNode, epeverTracerNode, catchNode], flow(server.port));
    const seen = statuses('epever');
    const readRegisters = sim.readRegisters.bind(sim);
    sim.readRegisters = () => {
      throw new ModbusException(ExceptionCode.illegalDataAddress, 'no register');
    };
    const caught = nextMessage('caught');
    getNode('epever').receive({});
    assert.match(((await caught).error as { message: string }).message, /refused/);
    assert.deepEqual(seen.at(-1), { fill: 'red', shape: 'ring', text: 'epever-tracer.status.refused' });

    sim.readRegisters = readRegisters;
    const reading = nextMessage('out');
    getNode('epever').receive({});
    assert.ok((await reading).payload);
    assert.equal(seen.at(-1)?.fill, 'green');
  });
});
