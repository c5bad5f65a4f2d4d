import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findRtuAnswer, rtuRequestFrame } from '../../nodes/common/modbus/rtu-frame';
import { planReads, readBlocks, readGroup, RegisterWriteError, writeGroup } from '../../nodes/common/modbus/block-read';
import { decodeGroup, decodeRegister, encodeRegister, groupWords } from '../../nodes/common/modbus/register-codec';
import { defineRegister, rawRange, type RegisterFamily, type RegisterType, type WordOrder } from '../../nodes/common/modbus/register';
import type { ModbusUnit } from '../../nodes/common/modbus/unit';
import { ModbusException } from '../../nodes/common/simulator/modbus-slave/device';
import { handlePdu } from '../../nodes/common/simulator/modbus-slave/pdu';
import { SlaveBus, type BusReply } from '../../nodes/common/simulator/modbus-slave/bus';
import { RtuFramer, encodeRtuFrame } from '../../nodes/common/simulator/modbus-slave/rtu-framer';
import { METER_HOLDING, METER_INPUT, METER_RANGE, TestMeter } from '../support/test-meter';

const LOW_FIRST: RegisterFamily = { table: 'input', wordOrder: 'low-first' };
const HIGH_FIRST: RegisterFamily = { table: 'input', wordOrder: 'high-first' };
const HOLDING: RegisterFamily = { table: 'holding', wordOrder: 'low-first' };

describe('Modbus register codec', () => {
  it('puts the low word of a 32-bit value first or second as the word order says', () => {
    // 0x0001_86A0 = 100000
    const low = defineRegister(LOW_FIRST, 'power', 2, { type: 'u32', scale: 10 });
    const high = defineRegister(HIGH_FIRST, 'power', 2, { type: 'u32', scale: 10 });
    assert.deepEqual(encodeRegister(low, 10000), [0x86a0, 0x0001]);
    assert.deepEqual(encodeRegister(high, 10000), [0x0001, 0x86a0]);
    assert.equal(decodeRegister(low, [0, 0, 0x86a0, 0x0001], 0), 10000);
    assert.equal(decodeRegister(high, [0, 0, 0x0001, 0x86a0], 0), 10000);
  });

  it('reads a PZEM-017 frame the way ESPHome does: power and energy low word first', () => {
    // Input registers 0x0000-0x0007 (devices-and-services.md 3.1): 12.34 V, 5.67 A, 69.9 W, 123456 Wh, no alarms.
    const pzem = [
      defineRegister(LOW_FIRST, 'voltage', 0, { scale: 100, unit: 'V' }),
      defineRegister(LOW_FIRST, 'current', 1, { scale: 100, unit: 'A' }),
      defineRegister(LOW_FIRST, 'power', 2, { type: 'u32', scale: 10, unit: 'W' }),
      defineRegister(LOW_FIRST, 'energy', 4, { type: 'u32', unit: 'Wh' }),
    ] as const;
    const words = [1234, 567, 699, 0, 123456 & 0xffff, 123456 >>> 16, 0, 0];
    assert.deepEqual(decodeGroup(pzem, words, 0), { voltage: 12.34, current: 5.67, power: 69.9, energy: 123456 });
  });

  it('reads signed and unsigned 16- and 32-bit values, in both word orders', () => {
    const s16 = defineRegister(LOW_FIRST, 't', 0, { type: 's16', scale: 100 });
    const u16 = defineRegister(LOW_FIRST, 't', 0, { type: 'u16', scale: 100 });
    assert.equal(decodeRegister(s16, [0xfe0c], 0), -5);
    assert.equal(decodeRegister(u16, [0xfe0c], 0), 650.36);
    for (const family of [LOW_FIRST, HIGH_FIRST]) {
      const s32 = defineRegister(family, 'i', 0, { type: 's32', scale: 100 });
      const u32 = defineRegister(family, 'i', 0, { type: 'u32', scale: 100 });
      const words = encodeRegister(s32, -12.5);
      assert.deepEqual(family.wordOrder === 'low-first' ? words : [...words].reverse(), [0xfb1e, 0xffff]);
      assert.equal(decodeRegister(s32, words, 0), -12.5);
      assert.equal(decodeRegister(u32, words, 0), (0xfffffb1e) / 100);
    }
  });

  it('saturates values a register cannot hold instead of wrapping them', () => {
    const u16 = defineRegister(LOW_FIRST, 'v', 0, { scale: 100 });
    const s32 = defineRegister(HIGH_FIRST, 'v', 0, { type: 's32' });
    assert.deepEqual(encodeRegister(u16, 700), [0xffff]);
    assert.deepEqual(encodeRegister(u16, -1), [0]);
    assert.deepEqual(encodeRegister(s32, -1e12), [0x8000, 0x0000]);
  });

  it('round-trips every raw value of every type in both word orders', () => {
    const types: RegisterType[] = ['u16', 's16', 'u32', 's32'];
    const orders: WordOrder[] = ['low-first', 'high-first'];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.constantFrom(...orders), fc.constantFrom(1, 10, 100, 1000), fc.double({ min: 0, max: 1, noNaN: true }), (type, wordOrder, scale, share) => {
        const def = defineRegister({ table: 'input', wordOrder }, 'x', 10, { type, scale });
        const [min, max] = rawRange(def);
        const raw = Math.round(min + share * (max - min));
        assert.equal(decodeRegister(def, encodeRegister(def, raw / scale), 10), raw / scale);
      }),
    );
  });

  it('derives the word count from the type and refuses impossible definitions', () => {
    assert.equal(defineRegister(LOW_FIRST, 'a', 0, { type: 's32' }).words, 2);
    assert.equal(defineRegister(LOW_FIRST, 'a', 0).words, 1);
    assert.throws(() => defineRegister(LOW_FIRST, 'a', 0xffff, { type: 'u32' }), RangeError);
    assert.throws(() => defineRegister(LOW_FIRST, 'a', 0, { scale: 0 }), RangeError);
  });

  it('lays out a group with zeros in its gaps', () => {
    const group = [defineRegister(HOLDING, 'a', 10), defineRegister(HOLDING, 'b', 13, { type: 'u32' })] as const;
    assert.deepEqual(groupWords(group, { a: 7, b: 0x20003 }), [7, 0, 0, 3, 2]);
  });
});

