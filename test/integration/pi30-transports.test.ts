// The PI30 line over real transports: a TCP serial bridge and a serial pseudo-terminal through `serialport`,
// with the simulator misbehaving on the far end.
import { characterMs, DEFAULT_FRAME } from '../../nodes/common/line-frame';
import type { WireBurst } from '../../nodes/common/simulator/paced-line';
import { encodeReply } from '../../nodes/mpp-pi30/protocol/frame';
import assert from 'node:assert/strict';
import { exchangeThrough, type Exchange } from '../../nodes/mpp-pi30/protocol/exchange';
import { servePi30Pty, servePi30Tcp, type Pi30PtyEndpoint, type TcpEndpoint } from '../../nodes/mpp-pi30/simulator/serve';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { Pi30Connection, type LinkStatus } from '../../nodes/pi30-port/connection';
import { parsePortSettings, type PortSettings } from '../../nodes/pi30-port/port-config';

const NOON = () => new Date('2026-06-21T12:00:00Z');

function settingsFor(raw: Record<string, unknown>): PortSettings {
  return { ...parsePortSettings({ timeoutMs: 400, ...raw }), reconnect: { initialMs: 50, maxMs: 200 }, deviceBackoff: { initialMs: 150, maxMs: 300 } };
}

function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => (check() ? resolve() : Date.now() > deadline ? reject(new Error(`timed out waiting for ${what}`)) : setTimeout(poll, 10));
    poll();
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PI30 over a TCP serial bridge', function () {
  this.timeout(10000);
  let sim: Pi30Simulator;
  let server: TcpEndpoint;
  let connection: Pi30Connection;
  let exchange: Exchange;

  beforeEach(async () => {
    sim = new Pi30Simulator({ now: NOON });
    server = await servePi30Tcp(sim, { port: 0 });
    connection = new Pi30Connection(settingsFor({ transport: 'tcp', host: '127.0.0.1', port: server.port }));
    connection.register('test');
    exchange = exchangeThrough((op) => connection.transact(op));
  });

  afterEach(async () => {
    await connection.deregister('test');
    await server.close();
  });

  it('runs queries and setters one at a time, in order, even when sent together', async () => {
    const replies = await Promise.all(['QMOD', 'POP00', 'QPIRI', 'QMOD'].map((c) => exchange(c)));
    assert.deepEqual(sim.received, ['QMOD', 'POP00', 'QPIRI', 'QMOD']);
    assert.deepEqual(replies[1], { kind: 'ack' });
    assert.deepEqual(replies[3], { kind: 'data', text: 'L' });
  });

  it('retries a reply with a bad CRC once, then reports it as garbled', async () => {
    sim.faults.corruptCrc = true;
    await assert.rejects(exchange('QPIGS'), (err: unknown) => (err as { kind?: string }).kind === 'garbled' && /QPIGS: CRC error in reply \(/.test(String(err)));
    assert.deepEqual(sim.received, ['QPIGS', 'QPIGS'], 'one retry');
    sim.faults.corruptCrc = false;
    await pause(200);
    assert.equal((await exchange('QPIGS')).kind, 'data');
  });

  it('reports a reply cut short', async () => {
    sim.faults.truncate = true;
    await assert.rejects(exchange('QPIRI'), /reply cut short: \d+ bytes and no CR within 400 ms: \(230.0/);
  });

  it('does not take a late reply for the next command', async () => {
    connection.queue.close();
    const lenient = new Pi30Connection(settingsFor({ transport: 'tcp', host: '127.0.0.1', port: server.port, retries: 0 }));
    lenient.register('late');
    try {
      const run = exchangeThrough((op) => lenient.transact(op));
      sim.faults.delayMs = 500;
      await assert.rejects(run('QPIRI'), /no answer within 400 ms/);
      sim.faults.delayMs = 0;
      await pause(250);
      assert.deepEqual(await run('QMOD'), { kind: 'data', text: sim.answer('QMOD') });
    } finally {
      await lenient.deregister('late');
    }
  });

  it('reconnects after the bridge drops the connection', async () => {
    assert.equal((await exchange('QMOD')).kind, 'data');
    const states: LinkStatus[] = [];
    connection.on('status', (s: LinkStatus) => states.push(s));
    sim.faults.dropLink = true;
    await assert.rejects(exchange('QPIGS'), /port not connected: connection closed/);
    await waitFor(() => connection.linkStatus.state === 'connected', 2000, 'the reconnect');
    assert.deepEqual(
      states.map((s) => s.state),
      ['disconnected', 'connecting', 'connected'],
    );
    assert.equal(states[0].reason, 'connection closed');
    assert.equal((await exchange('QPIGS')).kind, 'data');
  });

  it('keeps retrying, with capped backoff, while the bridge is unreachable', async () => {
    await connection.deregister('test');
    await server.close();
    connection = new Pi30Connection(settingsFor({ transport: 'tcp', host: '127.0.0.1', port: server.port }));
    const states: LinkStatus[] = [];
    connection.on('status', (s: LinkStatus) => states.push(s));
    connection.register('test');
    await waitFor(() => states.filter((s) => s.state === 'disconnected').length >= 3, 3000, 'three failed attempts');
    const waits = states.filter((s) => s.state === 'disconnected').map((s) => s.retryInMs);
    assert.deepEqual(waits.slice(0, 3), [50, 100, 200]);
    assert.match(states.find((s) => s.state === 'disconnected')?.reason ?? '', /cannot connect to 127.0.0.1:\d+: .*ECONNREFUSED/);
  });
});

