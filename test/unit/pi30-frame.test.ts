import assert from 'node:assert/strict';
import { crcBytes, crcXmodem, decodeCommand, decodeReply, encodeCommand, encodeReply } from '../../nodes/mpp-pi30/protocol/frame';

const bytes = (text: string, ...tail: number[]) => Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from(tail)]);

describe('PI30 frame codec', () => {
  it('computes CRC-16/XMODEM (check value of "123456789" is 0x31C3)', () => {
    assert.equal(crcXmodem(Buffer.from('123456789')), 0x31c3);
  });

  it('frames QPIGS as the known vector QPIGS \\xB7\\xA9 \\r', () => {
    assert.deepEqual(encodeCommand('QPIGS'), bytes('QPIGS', 0xb7, 0xa9, 0x0d));
  });

  it('sends a CRC byte that would be LF, CR or ( one higher (POP02: raw E2 0A goes out as E2 0B)', () => {
    assert.equal(crcXmodem(Buffer.from('POP02')), 0xe20a);
    assert.deepEqual(encodeCommand('POP02'), bytes('POP02', 0xe2, 0x0b, 0x0d));
    // Every command of a large sample: no framing byte ever appears among the CRC bytes.
    for (let i = 0; i < 20000; i++) {
      const [high, low] = crcBytes(Buffer.from(`QED2026${String(i).padStart(4, '0')}`));
      for (const b of [high, low]) assert.ok(b !== 0x0d && b !== 0x0a && b !== 0x28, `QED2026${i}`);
    }
  });

  it('accepts known-good replies from real inverters (public captures)', () => {
    const known: [string, number, number, string][] = [
      ['(NAK', 0x73, 0x73, 'nak'],
      ['(ACK', 0x39, 0x20, 'ack'],
      ['(B', 0xe7, 0xc9, 'data'],
      ['(9293333010501', 0xbb, 0x07, 'data'],
      ['(VERFW:00072.70', 0x53, 0xa7, 'data'],
      ['(EakxyDbjuvz', 0x2f, 0x29, 'data'],
      ['(00000100000000001000000000000000', 0x56, 0xa6, 'data'],
      ['(000.0 00.0 230.0 49.9 0161 0119 003 460 57.50 012 100 0069 0014 103.8 57.45 00000 00110110 00 00 00856 010', 0x24, 0x8c, 'data'],
      ['(230.0 21.7 230.0 50.0 21.7 5000 4000 48.0 46.0 42.0 56.4 54.0 0 10 010 1 0 0 6 01 0 0 54.0 0 1', 0x6f, 0x7e, 'data'],
      ['(03.1 327.3 01026 ', 0xc9, 0x8b, 'data'],
    ];
    for (const [text, high, low, kind] of known) {
      const decoded = decodeReply(bytes(text, high, low, 0x0d));
      assert.ok(decoded.ok, `${text}: ${decoded.ok ? '' : decoded.problem}`);
      assert.equal(decoded.reply.kind, kind);
      if (decoded.reply.kind === 'data') assert.equal(decoded.reply.text, text.slice(1));
      assert.deepEqual(encodeReply(text.slice(1)), bytes(text, high, low, 0x0d), `${text} encodes the same`);
    }
  });

  it('reports a bad CRC, a missing CR, a missing ( and a frame too short, without throwing', () => {
    const good = encodeReply('B');
    const badCrc = Buffer.from(good);
    badCrc[2] ^= 0x01;
    const cases: [Buffer, RegExp][] = [
      [badCrc, /CRC error/],
      [good.subarray(0, good.length - 1), /no CR/],
      [Buffer.from('B\xe7\xc9\r', 'latin1'), /does not start with "\("/],
      [Buffer.from('(\r'), /too short/],
      [Buffer.alloc(0), /empty/],
    ];
    for (const [input, problem] of cases) {
      const decoded = decodeReply(input);
      assert.equal(decoded.ok, false);
      assert.match(decoded.ok ? '' : decoded.problem, problem);
    }
  });

  it('skips the tail of a late reply before the ( and says so', () => {
    const decoded = decodeReply(Buffer.concat([Buffer.from(' 010\x12'), encodeReply('L')]));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.reply, { kind: 'data', text: 'L' });
    assert.equal(decoded.skipped, 5);
  });

  it('refuses to encode what is not a command', () => {
    assert.throws(() => encodeCommand(''), RangeError);
    assert.throws(() => encodeCommand('QPI GS'), RangeError);
    assert.throws(() => encodeCommand('Q\rX'), RangeError);
    assert.throws(() => encodeCommand('Q'.repeat(33)), RangeError);
  });

  it('decodes commands on the simulator side, and refuses a bad CRC', () => {
    assert.deepEqual(decodeCommand(encodeCommand('PBCV48.0')), { ok: true, command: 'PBCV48.0' });
    assert.equal(decodeCommand(bytes('QPIGS', 0xb7, 0xa8, 0x0d)).ok, false);
    assert.equal(decodeCommand(bytes('QPIGS\r')).ok, false, 'no CRC');
  });
});
