import assert from 'node:assert/strict';
import ModbusRTU from 'modbus-serial';
import { serveRtuOverTcp, servePty, serveTcp, type ModbusDevice } from '../../nodes/common/simulator/modbus-slave';
import { decodeClock, encodeClock } from '../../nodes/epever-tracer/clock';
import { decodeGroup, encodeGroup } from '../../nodes/common/modbus/register-codec';
import { BATTERY_SETTINGS, CLOCK_ADDRESS, COIL_MANUAL_LOAD, DISCRETE_NIGHT, REALTIME, STATISTICS, type BatterySettings } from '../../nodes/epever-tracer/register-map';
import { DEFAULT_SETTINGS } from '../../nodes/epever-tracer/sim-settings';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';

const NOON = new Date('2024-03-20T12:00:00Z');
const MIDNIGHT = new Date('2024-03-20T00:00:00Z');

interface Server {
  close(): Promise<void>;
}

interface Transport {
  readonly name: string;
  /** The answer travels with a CRC the client checks. */
  readonly crcOnTheWire: boolean;
  start(devices: ModbusDevice[], client: ModbusRTU): Promise<Server>;
}

// modbus-serial's connectTcpRTUBuffered speaks Modbus TCP (MBAP) on the wire and adds the CRC itself; the
// client for raw RTU frames over TCP is connectTelnet.
const TRANSPORTS: Transport[] = [
  {
    name: 'Modbus TCP, connectTCP',
    crcOnTheWire: false,
    async start(devices, client) {
      const server = await serveTcp(devices, { port: 0 });
      await client.connectTCP('127.0.0.1', { port: server.port });
      return server;
    },
  },
  {
    name: 'Modbus TCP, connectTcpRTUBuffered',
    crcOnTheWire: false,
    async start(devices, client) {
      const server = await serveTcp(devices, { port: 0 });
      await client.connectTcpRTUBuffered('127.0.0.1', { port: server.port });
      return server;
    },
  },
  {
    name: 'RTU over TCP, connectTelnet',
    crcOnTheWire: true,
    async start(devices, client) {
      const server = await serveRtuOverTcp(devices, { port: 0 });
      await client.connectTelnet('127.0.0.1', { port: server.port });
      return server;
    },
  },
  {
    name: 'serial on a pty, connectRTUBuffered',
    crcOnTheWire: true,
    async start(devices, client) {
      const line = await servePty(devices, { baudRate: 115200 });
      try {
        await client.connectRTUBuffered(line.path, { baudRate: 115200 });
      } catch (err) {
        await line.close();
        throw err;
      }
      return line;
    },
  },
];

function closeClient(client: ModbusRTU): Promise<void> {
  return new Promise((resolve) => {
    if (!client.isOpen) return resolve();
    const fallback = setTimeout(resolve, 1000);
    client.close(() => {
      clearTimeout(fallback);
      resolve();
    });
  });
}

async function readRealtime(client: ModbusRTU) {
  const { data } = await client.readInputRegisters(0x3100, 0x13);
  return decodeGroup(REALTIME.filter((d) => d.address < 0x3113), data, 0x3100);
}

async function rejection(promise: Promise<unknown>): Promise<Error & { modbusCode?: number }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { modbusCode?: number };
  }
  assert.fail('expected the request to fail');
}