describe('Modbus block planning by table', () => {
  const input = (address: number, type: RegisterType = 'u16') => defineRegister(LOW_FIRST, `i${address}`, address, { type });
  const holding = (address: number) => defineRegister(HOLDING, `h${address}`, address);

  it('bridges a gap only inside a range the device answers, per table', () => {
    const defs = [input(0), input(4, 'u32'), input(20), holding(0), holding(3)];
    const blocks = planReads(defs, { input: [[0, 10]], holding: [[0, 3]] });
    assert.deepEqual(
      blocks.map((b) => [b.table, b.start, b.count, b.members.length]),
      [
        ['input', 0, 6, 2],
        ['input', 20, 1, 1],
        ['holding', 0, 4, 2],
      ],
    );
  });

  it('never mixes input and holding registers at the same addresses', () => {
    const blocks = planReads([input(0), holding(0), input(1), holding(1)], { input: [[0, 9]], holding: [[0, 9]] });
    assert.deepEqual(blocks.map((b) => [b.table, b.start, b.count]), [['input', 0, 2], ['holding', 0, 2]]);
  });

  it('keeps every block within the maximum length, never splitting a 32-bit value', () => {
    const defs = Array.from({ length: 10 }, (_, i) => input(i * 2, 'u32'));
    const blocks = planReads(defs, { input: [[0, 100]] }, 5);
    assert.ok(blocks.every((b) => b.count <= 5), 'no block is longer than 5 words');
    assert.deepEqual(blocks.map((b) => [b.start, b.count]), [[0, 4], [4, 4], [8, 4], [12, 4], [16, 4]]);
  });

  it('does not bridge a gap when no range is known for the table', () => {
    const blocks = planReads([input(0), input(2)], {});
    assert.deepEqual(blocks.map((b) => [b.start, b.count]), [[0, 1], [2, 1]]);
  });
});

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** A ModbusUnit that talks to a device through the slave's PDU handler, so requests and answers are real PDUs. */
function unitOf(device: TestMeter): ModbusUnit {
  const call = (pdu: Buffer): Buffer => {
    const reply = handlePdu(device, pdu);
    if (reply[0] & 0x80) throw new ModbusException(reply[1] as 1 | 2 | 3 | 4);
    return reply;
  };
  const read = (fcode: number) => async (address: number, count: number) => {
    const reply = call(Buffer.from([fcode, address >> 8, address & 0xff, count >> 8, count & 0xff]));
    return Array.from({ length: count }, (_, i) => reply.readUInt16BE(2 + i * 2));
  };
  const unsupported = () => Promise.reject(new Error('not used'));
  return {
    readInputRegisters: read(4),
    readHoldingRegisters: read(3),
    readCoils: unsupported,
    readDiscreteInputs: unsupported,
    async writeRegisters(address, values) {
      const pdu = Buffer.alloc(6 + values.length * 2);
      pdu.writeUInt8(16, 0);
      pdu.writeUInt16BE(address, 1);
      pdu.writeUInt16BE(values.length, 3);
      pdu.writeUInt8(values.length * 2, 5);
      values.forEach((v, i) => pdu.writeUInt16BE(v, 6 + i * 2));
      call(pdu);
    },
    async writeRegister(address, value) {
      call(Buffer.from([6, address >> 8, address & 0xff, value >> 8, value & 0xff]));
    },
    writeCoil: unsupported,
    customFunction: async (functionCode, data) => call(Buffer.from([functionCode, ...data])).subarray(1),
  };
}

