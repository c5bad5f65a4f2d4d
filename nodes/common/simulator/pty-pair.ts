// A serial line without hardware: two pseudo-terminals whose master ends this process relays to each other (as
// socat did). A simulator opens one slave end through `serialport`, a client opens the other as it would open
// /dev/ttyUSB0. The relay can pace the bytes at the line's baud rate, which a pty alone ignores.
import { closeSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadStream } from 'node:tty';
import { SerialPort } from 'serialport';
import { messageOf } from '../errors';
import { DEFAULT_FRAME, type LineFrame } from '../line-frame';
import { PacedLine, type LineEnd, type WireBurst } from './paced-line';

export interface PtyPair {
  /** The simulated device's end. */
  readonly devicePath: string;
  /** The client's end. */
  readonly clientPath: string;
  /** Stops the relay, closes the terminals and removes the links; safe to call more than once. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** The line's settings, put on both ends as on a real port. Default 115200 8N1. */
  frame?: Partial<LineFrame>;
  /** Deliver bytes at the frame's speed, one talker at a time, as on a real RS-485 line. Default off. */
  paced?: boolean;
  /** Paced only: the device starts answering no sooner than this after the last byte it heard. Default 0. */
  turnaroundMs?: number;
  /** Paced only: hears every transmission with its times on the wire. */
  onBurst?: (burst: WireBurst) => void;
}

/** What @lydell/node-pty's binary offers: openpty(3), with both ends non-blocking and close-on-exec. */
interface PtyBinary {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}

let binary: PtyBinary | undefined;

/**
 * Loaded on first use: @lydell/node-pty is an optional dependency (prebuilt, no compiler or system package),
 * needed only by the simulators' serial line. Its JS `open()` would read the slave end in this process and take
 * the bytes meant for whoever opens it, so the binary's openpty is used directly.
 */
function ptyBinary(): PtyBinary {
  if (binary) return binary;
  try {
    // Loaded on first use: the package is optional, and only simulators open pseudo-terminals.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { requireBinary } = require('@lydell/node-pty/requireBinary') as { requireBinary(file: string): PtyBinary };
    binary = requireBinary('pty.node');
    return binary;
  } catch (err) {
    throw new Error(`a simulated serial line needs the optional package @lydell/node-pty (npm install @lydell/node-pty): ${messageOf(err)}`, { cause: err });
  }
}

interface Terminal {
  readonly end: LineEnd;
  readonly master: ReadStream;
  readonly slave: number;
  readonly link: string;
}

export async function openPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const pty = ptyBinary();
  const frame: LineFrame = { ...DEFAULT_FRAME, ...options.frame };
  const dir = await mkdtemp(join(tmpdir(), 'solar-telemetry-pty-'));
  const terminals: Terminal[] = [];
  let line: PacedLine | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      line?.close();
      for (const t of terminals) {
        t.master.destroy();
        // The slave stays open here until the end, so a client closing its port never hangs the line up.
        closeSync(t.slave);
      }
      await rm(dir, { recursive: true, force: true });
    })());

  try {
    for (const end of ['device', 'client'] as const) {
      const opened = pty.open(80, 24);
      const master = new ReadStream(opened.master);
      // An error here (the fd gone) leaves the line dead, as an unplugged adapter; close() still works.
      master.on('error', () => undefined);
      const link = join(dir, end);
      terminals.push({ end, master, slave: opened.slave, link });
      await symlink(opened.pty, link);
      await setRaw(link, frame);
    }
    const [device, client] = terminals;
    const write = (to: LineEnd, bytes: Buffer) => {
      const master = to === 'device' ? device.master : client.master;
      if (!master.destroyed) master.write(bytes);
    };
    const paced = (line = options.paced ? new PacedLine({ frame, turnaroundMs: options.turnaroundMs }, write, { onBurst: options.onBurst }) : undefined);
    for (const t of terminals) {
      const other: LineEnd = t.end === 'device' ? 'client' : 'device';
      t.master.on('data', (chunk: Buffer) => (paced ? paced.send(t.end, chunk) : write(other, chunk)));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { devicePath: terminals[0].link, clientPath: terminals[1].link, close };
}

/**
 * Raw mode, as a serial port is: no echo, no line editing, no CR/NL mapping, no XON/XOFF, no signals from
 * ^C. serialport's open sets exactly that (its termios: c_iflag IGNPAR, c_oflag 0, c_lflag 0), and the
 * setting stays with the terminal while this process holds its slave end.
 */
async function setRaw(path: string, frame: LineFrame): Promise<void> {
  const port = new SerialPort({ path, ...frame, hupcl: false, lock: false, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve, reject) => port.close((err) => (err ? reject(err) : resolve())));
}