describe('PI30 over a serial line (pty pair, serialport, 2400 baud)', function () {
  this.timeout(20000);
  let sim: Pi30Simulator;
  let line: Pi30PtyEndpoint;
  let connection: Pi30Connection | undefined;

  afterEach(async () => {
    await connection?.deregister('test');
    await line?.close();
  });

  it('reads and sets through serialport on the pty', async () => {
    sim = new Pi30Simulator({ now: NOON });
    line = await servePi30Pty(sim);
    connection = new Pi30Connection(settingsFor({ transport: 'serial', path: line.path }));
    connection.register('test');
    const exchange = exchangeThrough((op) => connection!.transact(op));
    const reply = await exchange('QPIGS');
    assert.equal(reply.kind, 'data');
    assert.deepEqual(await exchange('POP01'), { kind: 'ack' });
    assert.deepEqual(await exchange('QMOD'), { kind: 'data', text: 'L' });
  });

  it('works at the pace of a real 2400 baud line', async () => {
    sim = new Pi30Simulator({ now: NOON });
    const bursts: WireBurst[] = [];
    line = await servePi30Pty(sim, { paced: true, onBurst: (burst) => bursts.push(burst) });
    connection = new Pi30Connection(settingsFor({ transport: 'serial', path: line.path, baudRate: 2400, timeoutMs: 2000 }));
    connection.register('test');
    const exchange = exchangeThrough((op) => connection!.transact(op));
    const reply = await exchange('QPIGS');
    const arrived = performance.now();
    assert.equal(reply.kind, 'data');
    assert.ok(reply.kind === 'data' && reply.text.split(' ').length === 24);
    // The reply crossed the line at 2400 baud 8N1, 10 bits (1000/240 ms) a byte, and was read only after that.
    const sent = bursts.filter((b) => b.from === 'device');
    const bytes = sent.reduce((n, b) => n + b.bytes.length, 0);
    assert.equal(bytes, encodeReply(reply.text).length);
    const onWire = sent[sent.length - 1].endMs - sent[0].startMs;
    assert.ok(onWire >= bytes * characterMs({ ...DEFAULT_FRAME, baudRate: 2400 }) - 1e-6, `${onWire} ms for ${bytes} bytes`);
    assert.ok(arrived >= sent[sent.length - 1].endMs, 'the reply was read before its last byte crossed the line');
  });
});
