// A custom function code (PZEM's 0x42 energy reset, a 4-byte RTU request) and single-register writes through
// the bus, over each transport: modbus-serial cannot frame the 4-byte request on its RTU ports itself.
import assert from 'node:assert/strict';
import { readGroup } from '../../nodes/common/modbus/block-read';
import { servePty, serveRtuOverTcp, serveTcp } from '../../nodes/common/simulator/modbus-slave';
import { parseBusSettings } from '../../nodes/modbus-bus/bus-config';
import { ModbusConnection } from '../../nodes/modbus-bus/connection';
import { METER_HOLDING, METER_INPUT, RESET_ENERGY, TestMeter } from '../support/test-meter';

interface Served {
  readonly bus: Record<string, unknown>;
  close(): Promise<void>;
}

const TRANSPORTS: Record<string, (meters: TestMeter[]) => Promise<Served>> = {
  'Modbus TCP': async (meters) => {
    const s = await serveTcp(meters);
    return { bus: { transport: 'tcp', host: s.host, port: s.port }, close: () => s.close() };
  },
  'RTU over TCP': async (meters) => {
    const s = await serveRtuOverTcp(meters);
    return { bus: { transport: 'rtu-over-tcp', host: s.host, port: s.port }, close: () => s.close() };
  },
  'a serial pseudo-terminal': async (meters) => {
    const s = await servePty(meters, { baudRate: 9600 });
    return { bus: { transport: 'serial', path: s.path, baudRate: 9600 }, close: () => s.close() };
  },
};

for (const [name, serve] of Object.entries(TRANSPORTS)) {
  describe(`custom function and single-register write over ${name}`, function () {
    this.timeout(20000);
    let meters: TestMeter[];
    let served: Served;
    let connection: ModbusConnection;

    beforeEach(async () => {
      meters = [new TestMeter(1), new TestMeter(2)];
      served = await serve(meters);
      connection = new ModbusConnection(parseBusSettings({ ...served.bus, timeoutMs: 400, retries: 0 }));
      connection.register('test');
    });

    afterEach(async () => {
      await connection.shutdown();
      await served.close();
    });

    it('resets one meter\'s energy with 0x42, and the next read on the bus still works', async () => {
      const answer = await connection.unit(2).customFunction(RESET_ENERGY, []);
      assert.equal(answer.length, 0, 'the answer echoes the request: no data after the function code');
      assert.deepEqual(meters.map((m) => m.energyWh), [123456, 0]);
      assert.equal((await readGroup(connection.unit(2), METER_INPUT)).energy, 0);
      assert.equal((await readGroup(connection.unit(1), METER_INPUT)).energy, 123456);
    });

    it('reports a refused custom function as refused', async () => {
      await assert.rejects(connection.unit(1).customFunction(0x41, [0x37, 0x21]), (err: Error & { kind?: string }) => err.kind === 'refused');
      assert.equal((await readGroup(connection.unit(1), METER_INPUT)).voltage, 12.34);
    });

    it('reports a silent meter as no answer, within the bus timeout', async () => {
      meters[0].faults.silent = true;
      await assert.rejects(connection.unit(1).customFunction(RESET_ENERGY, []), (err: Error & { kind?: string }) => err.kind === 'no-answer');
      assert.equal(meters[0].energyWh, 123456);
    });

    it('refuses a request that cannot be framed before it reaches the bus', async () => {
      await readGroup(connection.unit(1), METER_INPUT);
      assert.equal(connection.linkStatus.state, 'connected');
      await assert.rejects(connection.unit(1).customFunction(0x92, []), /function code 146 is not 1\.\.127/);
      await assert.rejects(connection.unit(1).customFunction(RESET_ENERGY, [256]), /bytes 0\.\.255/);
      assert.equal(connection.linkStatus.state, 'connected', 'the bus stays up');
      assert.equal((await readGroup(connection.unit(1), METER_INPUT)).voltage, 12.34);
    });

    it('writes one holding register with FC6 and reads it back', async () => {
      await connection.unit(1).writeRegister(3, 2);
      assert.equal((await readGroup(connection.unit(1), METER_HOLDING)).range, 2);
    });
  });
}