describe('register-image device', () => {
  // Each case: PDU exchanges on a fresh meter, in order, as request -> expected answer.
  const exchanges: Record<string, [request: string, answer: string][]> = {
    'answers FC4 and FC3 from the image the plant fills and the stored holding registers': [
      ['04 0000 0008', '04 10 04d2 0237 02bb 0000 e240 0001 0000 0000'],
      ['03 0000 0004', '03 08 7530 02bc 0001 0000'],
    ],
    'refuses a read that leaves the answered ranges with "illegal data address"': [
      ['04 0006 0003', '84 02'],
      ['03 0004 0001', '83 02'],
    ],
    'keeps an FC6 write, echoes it, and reads it back': [
      ['06 0003 0002', '06 0003 0002'],
      ['03 0003 0001', '03 02 0002'],
    ],
    'answers a write its hook refuses with "illegal data value" and keeps the old value': [
      ['06 0002 00f8', '86 03'],
      ['10 0000 0002 04 0001 0002', '90 03'],
      ['03 0002 0001', '03 02 0001'],
    ],
  };
  for (const [behaviour, steps] of Object.entries(exchanges)) {
    it(behaviour, () => {
      const meter = new TestMeter();
      for (const [request, answer] of steps) assert.deepEqual(handlePdu(meter, hex(request)), hex(answer), request);
    });
  }

  it('answers a custom function (0x42 energy reset) and refuses other unknown codes as illegal function', () => {
    const meter = new TestMeter();
    assert.deepEqual(handlePdu(meter, hex('42')), hex('42'));
    assert.equal(meter.energyWh, 0);
    assert.deepEqual(handlePdu(meter, hex('41 3721')), hex('c1 01'));
  });

  it('takes the 4-byte RTU reset request off the line and answers it as the meter does', () => {
    // The request and its echo are `01 42 80 11` (devices-and-services.md 3.1).
    const request = encodeRtuFrame(1, hex('42'));
    assert.deepEqual(request, hex('01 42 80 11'));
    const [parsed] = new RtuFramer().push(request);
    assert.deepEqual(encodeRtuFrame(parsed.unitId, handlePdu(new TestMeter(), parsed.pdu)), hex('01 42 80 11'));
  });

  it('answers the general address 0xF8 when alone on the bus; several meters answer it at once, garbled', async () => {
    const [request] = new RtuFramer().push(encodeRtuFrame(0xf8, hex('06 0002 0005')));
    assert.equal(request.unitId, 0xf8, 'the framer takes the general address off the line');
    const replies: BusReply[] = [];
    const alone = new TestMeter(1);
    await new SlaveBus([alone]).request(request.unitId, request.pdu, (r) => replies.push(r));
    assert.deepEqual(replies, [{ unitId: 0xf8, pdu: hex('06 0002 0005'), corruptCrc: false }]);
    assert.deepEqual(alone.readRegisters('holding', 2, 1), [5], 'the meter took its new address');
    const bus = new SlaveBus([alone]);
    await bus.request(1, hex('03 0002 0001'), (r) => replies.push(r));
    await bus.request(5, hex('03 0002 0001'), (r) => replies.push(r));
    assert.deepEqual(replies.slice(1), [{ unitId: 5, pdu: hex('03 02 0005'), corruptCrc: false }], 'it answers only at the new address');
    replies.length = 1;

    const crowd = [new TestMeter(1), new TestMeter(2)];
    await new SlaveBus(crowd).request(0xf8, hex('42'), (r) => replies.push(r));
    assert.equal(replies[1].corruptCrc, true);
    assert.deepEqual(crowd.map((m) => m.energyWh), [0, 0], 'both heard the reset');
  });

  it('serves block reads, group reads and a group write with read-back through a ModbusUnit', async () => {
    const meter = new TestMeter();
    const unit = unitOf(meter);
    const values = await readBlocks(unit, planReads([...METER_INPUT, ...METER_HOLDING], { input: [[0, 7]], holding: [[0, 3]] }));
    assert.deepEqual(values, { voltage: 12.34, current: 5.67, power: 69.9, energy: 123456, highAlarm: 300, lowAlarm: 7, address: 1, range: 0 });
    assert.deepEqual(await readGroup(unit, METER_HOLDING), { highAlarm: 300, lowAlarm: 7, address: 1, range: 0 });
    // This meter takes one register per write: the group write is refused, nothing changes.
    await assert.rejects(writeGroup(unit, METER_HOLDING, { highAlarm: 200, lowAlarm: 7, address: 1, range: 0 }), ModbusException);
    assert.equal((await readGroup(unit, METER_HOLDING)).highAlarm, 300);
    assert.deepEqual(await writeGroup(unit, METER_RANGE, { range: 2 }), [2]);
  });

  it('names the register a device did not keep after a group write', async () => {
    const meter = new TestMeter();
    const unit = unitOf(meter);
    const lying: ModbusUnit = { ...unit, writeRegisters: async () => undefined };
    const err = await writeGroup(lying, METER_RANGE, { range: 3 }).catch((e: unknown) => e);
    assert.ok(err instanceof RegisterWriteError);
    assert.deepEqual([err.address, err.written, err.kept], [3, 3, 0]);
  });
});

describe('raw RTU frames for custom function codes', () => {
  it('frames the PZEM energy reset as the manual gives it', () => {
    assert.deepEqual(rtuRequestFrame(1, 0x42, new Uint8Array()), hex('01 42 80 11'));
  });

  it('finds the answer after noise and a late answer of another unit, and waits while it is incomplete', () => {
    assert.equal(findRtuAnswer(hex('01 42 80'), 1, 0x42), undefined);
    const answer = findRtuAnswer(Buffer.concat([hex('ff 00'), rtuRequestFrame(2, 0x42, new Uint8Array()), hex('01 42 80 11')]), 1, 0x42);
    assert.deepEqual(answer, { kind: 'data', data: Buffer.alloc(0) });
    assert.deepEqual(findRtuAnswer(rtuRequestFrame(7, 0x41, hex('3721 00')), 7, 0x41), { kind: 'data', data: hex('3721 00') });
  });

  it('reads an exception answer', () => {
    assert.deepEqual(findRtuAnswer(rtuRequestFrame(1, 0xc2, hex('01')), 1, 0x42), { kind: 'exception', code: 1 });
  });
});
