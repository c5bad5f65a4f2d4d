// Answers one request PDU (function code + data) from a device: the response PDU, or an exception PDU
// (function code | 0x80, exception code). Pure apart from what the device itself does.
import { ExceptionCode, ModbusDevice, ModbusException } from './device';

export const FunctionCode = {
  readCoils: 1,
  readDiscreteInputs: 2,
  readHoldingRegisters: 3,
  readInputRegisters: 4,
  writeSingleCoil: 5,
  writeSingleRegister: 6,
  writeMultipleCoils: 15,
  writeMultipleRegisters: 16,
} as const;

/** Limits from the Modbus application protocol specification v1.1b3. */
const MAX_READ_BITS = 2000;
const MAX_READ_REGISTERS = 125;
const MAX_WRITE_BITS = 1968;
const MAX_WRITE_REGISTERS = 123;

export function exceptionPdu(functionCode: number, code: number): Buffer {
  return Buffer.from([(functionCode | 0x80) & 0xff, code]);
}

export function handlePdu(device: ModbusDevice, pdu: Uint8Array): Buffer {
  const functionCode = pdu[0] ?? 0;
  try {
    return answer(device, Buffer.from(pdu.buffer, pdu.byteOffset, pdu.byteLength));
  } catch (err) {
    const code = err instanceof ModbusException ? err.code : ExceptionCode.deviceFailure;
    return exceptionPdu(functionCode, code);
  }
}

function answer(device: ModbusDevice, pdu: Buffer): Buffer {
  const fc = pdu[0];
  switch (fc) {
    case FunctionCode.readCoils:
    case FunctionCode.readDiscreteInputs: {
      expectLength(pdu, 5);
      const { address, count } = addressAndCount(pdu, MAX_READ_BITS);
      const bits = device.readBits(fc === FunctionCode.readCoils ? 'coil' : 'discrete', address, count);
      const packed = packBits(bits, count);
      return Buffer.concat([Buffer.from([fc, packed.length]), packed]);
    }
    case FunctionCode.readHoldingRegisters:
    case FunctionCode.readInputRegisters: {
      expectLength(pdu, 5);
      const { address, count } = addressAndCount(pdu, MAX_READ_REGISTERS);
      const words = device.readRegisters(fc === FunctionCode.readInputRegisters ? 'input' : 'holding', address, count);
      const out = Buffer.alloc(2 + count * 2);
      out[0] = fc;
      out[1] = count * 2;
      for (let i = 0; i < count; i++) out.writeUInt16BE((words[i] ?? 0) & 0xffff, 2 + i * 2);
      return out;
    }
    case FunctionCode.writeSingleCoil: {
      expectLength(pdu, 5);
      const value = pdu.readUInt16BE(3);
      if (value !== 0xff00 && value !== 0x0000) throw new ModbusException(ExceptionCode.illegalDataValue);
      device.writeCoil(pdu.readUInt16BE(1), value === 0xff00);
      return Buffer.from(pdu.subarray(0, 5));
    }
    case FunctionCode.writeSingleRegister: {
      expectLength(pdu, 5);
      device.writeRegisters(pdu.readUInt16BE(1), [pdu.readUInt16BE(3)]);
      return Buffer.from(pdu.subarray(0, 5));
    }
    case FunctionCode.writeMultipleCoils: {
      const { address, count } = addressAndCount(pdu, MAX_WRITE_BITS);
      const byteCount = Math.ceil(count / 8);
      if (pdu.length < 6 || pdu[5] !== byteCount || pdu.length !== 6 + byteCount) {
        throw new ModbusException(ExceptionCode.illegalDataValue);
      }
      // Written bit by bit, as many small devices do: an exception part-way leaves the earlier bits set.
      for (let i = 0; i < count; i++) device.writeCoil(address + i, ((pdu[6 + (i >> 3)] >> (i & 7)) & 1) === 1);
      return Buffer.from(pdu.subarray(0, 5));
    }
    case FunctionCode.writeMultipleRegisters: {
      const { address, count } = addressAndCount(pdu, MAX_WRITE_REGISTERS);
      if (pdu.length < 6 || pdu[5] !== count * 2 || pdu.length !== 6 + count * 2) {
        throw new ModbusException(ExceptionCode.illegalDataValue);
      }
      const values: number[] = [];
      for (let i = 0; i < count; i++) values.push(pdu.readUInt16BE(6 + i * 2));
      device.writeRegisters(address, values);
      return Buffer.from(pdu.subarray(0, 5));
    }
    default:
      if (!device.customFunction || fc >= 0x80) throw new ModbusException(ExceptionCode.illegalFunction);
      return Buffer.concat([Buffer.from([fc]), device.customFunction(fc, Buffer.from(pdu.subarray(1)))]);
  }
}

function expectLength(pdu: Buffer, length: number): void {
  if (pdu.length !== length) throw new ModbusException(ExceptionCode.illegalDataValue);
}

function addressAndCount(pdu: Buffer, maxCount: number): { address: number; count: number } {
  if (pdu.length < 5) throw new ModbusException(ExceptionCode.illegalDataValue);
  const address = pdu.readUInt16BE(1);
  const count = pdu.readUInt16BE(3);
  if (count < 1 || count > maxCount) throw new ModbusException(ExceptionCode.illegalDataValue);
  if (address + count > 0x10000) throw new ModbusException(ExceptionCode.illegalDataAddress);
  return { address, count };
}

function packBits(bits: readonly boolean[], count: number): Buffer {
  const out = Buffer.alloc(Math.ceil(count / 8));
  for (let i = 0; i < count; i++) if (bits[i]) out[i >> 3] |= 1 << (i & 7);
  return out;
}