describe('Epever simulator through a modbus-serial client', () => {
  for (const transport of TRANSPORTS) {
    describe(transport.name, () => {
      let noonSim: EpeverSimulator;
      let nightSim: EpeverSimulator;
      let client: ModbusRTU;
      let server: Server | undefined;

      beforeEach(async () => {
        // Two controllers on one line, as on one RS-485 bus: unit 1 lives at noon, unit 2 at midnight.
        noonSim = new EpeverSimulator({ unitId: 1, now: () => NOON });
        nightSim = new EpeverSimulator({ unitId: 2, now: () => MIDNIGHT });
        client = new ModbusRTU();
        client.setTimeout(1000);
        server = await transport.start([noonSim, nightSim], client);
        client.setID(1);
      });

      afterEach(async () => {
        await closeClient(client);
        await server?.close();
        server = undefined;
      });

      it('reads plausible noon values from the realtime block', async () => {
        const rt = await readRealtime(client);
        assert.ok(rt.pvVoltage > 12 && rt.pvVoltage < 22, `PV ${rt.pvVoltage} V`);
        assert.ok(rt.pvCurrent > 1, `PV ${rt.pvCurrent} A`);
        assert.ok(Math.abs(rt.pvPower - rt.pvVoltage * rt.pvCurrent) < 0.5, 'PV power is V x A');
        assert.ok(rt.batteryVoltage > 12 && rt.batteryVoltage < 15, `battery ${rt.batteryVoltage} V`);
        assert.ok(rt.batteryChargingCurrent > 0 && rt.batteryChargingCurrent <= 20, `charging ${rt.batteryChargingCurrent} A`);
        assert.ok(rt.loadCurrent > 0, 'the household draws something');
        assert.ok(Math.abs(rt.loadVoltage - rt.batteryVoltage) < 0.2, 'load sits on the battery');
        for (const t of [rt.batteryTemperature, rt.controllerTemperature, rt.heatsinkTemperature]) {
          assert.ok(t > -10 && t < 60, `temperature ${t} °C`);
        }
        // Two reads, as the controller refuses one across the undefined 0x3316-0x331A.
        const daily = (await client.readInputRegisters(0x3300, 0x16)).data;
        const net = (await client.readInputRegisters(0x331b, 2)).data;
        const stats = decodeGroup(STATISTICS, [...daily, 0, 0, 0, 0, 0, ...net], 0x3300);
        assert.ok(stats.generatedEnergyToday > 0, 'the morning generated energy');
        assert.ok(stats.generatedEnergyTotal > stats.generatedEnergyYear);
        assert.equal(stats.netBatteryCurrent, Math.round((rt.batteryChargingCurrent - rt.loadCurrent) * 100) / 100);
      });

      it('reads no PV from the controller at midnight, and only that unit answers for it', async () => {
        client.setID(2);
        const rt = await readRealtime(client);
        assert.equal(rt.pvVoltage, 0);
        assert.equal(rt.pvCurrent, 0);
        assert.equal(rt.pvPower, 0);
        assert.equal(rt.batteryChargingCurrent, 0);
        assert.ok(rt.loadCurrent > 0);
        assert.deepEqual((await client.readDiscreteInputs(DISCRETE_NIGHT, 1)).data[0], true);
        client.setID(1);
        assert.ok((await readRealtime(client)).pvVoltage > 12);
        assert.deepEqual((await client.readDiscreteInputs(DISCRETE_NIGHT, 1)).data[0], false);
      });

      it('gives no answer for a unit id with no device', async () => {
        client.setID(3);
        const err = await rejection(client.readInputRegisters(0x3100, 2));
        assert.match(err.message, /timed out/i);
        client.setID(1);
        assert.equal((await client.readInputRegisters(0x3100, 2)).data.length, 2);
      });

      it('refuses an address outside the register map with exception 2', async () => {
        const err = await rejection(client.readInputRegisters(0x3120, 4));
        assert.equal(err.modbusCode, 2);
      });

      it('writes the battery settings and reads them back', async () => {
        const wanted: BatterySettings = { ...DEFAULT_SETTINGS, batteryType: 2, batteryCapacity: 100, boostVoltage: 14.2, floatVoltage: 13.7 };
        const image = new Map<number, number>();
        encodeGroup(BATTERY_SETTINGS, wanted, image);
        const words = Array.from({ length: 15 }, (_, i) => image.get(0x9000 + i) ?? 0);
        await client.writeRegisters(0x9000, words);
        const readBack = decodeGroup(BATTERY_SETTINGS, (await client.readHoldingRegisters(0x9000, 15)).data, 0x9000);
        assert.deepEqual(readBack, wanted);
        assert.deepEqual(nightSim.settings(), DEFAULT_SETTINGS, 'the other unit kept its settings');
      });

      it('refuses a partial or mis-ordered settings write with exception 3', async () => {
        assert.equal((await rejection(client.writeRegisters(0x9007, [1420]))).modbusCode, 3);
        const image = new Map<number, number>();
        encodeGroup(BATTERY_SETTINGS, { ...DEFAULT_SETTINGS, floatVoltage: 14.5 }, image);
        const words = Array.from({ length: 15 }, (_, i) => image.get(0x9000 + i) ?? 0);
        assert.equal((await rejection(client.writeRegisters(0x9000, words))).modbusCode, 3);
        assert.deepEqual(decodeGroup(BATTERY_SETTINGS, (await client.readHoldingRegisters(0x9000, 15)).data, 0x9000), DEFAULT_SETTINGS);
      });

      it('sets the clock and reads it back', async () => {
        const set = { year: 2025, month: 1, day: 2, hour: 3, minute: 4, second: 5 };
        await client.writeRegisters(CLOCK_ADDRESS, encodeClock(set));
        assert.deepEqual(decodeClock((await client.readHoldingRegisters(CLOCK_ADDRESS, 3)).data), set);
      });

      it('switches the load off and on with coil 2', async () => {
        await client.writeCoil(COIL_MANUAL_LOAD, false);
        assert.equal((await client.readCoils(COIL_MANUAL_LOAD, 1)).data[0], false);
        const off = await readRealtime(client);
        assert.equal(off.loadCurrent, 0);
        assert.equal(off.loadPower, 0);
        await client.writeCoil(COIL_MANUAL_LOAD, true);
        assert.equal((await client.readCoils(COIL_MANUAL_LOAD, 1)).data[0], true);
        assert.ok((await readRealtime(client)).loadCurrent > 0);
      });

      it('stays silent when the device is dead, and answers again when it recovers', async () => {
        noonSim.faults.silent = true;
        assert.match((await rejection(client.readInputRegisters(0x3100, 2))).message, /timed out/i);
        client.setID(2);
        assert.equal((await client.readInputRegisters(0x3100, 2)).data.length, 2, 'the other unit still answers');
        noonSim.faults.silent = false;
        client.setID(1);
        assert.equal((await client.readInputRegisters(0x3100, 2)).data.length, 2);
      });

      it('answers late when the device is slow', async () => {
        noonSim.faults.delayMs = 300;
        const started = Date.now();
        await client.readInputRegisters(0x3100, 2);
        assert.ok(Date.now() - started >= 290, 'the answer came after the delay');
      });

      if (transport.crcOnTheWire) {
        it('sends a broken CRC when asked to, and the client reports it', async () => {
          noonSim.faults.corruptCrc = true;
          assert.match((await rejection(client.readInputRegisters(0x3100, 2))).message, /crc/i);
          noonSim.faults.corruptCrc = false;
          assert.equal((await client.readInputRegisters(0x3100, 2)).data.length, 2);
        });
      }
    });
  }
});
