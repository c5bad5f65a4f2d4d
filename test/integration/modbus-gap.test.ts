// The Modbus RTU quiet gap, measured on the line itself: a pty relay paced like a real 115200 baud line
// records when every frame starts and ends on the wire, and each frame the bus sends must come at least
// 3.5 character times after the frame before it. Above 19200 baud the spec fixes that at 1.75 ms (Modbus over
// Serial Line Specification and Implementation Guide V1.02, section 2.5.1.1, "MODBUS Message RTU Framing").
// A minimum the line must keep, not a speed: nothing here bounds how long anything takes.
import assert from 'node:assert/strict';
import { servePty, type PtyEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { characterMs, DEFAULT_FRAME } from '../../nodes/common/line-frame';
import type { LineEnd, WireBurst } from '../../nodes/common/simulator/paced-line';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { interFrameGapMs, parseBusSettings } from '../../nodes/modbus-bus/bus-config';
import { ModbusConnection } from '../../nodes/modbus-bus/connection';

interface Frame {
  from: LineEnd;
  startMs: number;
  endMs: number;
}

/** Bursts of one talker less than 1.5 characters apart are one frame (the spec's inter-character limit). */
function framesOf(bursts: readonly WireBurst[], charMs: number): Frame[] {
  const frames: Frame[] = [];
  for (const b of bursts) {
    const last = frames.at(-1);
    if (last && last.from === b.from && b.startMs - last.endMs < 1.5 * charMs) last.endMs = b.endMs;
    else frames.push({ from: b.from, startMs: b.startMs, endMs: b.endMs });
  }
  return frames;
}

describe('Modbus RTU quiet gap on a paced 115200 baud line', function () {
  this.timeout(60000);
  let line: PtyEndpoint | undefined;
  let connection: ModbusConnection | undefined;

  afterEach(async () => {
    await connection?.shutdown();
    await line?.close();
  });

  it('leaves at least 3.5 characters (1.75 ms) before every frame the bus sends, over many back-to-back transactions to several units', async () => {
    const units = [1, 2, 3, 4];
    const bursts: WireBurst[] = [];
    line = await servePty(units.map((unitId) => new EpeverSimulator({ unitId })), { paced: true, onBurst: (b) => bursts.push(b) });
    const settings = parseBusSettings({ transport: 'serial', path: line.path, baudRate: DEFAULT_FRAME.baudRate, timeoutMs: 2000, retries: 0 });
    assert.equal(settings.gapMs, 1.75, 'the bus asks for the spec gap');
    assert.equal(interFrameGapMs(settings.serial), 1.75);
    connection = new ModbusConnection(settings);
    connection.register('gap-test');
    const open = connection;

    // Rounds of requests queued all at once, so the next frame always waits for the gap and nothing else.
    const transactions = 400;
    for (let done = 0; done < transactions; done += 40) {
      await Promise.all(Array.from({ length: 40 }, (_, i) => open.unit(units[(done + i) % units.length]).readInputRegisters(0x3100, 4 + (i % 3))));
    }

    const frames = framesOf(bursts, characterMs(DEFAULT_FRAME));
    const sent = frames.filter((f) => f.from === 'client');
    assert.equal(sent.length, transactions, 'one request frame each');
    assert.equal(frames.length, 2 * transactions, 'one answer each');
    const gaps = frames.slice(1).flatMap((f, i) => (f.from === 'client' ? [f.startMs - frames[i].endMs] : []));
    const short = gaps.filter((g) => g < 1.75);
    assert.equal(short.length, 0, `${short.length} of ${gaps.length} gaps before a request were under 1.75 ms (smallest ${Math.min(...gaps).toFixed(3)} ms)`);
  });
});
