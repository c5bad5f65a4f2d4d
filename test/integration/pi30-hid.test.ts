// The USB HID transport through node-hid's async interface, with the simulated inverter behind a fake device:
// report chunking, reply reassembly, the deadline, and a device that vanishes and comes back.
import assert from 'node:assert/strict';
import { exchangeThrough, type Exchange } from '../../nodes/mpp-pi30/protocol/exchange';
import { encodeCommand } from '../../nodes/mpp-pi30/protocol/frame';
import { parseQpigs } from '../../nodes/mpp-pi30/protocol/qpigs';
import { simulateHid, type SimulatedHid } from '../../nodes/mpp-pi30/simulator/hid';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { Pi30Connection, type LinkStatus } from '../../nodes/pi30-port/connection';
import { HidLink } from '../../nodes/pi30-port/hid-link';
import type { LinkLoss } from '../../nodes/pi30-port/link';
import { openLink } from '../../nodes/pi30-port/open-link';
import { parsePortSettings, type PortSettings } from '../../nodes/pi30-port/port-config';

const NOON = () => new Date('2026-06-21T12:00:00Z');

function settingsFor(raw: Record<string, unknown> = {}): PortSettings {
  // Short backoffs keep the test quick; the defaults (1 s, 5 s) are the README's.
  return { ...parsePortSettings({ transport: 'usb-hid', timeoutMs: 300, ...raw }), reconnect: { initialMs: 50, maxMs: 200 }, deviceBackoff: { initialMs: 150, maxMs: 300 } };
}

function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => (check() ? resolve() : Date.now() > deadline ? reject(new Error(`timed out waiting for ${what}`)) : setTimeout(poll, 10));
    poll();
  });
}

