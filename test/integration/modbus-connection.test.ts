// The bus's own life cycle against a real Modbus TCP server: open on first user, reconnect after a drop,
// close with the last user.
import assert from 'node:assert/strict';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { parseBusSettings } from '../../nodes/modbus-bus/bus-config';
import { ModbusConnection, type LinkState } from '../../nodes/modbus-bus/connection';
import { waitFor } from '../support/node-red';

describe('ModbusConnection over Modbus TCP', function () {
  this.timeout(20000);
  let server: TcpEndpoint | undefined;
  let connection: ModbusConnection | undefined;

  afterEach(async () => {
    await connection?.shutdown();
    await server?.close();
  });

  it('reconnects with backoff after the server drops, and serves requests again', async () => {
    const sim = new EpeverSimulator({ unitId: 1 });
    server = await serveTcp([sim], { port: 0 });
    const port = server.port;
    connection = new ModbusConnection(parseBusSettings({ transport: 'tcp', host: '127.0.0.1', port, timeoutMs: 300 }));
    const states: LinkState[] = [];
    connection.on('status', (s: { state: LinkState }) => states.push(s.state));
    connection.register('device-a');
    const unit = connection.unit(1);
    assert.equal((await unit.readInputRegisters(0x3100, 2)).length, 2);

    await server.close();
    await waitFor(() => states.includes('disconnected'), 5000, 'the drop to be noticed');
    await assert.rejects(unit.readInputRegisters(0x3100, 2), /bus not connected: /);

    server = await serveTcp([sim], { port });
    await waitFor(() => connection!.linkStatus.state === 'connected', 10000, 'the reconnect');
    assert.equal((await unit.readInputRegisters(0x3100, 2)).length, 2);
    assert.deepEqual(states.slice(0, 3), ['connecting', 'connected', 'disconnected']);
    assert.equal(states.at(-1), 'connected');
  });

  it('opens for the first user and closes after the last one leaves', async () => {
    server = await serveTcp([new EpeverSimulator({ unitId: 1 })], { port: 0 });
    connection = new ModbusConnection(parseBusSettings({ transport: 'tcp', host: '127.0.0.1', port: server.port }));
    assert.equal(connection.linkStatus.state, 'idle');
    connection.register('a');
    connection.register('b');
    await waitFor(() => connection!.linkStatus.state === 'connected', 5000, 'connected');
    await connection.deregister('a');
    assert.equal(connection.linkStatus.state, 'connected', 'still one user');
    await connection.deregister('b');
    assert.equal(connection.linkStatus.state, 'idle');
  });

  it('keeps retrying a port that is not there, with growing delays', async () => {
    connection = new ModbusConnection(parseBusSettings({ transport: 'tcp', host: '127.0.0.1', port: 1 }));
    const delays: number[] = [];
    connection.on('status', (s: { state: LinkState; retryInMs?: number }) => s.retryInMs && delays.push(s.retryInMs));
    connection.register('a');
    await waitFor(() => delays.length >= 2, 8000, 'two failed attempts');
    assert.deepEqual(delays.slice(0, 2), [1000, 2000]);
  });
});
