// Whatever arrives on the wire or in a message, the PI30 engines answer with a result or a reported problem:
// they never throw where they should report, and never pass garbage off as a reading.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Pi30CommandError, parseCommand } from '../../nodes/mpp-pi30/commands';
import { crcBytes, decodeReply, encodeReply } from '../../nodes/mpp-pi30/protocol/frame';
import { parseReply } from '../../nodes/mpp-pi30/protocol/queries';
import { checkSetter, parseSetter, SetterError } from '../../nodes/mpp-pi30/protocol/setters';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { ReplyCollector } from '../../nodes/pi30-port/link';

const NOON = () => new Date('2026-06-21T12:00:00Z');
const QUERIES = ['QPIGS', 'QPIGS2', 'QPIRI', 'QDI', 'QMOD', 'QPIWS', 'QFLAG', 'QID', 'QVFW', 'QVFW2', 'QBEQI', 'QET', 'QEY2026', 'QEM202606', 'QED20260621', 'QLT', 'QMCHGCR', 'QMUCHGCR', 'QPGS0'];
const RUNS = { numRuns: 500, seed: 30 };

describe('PI30 fuzzing', () => {
  it('random bytes never crash the decoder; a decoded frame always has a matching CRC', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const decoded = decodeReply(bytes);
        if (!decoded.ok) return assert.ok(decoded.problem.length > 0);
        const buffer = Buffer.from(bytes);
        const end = buffer.indexOf(0x0d);
        const frame = buffer.subarray(decoded.skipped, end);
        assert.deepEqual([...frame.subarray(frame.length - 2)], crcBytes(frame.subarray(0, frame.length - 2)));
      }),
      RUNS,
    );
  });

  it('every truncation of a real reply is reported, never decoded', () => {
    const sim = new Pi30Simulator({ now: NOON });
    for (const query of QUERIES) {
      const full = encodeReply(sim.answer(query));
      for (let cut = 0; cut < full.length; cut++) {
        const decoded = decodeReply(full.subarray(0, cut));
        assert.equal(decoded.ok, false, `${query} cut at ${cut}`);
      }
      assert.equal(decodeReply(full).ok, true, query);
    }
  });

  it('flipping any bit of a QPIGS reply is caught', () => {
    const sim = new Pi30Simulator({ now: NOON });
    const full = encodeReply(sim.answer('QPIGS'));
    for (let at = 0; at < full.length - 1; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const broken = Buffer.from(full);
        broken[at] ^= 1 << bit;
        const decoded = decodeReply(broken);
        assert.equal(decoded.ok, false, `byte ${at} bit ${bit} went unnoticed`);
      }
    }
  });

  it('random reply text never crashes a parser; odd replies are reported, extras stay strings', () => {
    const text = fc.oneof(fc.string({ maxLength: 160 }), fc.array(fc.oneof(fc.stringMatching(/^[0-9]{1,5}(\.[0-9]{1,2})?$/), fc.constantFrom('-', 'x', '01', '10110110')), { maxLength: 40 }).map((t) => t.join(' ')));
    fc.assert(
      fc.property(fc.constantFrom(...QUERIES), text, (query, reply) => {
        const parsed = parseReply(query, reply);
        assert.equal(typeof parsed.values, 'object');
        for (const value of Object.values(parsed.extras)) assert.equal(typeof value, 'string');
        for (const issue of parsed.issues) assert.equal(typeof issue, 'string');
        for (const group of Object.values(parsed.values)) {
          if (typeof group !== 'object' || group === null) continue;
          for (const value of Object.values(group)) assert.ok(value === undefined || ['number', 'string', 'boolean'].includes(typeof value) || Array.isArray(value));
          for (const value of Object.values(group)) if (typeof value === 'number') assert.ok(Number.isFinite(value), `${query}: ${reply}`);
        }
      }),
      RUNS,
    );
  });

  it('random commands never crash the simulator: data, ACK or NAK', () => {
    const sim = new Pi30Simulator({ now: NOON });
    const command = fc.oneof(fc.string({ minLength: 1, maxLength: 16 }), fc.constantFrom('POP0', 'PBCV', 'MCHGC', 'PE', 'PD', 'QE', 'QED', 'F'), fc.constantFrom(...QUERIES));
    fc.assert(
      fc.property(command, (c) => {
        const reply = sim.answer(c);
        assert.equal(typeof reply, 'string');
        assert.ok(reply.length > 0);
      }),
      RUNS,
    );
  });

  it('random byte streams never crash the reply collector, and each reply it returns holds a (', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 20 }), (chunks) => {
        const collector = new ReplyCollector();
        for (const chunk of chunks) {
          const reply = collector.push(chunk);
          if (reply) {
            assert.equal(reply[reply.length - 1], 0x0d);
            assert.ok(reply.includes(0x28));
            collector.reset();
          }
        }
      }),
      RUNS,
    );
  });

  it('random input messages are a command or a Pi30CommandError, never anything else', () => {
    fc.assert(
      fc.property(fc.record({ command: fc.oneof(fc.string(), fc.anything(), fc.constantFrom('POP02', 'set', 'QPIRI', 'PBCV46.0')), payload: fc.anything() }, { requiredKeys: [] }), (msg) => {
        try {
          parseCommand({ ...(msg as Record<string, unknown>) });
        } catch (err) {
          assert.ok(err instanceof Pi30CommandError, String(err));
        }
      }),
      RUNS,
    );
  });

  it('random setter text is refused with a SetterError or checks out to a command the simulator can read', () => {
    const sim = new Pi30Simulator({ now: NOON });
    const context = { settings: { battery_rating_voltage: 48 }, chargingCurrents: [10, 20, 30], utilityChargingCurrents: [2, 10] };
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.tuple(fc.constantFrom('POP', 'PCP', 'PBT', 'PBCV', 'PSDV', 'MCHGC', 'MUCHGC', 'PE', 'PD', 'F'), fc.string({ maxLength: 5 })).map(([a, b]) => a + b));
    fc.assert(
      fc.property(text, (command) => {
        try {
          const checked = checkSetter(parseSetter(command), context);
          assert.ok(['ACK', 'NAK'].includes(sim.answer(checked.command)), checked.command);
        } catch (err) {
          assert.ok(err instanceof SetterError, `${command}: ${String(err)}`);
        }
      }),
      RUNS,
    );
  });
});