describe('PI30 over USB HID (simulated device behind the node-hid interface)', function () {
  this.timeout(10000);
  let sim: Pi30Simulator;
  let hid: SimulatedHid;
  let connection: Pi30Connection;
  let exchange: Exchange;
  let statuses: LinkStatus[];

  function connect(raw: Record<string, unknown> = {}): void {
    connection = new Pi30Connection(settingsFor(raw), (s) => openLink(s, { hid: hid.open, exists: (p) => hid.exists(p), presenceCheckMs: 30 }));
    statuses = [];
    connection.on('status', (s: LinkStatus) => statuses.push(s));
    connection.register('test');
    exchange = exchangeThrough((op) => connection.transact(op));
  }

  beforeEach(() => {
    sim = new Pi30Simulator({ now: NOON });
    hid = simulateHid(sim);
  });

  afterEach(async () => {
    await connection?.deregister('test');
  });

  it('sends a command in 8-byte reports, report id 0 first, the last one padded with zeros', async () => {
    connect();
    await exchange('QPIGS');
    await exchange('QED20260621');
    const frames = [encodeCommand('QPIGS'), encodeCommand('QED20260621')];
    assert.equal(frames[0].length, 8);
    assert.equal(frames[1].length, 14);
    assert.deepEqual(hid.reports.map((r) => r.toString('hex')), [
      Buffer.concat([Buffer.from([0]), frames[0]]).toString('hex'),
      Buffer.concat([Buffer.from([0]), frames[1].subarray(0, 8)]).toString('hex'),
      Buffer.concat([Buffer.from([0]), frames[1].subarray(8), Buffer.alloc(2)]).toString('hex'),
    ]);
  });

  it('reassembles a reply from many input reports and ignores the padding after its CR', async () => {
    connect();
    const reply = await exchange('QPIGS');
    assert.equal(reply.kind, 'data');
    const text = reply.kind === 'data' ? reply.text : '';
    assert.ok(text.length > 100, 'QPIGS spans more than a dozen 8-byte reports');
    const { values, issues } = parseQpigs(text);
    assert.deepEqual(issues, []);
    assert.ok((values.battery.voltage ?? 0) > 40);
    assert.equal((await exchange('QMOD')).kind, 'data', 'the next command starts clean');
  });

  it('gives up at the deadline: no answer, or a reply cut short', async () => {
    connect();
    sim.faults.silent = true;
    const started = Date.now();
    await assert.rejects(exchange('QPIGS'), (err: unknown) => (err as { kind?: string }).kind === 'no-answer' && /no answer within 300 ms/.test(String(err)));
    assert.ok(Date.now() - started < 2000, 'one try and one retry, each bounded');
    sim.faults.silent = false;
    sim.faults.truncate = true;
    await new Promise((r) => setTimeout(r, 200)); // the port's backoff after the inverter stopped answering
    await assert.rejects(exchange('QPIGS'), /reply cut short: \d+ bytes and no CR within 300 ms/);
  });

  it('drops a late reply to the previous command instead of taking it for the next one', async () => {
    connect({ retries: 0 });
    sim.faults.delayMs = 400;
    await assert.rejects(exchange('QPIRI'), /no answer/);
    sim.faults.delayMs = 0;
    await new Promise((r) => setTimeout(r, 200)); // the late QPIRI reply arrives meanwhile, and the backoff passes
    const reply = await exchange('QMOD');
    assert.deepEqual(reply, { kind: 'data', text: sim.answer('QMOD') });
  });

  it('notices the device vanish at the next command, shows it, and reopens it when it is back', async () => {
    connect();
    await exchange('QMOD');
    hid.vanish();
    await assert.rejects(exchange('QPIGS'), /port not connected: USB device vanished \(could not read data from device|Cannot write to hid device\)/);
    await waitFor(() => statuses.some((s) => s.state === 'disconnected' && s.vanished === true), 1000, 'a vanished status');
    assert.match(connection.linkStatus.reason ?? '', /USB device vanished|could not open HID device/);
    await new Promise((r) => setTimeout(r, 300));
    assert.notEqual(connection.linkStatus.state, 'connected', 'no device, no link');
    hid.reappear();
    await waitFor(() => connection.linkStatus.state === 'connected', 2000, 'the link back');
    assert.equal(connection.linkStatus.vanished, undefined);
    assert.equal((await exchange('QMOD')).kind, 'data');
    assert.equal(hid.opens, 2);
    assert.ok(hid.handles[0].closed, 'the dead handle was closed');
  });

  it('notices a device opened by path vanish while idle, within the presence check', async () => {
    connect({ hidDevice: hid.path });
    await exchange('QMOD');
    hid.vanish();
    await waitFor(() => connection.linkStatus.state !== 'connected' && connection.linkStatus.vanished === true, 1000, 'vanished while idle');
    assert.match(statuses.find((s) => s.state === 'disconnected')?.reason ?? '', /\/dev\/hidraw0 is gone/);
  });

  it('vanishes when the inverter drops the link mid-command', async () => {
    connect();
    sim.faults.dropLink = true;
    await assert.rejects(exchange('QPIGS'), /USB device vanished/);
    hid.reappear();
    await waitFor(() => connection.linkStatus.state === 'connected', 2000, 'the link back');
    assert.equal((await exchange('QPIGS')).kind, 'data');
  });

  it('closes the device when the last user leaves', async () => {
    connect();
    await exchange('QMOD');
    await connection.deregister('test');
    assert.equal(connection.linkStatus.state, 'idle');
    assert.ok(hid.handles.every((h) => h.closed));
  });

  it('reports a link loss once, with the reason, on the link itself', async () => {
    const link = new HidLink(await hid.open({ vendorId: 0x0665, productId: 0x5161 }), { timeoutMs: 300 });
    const losses: LinkLoss[] = [];
    link.on('lost', (loss: LinkLoss) => losses.push(loss));
    hid.vanish();
    await assert.rejects(link.exchange(encodeCommand('QMOD')), /USB device vanished/);
    await assert.rejects(link.exchange(encodeCommand('QMOD')), /port not connected: closed/);
    assert.equal(losses.length, 1);
    assert.equal(losses[0].vanished, true);
  });
});
