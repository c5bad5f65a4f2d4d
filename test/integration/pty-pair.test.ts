// The simulators' serial line: two pseudo-terminals relayed in this process, opened through serialport at both
// ends as a simulator and a client open them. Needs nothing installed but the npm packages.
import assert from 'node:assert/strict';
import { constants, openSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { SerialPort } from 'serialport';
import { characterMs, type LineFrame } from '../../nodes/common/line-frame';
import type { WireBurst } from '../../nodes/common/simulator/paced-line';
import { openPtyPair, type PtyPair } from '../../nodes/common/simulator/pty-pair';

async function openPort(path: string, frame: Partial<LineFrame> = {}): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, ...frame, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}

/** Resolves with the first `n` bytes the port receives and when (performance.now()) the last of them came. */
function receive(port: SerialPort, n: number): Promise<{ bytes: Buffer; atMs: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length < n) return;
      port.off('data', onData);
      resolve({ bytes: Buffer.concat(chunks).subarray(0, n), atMs: performance.now() });
    };
    port.on('data', onData);
  });
}

const EVERY_BYTE = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe('pty pair (the simulators serial line)', function () {
  this.timeout(20000);
  let pair: PtyPair | undefined;
  const ports: SerialPort[] = [];

  afterEach(async () => {
    for (const port of ports.splice(0)) await closePort(port);
    await pair?.close();
    pair = undefined;
  });

  async function ends(frame: Partial<LineFrame> = {}) {
    const device = await openPort(pair!.devicePath, frame);
    const client = await openPort(pair!.clientPath, frame);
    ports.push(device, client);
    return { device, client };
  }

  it('needs no program on PATH (no socat)', async () => {
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      pair = await openPtyPair();
    } finally {
      process.env.PATH = path;
    }
    const { device, client } = await ends();
    const heard = receive(device, 3);
    client.write(Buffer.from([1, 2, 3]));
    assert.deepEqual((await heard).bytes, Buffer.from([1, 2, 3]));
  });

  it('passes every byte 0x00-0xFF unchanged both ways: no echo, no CR/NL mapping, no XON/XOFF, no ^C', async () => {
    pair = await openPtyPair();
    const { device, client } = await ends();
    // Twice over, and the control characters a terminal would act on once more on their own.
    const payload = Buffer.concat([EVERY_BYTE, EVERY_BYTE, Buffer.from([0x03, 0x0d, 0x0a, 0x11, 0x13, 0x04, 0x1a, 0x7f, 0x00])]);
    const atDevice = receive(device, payload.length);
    client.write(payload);
    assert.deepEqual((await atDevice).bytes, payload);
    const atClient = receive(client, payload.length);
    device.write(payload);
    assert.deepEqual((await atClient).bytes, payload);
    // Nothing came back to the sender: no echo.
    const echo = await Promise.race([receive(client, 1).then(() => 'echo'), new Promise((r) => setImmediate(() => setTimeout(r, 50, 'quiet')))]);
    assert.equal(echo, 'quiet');
  });

  it('makes both ends raw itself, before any program sets them (a device end opened without serialport)', async () => {
    pair = await openPtyPair();
    const client = await openPort(pair.clientPath);
    ports.push(client);
    const device = new ReadStream(openSync(pair.devicePath, constants.O_RDWR | constants.O_NOCTTY));
    try {
      const got: Buffer[] = [];
      const heard = new Promise<void>((resolve) =>
        device.on('data', (chunk: Buffer) => {
          got.push(chunk);
          if (Buffer.concat(got).length >= 5) resolve();
        }),
      );
      const echoed: Buffer[] = [];
      client.on('data', (chunk: Buffer) => echoed.push(chunk));
      // No newline: a terminal in line mode would hold these back, and map CR, and echo them.
      client.write(Buffer.from([0x41, 0x0d, 0x13, 0x03, 0x42]));
      await heard;
      assert.deepEqual(Buffer.concat(got), Buffer.from([0x41, 0x0d, 0x13, 0x03, 0x42]));
      device.write(Buffer.from([0x0a]));
      await new Promise<void>((resolve) => client.once('data', () => resolve()));
      assert.deepEqual(Buffer.concat(echoed), Buffer.from([0x0a]), 'no echo, and NL not turned into CR NL');
    } finally {
      device.destroy();
    }
  });

  it('keeps the line up when the client closes its port and opens it again', async () => {
    pair = await openPtyPair();
    const { device, client } = await ends();
    await closePort(client);
    const again = await openPort(pair.clientPath);
    ports.push(again);
    const heard = receive(device, 2);
    again.write(Buffer.from([0xaa, 0x55]));
    assert.deepEqual((await heard).bytes, Buffer.from([0xaa, 0x55]));
  });

  it('paced: a byte arrives no sooner than its character time at the configured baud and frame (9600 8E2)', async () => {
    const frame: LineFrame = { baudRate: 9600, dataBits: 8, parity: 'even', stopBits: 2 };
    const bursts: WireBurst[] = [];
    pair = await openPtyPair({ frame, paced: true, onBurst: (b) => bursts.push(b) });
    const { device, client } = await ends(frame);
    // 12 bits a character at 9600 baud: 1.25 ms; 80 bytes take 100 ms on the wire.
    assert.equal(characterMs(frame), 1.25);
    const heard = receive(device, 80);
    const sentAt = performance.now();
    client.write(Buffer.alloc(80, 0x5a));
    const { bytes, atMs } = await heard;
    assert.deepEqual(bytes, Buffer.alloc(80, 0x5a));
    assert.ok(atMs - sentAt >= 100, `80 characters of 1.25 ms arrived after ${(atMs - sentAt).toFixed(2)} ms`);
    assert.equal(bursts.length, 1);
    // Times are performance.now() floats: start + 100 - start may miss 100 by an ulp.
    assert.ok(Math.abs(bursts[0].endMs - bursts[0].startMs - 100) < 1e-9, `burst took ${bursts[0].endMs - bursts[0].startMs} ms`);
  });

  it('paced: one talker at a time, and the device answers no sooner than its turnaround', async () => {
    const frame: LineFrame = { baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1 };
    const bursts: WireBurst[] = [];
    pair = await openPtyPair({ frame, paced: true, turnaroundMs: 5, onBurst: (b) => bursts.push(b) });
    const { device, client } = await ends(frame);
    const request = receive(device, 8);
    client.write(Buffer.alloc(8, 1));
    await request;
    const answer = receive(client, 20);
    // Listening before anything is sent: the 4 bytes may reach the device in the same turn as the answer ends.
    const talkedOver = receive(device, 4);
    device.write(Buffer.alloc(20, 2));
    // The client talks over the answer: on a half-duplex line its bytes wait for the wire.
    client.write(Buffer.alloc(4, 3));
    await answer;
    await talkedOver;
    assert.deepEqual(bursts.map((b) => [b.from, b.bytes.length]), [['client', 8], ['device', 20], ['client', 4]]);
    assert.ok(bursts[1].startMs - bursts[0].endMs >= 5, 'turnaround');
    assert.ok(bursts[2].startMs >= bursts[1].endMs, 'no two talkers at once');
  });
});
