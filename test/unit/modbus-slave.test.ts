import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ModbusException, noFaults, type ModbusDevice } from '../../nodes/common/simulator/modbus-slave/device';
import { crc16, hasValidCrc, withCrc } from '../../nodes/common/modbus/crc16';
import { handlePdu } from '../../nodes/common/simulator/modbus-slave/pdu';
import { RtuFramer, encodeRtuFrame, type RtuRequest } from '../../nodes/common/simulator/modbus-slave/rtu-framer';

/** A device with 100 words and 100 bits in each table; address 50 of every table throws a device failure. */
class MemoryDevice implements ModbusDevice {
  readonly faults = noFaults();
  readonly holding = Array.from({ length: 100 }, (_, i) => i * 3);
  readonly input = Array.from({ length: 100 }, (_, i) => 0xff00 + i);
  readonly coils = Array.from({ length: 100 }, (_, i) => i % 3 === 0);
  readonly discretes = Array.from({ length: 100 }, (_, i) => i % 2 === 1);
  constructor(readonly unitId = 1) {}

  private check(address: number, count: number): void {
    if (address + count > 100) throw new ModbusException(2);
    if (address <= 50 && address + count > 50) throw new Error('sensor broke');
  }
  readRegisters(table: 'input' | 'holding', address: number, count: number): number[] {
    this.check(address, count);
    return (table === 'input' ? this.input : this.holding).slice(address, address + count);
  }
  writeRegisters(address: number, values: number[]): void {
    this.check(address, values.length);
    values.forEach((v, i) => (this.holding[address + i] = v));
  }
  readBits(table: 'coil' | 'discrete', address: number, count: number): boolean[] {
    this.check(address, count);
    return (table === 'coil' ? this.coils : this.discretes).slice(address, address + count);
  }
  writeCoil(address: number, value: boolean): void {
    this.check(address, 1);
    this.coils[address] = value;
  }
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const rtu = (unit: number, pdu: string): Buffer => encodeRtuFrame(unit, hex(pdu));

describe('modbus slave', () => {
  describe('crc16', () => {
    it('matches the request 01 03 00 00 00 0A -> C5 CD', () => {
      assert.deepEqual(withCrc(hex('01 03 00 00 00 0A')), hex('01 03 00 00 00 0A C5 CD'));
      assert.equal(crc16(hex('01 03 00 00 00 0A')), 0xcdc5);
    });

    it('gives the CRC-16/MODBUS check value for "123456789"', () => {
      assert.equal(crc16(Buffer.from('123456789', 'ascii')), 0x4b37);
    });

    it('checks a frame and rejects one with a flipped bit', () => {
      const frame = hex('11 03 00 6B 00 03 76 87');
      assert.equal(hasValidCrc(frame), true);
      frame[3] ^= 0x01;
      assert.equal(hasValidCrc(frame), false);
      assert.equal(hasValidCrc(hex('01')), false);
    });

    it('breaks the CRC of an answer when asked to', () => {
      assert.equal(hasValidCrc(encodeRtuFrame(1, hex('03 02 00 01'))), true);
      assert.equal(hasValidCrc(encodeRtuFrame(1, hex('03 02 00 01'), true)), false);
    });
  });

  describe('pdu', () => {
    let device: MemoryDevice;
    beforeEach(() => (device = new MemoryDevice()));

    it('FC3 reads holding registers', () => {
      assert.deepEqual(handlePdu(device, hex('03 0002 0003')), hex('03 06 0006 0009 000C'));
    });

    it('FC4 reads input registers', () => {
      assert.deepEqual(handlePdu(device, hex('04 0000 0002')), hex('04 04 FF00 FF01'));
    });

    it('FC1 reads coils packed low bit first', () => {
      // coils 0..9: 1 0 0 1 0 0 1 0 | 0 1
      assert.deepEqual(handlePdu(device, hex('01 0000 000A')), hex('01 02 49 02'));
    });

    it('FC2 reads discrete inputs', () => {
      // discretes 1..8: 1 0 1 0 1 0 1 0
      assert.deepEqual(handlePdu(device, hex('02 0001 0008')), hex('02 01 55'));
    });

    it('FC5 writes a coil and echoes the request', () => {
      assert.deepEqual(handlePdu(device, hex('05 0001 FF00')), hex('05 0001 FF00'));
      assert.equal(device.coils[1], true);
      assert.deepEqual(handlePdu(device, hex('05 0000 0000')), hex('05 0000 0000'));
      assert.equal(device.coils[0], false);
    });

    it('FC5 refuses a coil value other than FF00 or 0000', () => {
      assert.deepEqual(handlePdu(device, hex('05 0001 1234')), hex('85 03'));
    });

    it('FC6 writes one register and echoes the request', () => {
      assert.deepEqual(handlePdu(device, hex('06 0004 ABCD')), hex('06 0004 ABCD'));
      assert.equal(device.holding[4], 0xabcd);
    });

    it('FC15 writes coils', () => {
      assert.deepEqual(handlePdu(device, hex('0F 0010 000A 02 CD 01')), hex('0F 0010 000A'));
      assert.deepEqual(device.coils.slice(16, 26), [true, false, true, true, false, false, true, true, true, false]);
    });

    it('FC15 refuses a byte count that does not fit the count', () => {
      assert.deepEqual(handlePdu(device, hex('0F 0010 000A 01 CD')), hex('8F 03'));
    });

    it('FC16 writes registers', () => {
      assert.deepEqual(handlePdu(device, hex('10 0001 0002 04 000A 0102')), hex('10 0001 0002'));
      assert.deepEqual(device.holding.slice(1, 3), [0x000a, 0x0102]);
    });

    it('FC16 refuses a byte count that does not fit the count', () => {
      assert.deepEqual(handlePdu(device, hex('10 0001 0002 02 000A')), hex('90 03'));
    });

    it('refuses register counts outside 1..125 and bit counts outside 1..2000 with exception 3', () => {
      assert.deepEqual(handlePdu(device, hex('03 0000 0000')), hex('83 03'));
      assert.deepEqual(handlePdu(device, hex('04 0000 007E')), hex('84 03'));
      assert.deepEqual(handlePdu(device, hex('01 0000 07D1')), hex('81 03'));
      assert.deepEqual(handlePdu(device, hex('02 0000 0000')), hex('82 03'));
      assert.deepEqual(handlePdu(device, hex('10 0000 007C F8')), hex('90 03'));
    });

    it('refuses a truncated request with exception 3', () => {
      assert.deepEqual(handlePdu(device, hex('03 0000')), hex('83 03'));
    });

    it('passes on the exception code a device throws', () => {
      assert.deepEqual(handlePdu(device, hex('03 0062 0004')), hex('83 02'));
      assert.deepEqual(handlePdu(device, hex('05 0064 FF00')), hex('85 02'));
    });

    it('answers any other failure of the device with exception 4', () => {
      assert.deepEqual(handlePdu(device, hex('04 0030 0004')), hex('84 04'));
    });

    it('answers an unsupported function code with exception 1', () => {
      assert.deepEqual(handlePdu(device, hex('2B 0E 01 00')), hex('AB 01'));
      assert.deepEqual(handlePdu(device, hex('11')), hex('91 01'));
    });

    it('refuses a read running past address 0xFFFF with exception 2', () => {
      assert.deepEqual(handlePdu(device, hex('03 FFFF 0002')), hex('83 02'));
    });
  });

  describe('rtu framer', () => {
    const read = rtu(1, '03 0000 000A');
    const write = rtu(2, '10 9013 0003 06 1E00 0C15 1803');

    const frames = (requests: RtuRequest[]) => requests.map((r) => encodeRtuFrame(r.unitId, r.pdu).toString('hex'));

    it('cuts a whole frame', () => {
      const out = new RtuFramer().push(read);
      assert.deepEqual(out, [{ unitId: 1, pdu: hex('03 0000 000A') }]);
    });

    it('waits for the rest of a frame split byte by byte', () => {
      const framer = new RtuFramer();
      for (let i = 0; i < write.length - 1; i++) assert.deepEqual(framer.push(write.subarray(i, i + 1)), []);
      assert.deepEqual(frames(framer.push(write.subarray(-1))), [write.toString('hex')]);
      assert.equal(framer.pending, 0);
    });

    it('cuts merged frames and keeps a trailing partial one', () => {
      const framer = new RtuFramer();
      const stream = Buffer.concat([read, write, read]);
      assert.deepEqual(frames(framer.push(stream.subarray(0, read.length + write.length + 3))), [
        read.toString('hex'),
        write.toString('hex'),
      ]);
      assert.deepEqual(frames(framer.push(stream.subarray(read.length + write.length + 3))), [read.toString('hex')]);
    });

    it('drops a frame with a bad CRC and finds the next one', () => {
      const bad = Buffer.from(read);
      bad[bad.length - 1] ^= 0x55;
      assert.deepEqual(frames(new RtuFramer().push(Buffer.concat([bad, write]))), [write.toString('hex')]);
    });

    it('finds a frame after noise that looks like the start of a long write', () => {
      const framer = new RtuFramer();
      // "01 10 ... FF" announces 255 data bytes that never come.
      assert.deepEqual(framer.push(hex('01 10 0000 0010 FF 12')), []);
      assert.deepEqual(frames(framer.push(read)), [read.toString('hex')]);
    });

    it('skips bytes that cannot start a frame', () => {
      assert.deepEqual(frames(new RtuFramer().push(Buffer.concat([hex('FF 00 F8 83'), read]))), [read.toString('hex')]);
    });

    it('takes a request with an unknown function code as far as the received bytes go', () => {
      const identify = rtu(1, '2B 0E 01 00');
      assert.deepEqual(new RtuFramer().push(identify), [{ unitId: 1, pdu: hex('2B 0E 01 00') }]);
    });

    it('never throws and never holds more than two frames of bytes, whatever arrives', () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }), (chunks) => {
          const framer = new RtuFramer();
          for (const chunk of chunks) {
            for (const request of framer.push(chunk)) {
              assert.ok(request.unitId <= 247);
              assert.ok(request.pdu.length >= 1 && request.pdu.length <= 253);
            }
            assert.ok(framer.pending < 2 * 256 + chunk.length);
          }
        }),
        { numRuns: 500 },
      );
    });

    it('returns exactly the frames sent, however the stream is cut', () => {
      const request = fc.oneof(
        fc.record({ unit: fc.integer({ min: 0, max: 247 }), fc: fc.integer({ min: 1, max: 6 }), data: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
        fc.record({ unit: fc.integer({ min: 0, max: 247 }), fc: fc.constantFrom(15, 16), data: fc.uint8Array({ maxLength: 40 }) }).map((r) => ({
          ...r,
          data: Buffer.concat([Buffer.from([0, 1, 0, r.data.length >> 1, r.data.length]), r.data]),
        })),
      );
      fc.assert(
        fc.property(fc.array(request, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }), (requests, cuts) => {
          const sent = requests.map((r) => encodeRtuFrame(r.unit, Buffer.concat([Buffer.from([r.fc]), r.data])));
          const stream = Buffer.concat(sent);
          const framer = new RtuFramer();
          const received: RtuRequest[] = [];
          let at = 0;
          for (const cut of cuts) {
            received.push(...framer.push(stream.subarray(at, at + cut)));
            at += cut;
          }
          received.push(...framer.push(stream.subarray(Math.min(at, stream.length))));
          assert.deepEqual(frames(received), sent.map((f) => f.toString('hex')));
        }),
        // A 16-bit CRC can match by chance (about once in 65536 tries); a fixed seed keeps the run repeatable.
        { numRuns: 300, seed: 20240601 },
      );
    });
  });
});
