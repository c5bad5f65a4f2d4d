import assert from 'node:assert/strict';
import { ExceptionCode, ModbusException } from '../../nodes/common/simulator/modbus-slave';
import { epeverFlow, epeverOnTcpEachTest } from '../support/epever-on-tcp';
import { catchNode, epeverTracerNode, getNode, helper, modbusBusNode, nextMessage, statuses } from '../support/node-red';

// epever-tracer shows failures through the device-node base's one table, as mpp-pi30 does: before, a Modbus
// exception reply showed a bare "error" on the Epever node and "refused" on the PI30 node.

describe('epever-tracer status through the device-node base', function () {
  const env = epeverOnTcpEachTest();

  it('shows "refused" when the controller answers a read with a Modbus exception, and recovers', async () => {
    await helper.load([modbusBusNode, epeverTracerNode, catchNode], epeverFlow(env.server.port));
    const seen = statuses('epever');
    const readRegisters = env.sim.readRegisters.bind(env.sim);
    env.sim.readRegisters = () => {
      throw new ModbusException(ExceptionCode.illegalDataAddress, 'no register');
    };
    const caught = nextMessage('caught');
    getNode('epever').receive({});
    assert.match(((await caught).error as { message: string }).message, /refused/);
    assert.deepEqual(seen.at(-1), { fill: 'red', shape: 'ring', text: 'epever-tracer.status.refused' });

    env.sim.readRegisters = readRegisters;
    const reading = nextMessage('out');
    getNode('epever').receive({});
    assert.ok((await reading).payload);
    assert.equal(seen.at(-1)?.fill, 'green');
  });
});
