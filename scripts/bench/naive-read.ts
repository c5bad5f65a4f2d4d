// The way many scripts read an Epever: one request per value, each register on its own.
import type { ModbusUnit } from '../../nodes/common/modbus/unit';
import { toPayload, type PollOptions, type Values, type WyandataPayload } from '../../nodes/epever-tracer/reading';
import { decodeRegister } from '../../nodes/common/modbus/register-codec';
import type { RegisterDef } from '../../nodes/common/modbus/register';
import { REALTIME, STATISTICS, STATUS } from '../../nodes/epever-tracer/register-map';

export const NAIVE_REGISTERS: readonly RegisterDef[] = [...REALTIME, ...STATUS, ...STATISTICS];

export async function readPayloadOneByOne(unit: ModbusUnit, options: PollOptions, now: () => Date = () => new Date()): Promise<WyandataPayload> {
  const values: Values = {};
  for (const def of NAIVE_REGISTERS) {
    values[def.name] = decodeRegister(def, await unit.readInputRegisters(def.address, def.words), def.address);
  }
  return toPayload(values, now(), options);
}
