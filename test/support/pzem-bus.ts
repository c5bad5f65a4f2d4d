// PZEM meters on an in-process simulated bus, reached through real PDUs (the slave's own handler), for engine
// tests that need no socket: several meters, the general address, a garbled reply when several answer at once.
import type { ModbusUnit } from '../../nodes/common/modbus/unit';
import { SlaveBus } from '../../nodes/common/simulator/modbus-slave/bus';
import type { ModbusDevice } from '../../nodes/common/simulator/modbus-slave/device';

export class BusError extends Error {
  constructor(
    message: string,
    readonly modbusCode?: number,
  ) {
    super(message);
  }
}

/** Sends one PDU to `unitId` and resolves with the answer; no answer, a garbled one or an exception rejects. */
async function transact(bus: SlaveBus, unitId: number, pdu: Buffer): Promise<Buffer> {
  let reply: { pdu: Buffer; corruptCrc: boolean } | undefined;
  await bus.request(unitId, pdu, (r) => (reply = r));
  if (!reply) throw new BusError(`unit ${unitId}: no answer (timed out)`);
  const { pdu: answer, corruptCrc } = reply;
  if (corruptCrc) throw new BusError(`unit ${unitId}: garbled answer (CRC error)`);
  if (answer[0] & 0x80) throw new BusError(`unit ${unitId} refused: exception ${answer[1]}`, answer[1]);
  return answer;
}

export function unitOnBus(bus: SlaveBus, unitId: number, log: string[] = []): ModbusUnit {
  const read = (fc: number) => async (address: number, count: number) => {
    log.push(`${unitId}:fc${fc}:${address}`);
    const reply = await transact(bus, unitId, Buffer.from([fc, address >> 8, address & 0xff, count >> 8, count & 0xff]));
    return Array.from({ length: count }, (_, i) => reply.readUInt16BE(2 + i * 2));
  };
  const unsupported = () => Promise.reject(new Error('not used by PZEM meters'));
  return {
    readInputRegisters: read(4),
    readHoldingRegisters: read(3),
    readCoils: unsupported,
    readDiscreteInputs: unsupported,
    writeRegisters: unsupported,
    async writeRegister(address, value) {
      log.push(`${unitId}:fc6:${address}=${value}`);
      await transact(bus, unitId, Buffer.from([6, address >> 8, address & 0xff, value >> 8, value & 0xff]));
    },
    writeCoil: unsupported,
    async customFunction(fc, data) {
      log.push(`${unitId}:fc${fc}`);
      return (await transact(bus, unitId, Buffer.from([fc, ...data]))).subarray(1);
    },
  };
}

export function busOf(devices: readonly ModbusDevice[]): SlaveBus {
  return new SlaveBus(devices);
}
