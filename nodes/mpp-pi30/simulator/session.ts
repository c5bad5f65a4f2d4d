// One byte stream into the simulated inverter (a TCP connection, a serial line, a USB HID pipe): commands are
// cut at their CR and answered one at a time, in order, with the simulator's faults applied on the way out.
// The line's own timing is the transport's: a paced pty pair (common/simulator/pty-pair) delivers at the baud rate.
import { CR } from '../protocol/frame';
import type { Pi30Simulator } from './inverter';

export interface SessionIo {
  write(bytes: Buffer): void;
  /** Ends the link from the inverter's side (socket closed, USB device gone). */
  drop(): void;
}

/** A command longer than this without CR is noise; it is dropped so the stream gets back in step. */
const MAX_COMMAND_BYTES = 64;

export interface Session {
  push(chunk: Buffer): void;
  /** Stops pending replies; nothing is written after it. */
  close(): void;
}

export function pi30Session(sim: Pi30Simulator, io: SessionIo): Session {
  let buffer = Buffer.alloc(0);
  let queue: Promise<void> = Promise.resolve();
  let closed = false;
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  const sleep = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const entry = {
            resolve,
            timer: setTimeout(() => {
              timers.delete(entry);
              resolve();
            }, ms),
          };
          timers.add(entry);
        });

  async function answer(frame: Buffer): Promise<void> {
    if (closed) return;
    const faults = sim.faults;
    if (faults.dropLink) {
      faults.dropLink = false;
      io.drop();
      return;
    }
    if (faults.silent) return;
    let reply = sim.answerFrame(frame);
    if (faults.corruptCrc) reply = withBrokenCrc(reply);
    if (faults.truncate) reply = reply.subarray(0, Math.max(1, Math.floor(reply.length / 2)));
    await sleep(faults.delayMs);
    if (!closed) io.write(reply);
  }

  return {
    push(chunk) {
      if (closed) return;
      buffer = buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffer, chunk]);
      for (let end = buffer.indexOf(CR); end >= 0; end = buffer.indexOf(CR)) {
        const frame = buffer.subarray(0, end + 1);
        buffer = buffer.subarray(end + 1);
        queue = queue.then(() => answer(frame));
      }
      if (buffer.length > MAX_COMMAND_BYTES) buffer = Buffer.alloc(0);
    },
    close() {
      closed = true;
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      timers.clear();
    },
  };
}

/** The reply with each CRC byte changed, never into a framing byte, so it still ends at its CR. */
function withBrokenCrc(reply: Buffer): Buffer {
  const out = Buffer.from(reply);
  for (const at of [out.length - 3, out.length - 2]) {
    let byte = (out[at] + 1) & 0xff;
    while (byte === 0x0d || byte === 0x0a || byte === 0x28) byte = (byte + 1) & 0xff;
    out[at] = byte;
  }
  return out;
}
