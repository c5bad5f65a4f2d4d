import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeStatus } from 'node-red';
import { DeviceBackedOffError } from '../../nodes/common/bus-queue';
import type { DeviceConfig } from '../../nodes/common/device-config';
import { startDeviceNode, type DeviceDriver, type DeviceInput, type DeviceNodeSpec, type Outcome } from '../../nodes/common/device-node';
import type { DeviceFailureKind } from '../../nodes/common/failure-kind';
import { LinkDownError, SharedLink, type LinkDriver } from '../../nodes/common/shared-link';
import { waitFor } from '../support/node-red';

// A fake runtime, a fake device node, a real SharedLink over a fake transport, and a fake engine, so the base
// is tested without Node-RED.

class FakeTransport implements LinkDriver<{ open: boolean }> {
  opens = 0;
  closes = 0;
  /** How many opens in a row fail. */
  failOpens = 0;
  private lost: ((reason: string, vanished: boolean) => void) | undefined;
  async open() {
    this.opens++;
    if (this.failOpens > 0) {
      this.failOpens--;
      throw new Error('ENOENT');
    }
    return { open: true };
  }
  isOpen(link: { open: boolean }) {
    return link.open;
  }
  async close() {
    this.closes++;
  }
  whenLost(_link: { open: boolean }, lost: (reason: string, vanished: boolean) => void) {
    this.lost = lost;
  }
  drop(vanished: boolean) {
    this.lost?.('gone', vanished);
  }
}

type Link = SharedLink<{ open: boolean }>;

class FakeNode extends EventEmitter {
  readonly id = 'dev1';
  readonly shown: NodeStatus[] = [];
  readonly errors: { text: string; msg?: Record<string, unknown> }[] = [];
  readonly warnings: string[] = [];
  readonly sent: Record<string, unknown>[] = [];
  status(s: NodeStatus) {
    this.shown.push(s);
  }
  error(text: string, msg?: Record<string, unknown>) {
    this.errors.push({ text, msg });
  }
  warn(text: string) {
    this.warnings.push(text);
  }
  log() {}
  send(msg: Record<string, unknown>) {
    this.sent.push(msg);
  }
  last() {
    return this.shown.at(-1);
  }
  /** Delivers a message as Node-RED does and resolves with what was sent and the error given to done. */
  input(msg: Record<string, unknown>): Promise<{ sent: Record<string, unknown>[]; err: Error | undefined }> {
    const sent: Record<string, unknown>[] = [];
    return new Promise((resolve) => {
      this.emit(
        'input',
        msg,
        (m: Record<string, unknown>) => sent.push(m),
        (err?: Error) => resolve({ sent, err }),
      );
    });
  }
  close(): Promise<void> {
    if (this.listenerCount('close') === 0) return Promise.resolve();
    return new Promise((resolve) => this.emit('close', false, resolve));
  }
}

interface LinkOwner {
  connection?: Link;
  settingsError?: string;
}

function fakeRed(configNodes: Record<string, LinkOwner>): NodeAPI {
  const red = {
    nodes: { getNode: (id: string) => configNodes[id] ?? null },
    _: (key: string, vars?: Record<string, string>) => (vars ? `${key} ${JSON.stringify(vars)}` : key),
  };
  return red as unknown as NodeAPI;
}

type Command = { name: string };
type Reading = { value: number; warn?: string };

const CONFIG: DeviceConfig = {
  type: 'fake-device',
  deviceId: 'fake-1',
  deviceIdSet: false,
  topic: '',
  measurement: 'fake',
  intervalMs: 0,
  allowWrites: false,
};

/** An engine whose polls and commands answer from the script a test gives it. */
class FakeEngine {
  polls = 0;
  next: (() => Promise<Reading>)[] = [];
  async poll(): Promise<Reading> {
    this.polls++;
    const step = this.next.shift();
    return step ? step() : { value: this.polls };
  }
}

class KindError extends Error {
  constructor(readonly failure: DeviceFailureKind) {
    super(`failed: ${failure}`);
  }
}

function spec(
  engine: FakeEngine,
  overrides: Partial<DeviceNodeSpec<DeviceConfig, Link, Command, Reading>> = {},
  driver: Partial<DeviceDriver<Command, Reading>> = {},
) {
  const full: DeviceNodeSpec<DeviceConfig, Link, Command, Reading> = {
    type: 'fake-device',
    parseConfig: (def) => ({ ...CONFIG, intervalMs: Number(def.intervalMs ?? 0) }),
    link: { configType: 'fake-bus', field: 'bus' },
    failureKind: (err) => (err instanceof KindError ? err.failure : err instanceof LinkDownError ? 'link-down' : 'error'),
    start: () => ({
      parse: (msg: DeviceInput): Command => {
        if (msg.command === undefined) return { name: 'poll' };
        if (msg.command === 'switch') return { name: 'switch' };
        throw new KindError('bad-input');
      },
      run: async (command): Promise<Outcome<Reading>> =>
        command.name === 'poll' ? { reading: await engine.poll() } : { reply: { payload: 'switched' }, status: 'done' },
      poll: () => engine.poll(),
      readingOut: (r) => ({ message: { topic: 'fake/fake-1', payload: r.value, device: 'fake-1' }, warnings: r.warn ? [r.warn] : [] }),
      deviceId: () => 'fake-1',
      topic: () => 'fake/fake-1',
      ...driver,
    }),
    ...overrides,
  };
  return full;
}

describe('device-node base', () => {
  let transport: FakeTransport;
  let link: Link;
  let node: FakeNode;
  let engine: FakeEngine;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);

  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.off('unhandledRejection', onUnhandled));

  beforeEach(() => {
    transport = new FakeTransport();
    link = new SharedLink(transport, { initialMs: 20, maxMs: 40 }, 'port');
    node = new FakeNode();
    engine = new FakeEngine();
    unhandled.length = 0;
  });

  afterEach(async () => {
    await node.close();
    await link.shutdown();
    assert.deepEqual(unhandled, [], 'no error escaped');
  });

  function start(def: Record<string, unknown> = {}, s = spec(engine), owners: Record<string, LinkOwner> = { bus: { connection: link } }) {
    startDeviceNode(fakeRed(owners), node as unknown as Node, { bus: 'bus', ...def }, s);
  }

  describe('attaching', () => {
    it('refuses clearly when the config node is missing, and answers every message with the reason', async () => {
      start({ bus: 'nowhere' });
      assert.deepEqual(node.last(), { fill: 'red', shape: 'ring', text: 'fake-device.status.config' });
      assert.equal(node.errors.length, 1);
      assert.match(node.errors[0].text, /fake-device\.errors\.config .*no fake-bus configured/);
      const { err, sent } = await node.input({});
      assert.match(err?.message ?? '', /no fake-bus configured/);
      assert.equal(sent.length, 0);
      assert.equal(transport.opens, 0);
    });

    it('refuses clearly when the config node is misconfigured, naming what is wrong', async () => {
      start({}, spec(engine), { bus: { settingsError: 'baud rate must be one of 2400, 9600' } });
      assert.equal(node.last()?.text, 'fake-device.status.config');
      const { err } = await node.input({});
      assert.equal(err?.message, 'fake-bus: baud rate must be one of 2400, 9600');
    });

    it('refuses its own bad settings, and leaves the link when the engine cannot start', async () => {
      start(
        {},
        spec(engine, {
          parseConfig: () => {
            throw new RangeError('poll interval must be 0 (only on input) or at least 1 s, got -1');
          },
        }),
      );
      assert.match((await node.input({})).err?.message ?? '', /poll interval must be 0/);

      node = new FakeNode();
      start(
        {},
        spec(engine, {
          start: () => {
            throw new Error('unit id must be 1-247, got 0');
          },
        }),
      );
      assert.equal(node.last()?.text, 'fake-device.status.config');
      await waitFor(() => link.userCount === 0 && link.linkStatus.state === 'idle', 2000, 'the link left');
    });

    it('works without a link at all', async () => {
      start({}, spec(engine, { link: undefined }), {});
      const { err, sent } = await node.input({});
      assert.equal(err, undefined);
      assert.equal(sent[0].payload, 1);
    });
  });

  describe('status', () => {
    it("shows the link: connecting and connected in Node-RED's words, then port closed and a vanished device", async () => {
      start();
      assert.deepEqual(node.shown[0], { fill: 'yellow', shape: 'ring', text: 'node-red:common.status.connecting' });
      await waitFor(() => node.last()?.text === 'node-red:common.status.connected', 2000, 'connected');
      assert.equal(node.last()?.fill, 'green');
      transport.failOpens = 1;
      transport.drop(false);
      assert.deepEqual(node.last(), { fill: 'red', shape: 'ring', text: 'fake-device.status.disconnected' });
      await waitFor(() => link.linkStatus.state === 'connected', 2000, 'reconnected');
      transport.failOpens = 1;
      transport.drop(true);
      assert.deepEqual(node.last(), { fill: 'red', shape: 'ring', text: 'fake-device.status.vanished' });
    });

    const expected: [DeviceFailureKind, NodeStatus][] = [
      ['refused', { fill: 'red', shape: 'ring', text: 'fake-device.status.refused' }],
      ['bad-input', { fill: 'red', shape: 'ring', text: 'fake-device.status.refused' }],
      ['no-answer', { fill: 'red', shape: 'ring', text: 'fake-device.status.unavailable' }],
      ['garbled', { fill: 'red', shape: 'ring', text: 'fake-device.status.garbled' }],
      ['backed-off', { fill: 'yellow', shape: 'ring', text: 'fake-device.status.retrying' }],
      ['link-down', { fill: 'red', shape: 'ring', text: 'fake-device.status.disconnected' }],
      ['error', { fill: 'red', shape: 'ring', text: 'node-red:common.status.error' }],
    ];
    for (const [kind, status] of expected) {
      it(`shows a ${kind} failure as ${status.text}`, async () => {
        start();
        await waitFor(() => link.linkStatus.state === 'connected', 2000, 'connected');
        engine.next.push(() => Promise.reject(new KindError(kind)));
        const { err } = await node.input({});
        assert.equal(err?.message, `failed: ${kind}`);
        assert.deepEqual(node.last(), status);
      });
    }

    it("shows the link's own state when a request fails while the link is down", async () => {
      transport.failOpens = 1000;
      start();
      await waitFor(() => link.linkStatus.state === 'disconnected', 2000, 'link down');
      engine.next.push(() => Promise.reject(new Error('Port Not Open')));
      await node.input({});
      assert.deepEqual(node.last(), { fill: 'red', shape: 'ring', text: 'fake-device.status.disconnected' });
    });
  });

  describe('poll schedule', () => {
    it('polls on its interval, sends each reading with the time of day as status, and warns once', async () => {
      engine.next.push(
        async () => ({ value: 7, warn: 'QPIGS2 refused' }),
        async () => ({ value: 8, warn: 'QPIGS2 refused' }),
      );
      start({ intervalMs: 30 });
      await waitFor(() => node.sent.length >= 2, 3000, 'two readings');
      assert.deepEqual(
        node.sent.slice(0, 2).map((m) => m.payload),
        [7, 8],
      );
      assert.equal(node.sent[0].topic, 'fake/fake-1');
      assert.match(node.last()?.text ?? '', /^\d\d:\d\d:\d\d$/);
      assert.equal(node.last()?.fill, 'green');
      assert.deepEqual(node.warnings, ['QPIGS2 refused']);
    });

    it('reports a scheduled failure to Catch once per kind, with the device and topic', async () => {
      const silent = () => Promise.reject(new DeviceBackedOffError('fake-1', 5000));
      engine.next.push(silent, silent, silent);
      start({ intervalMs: 20 }, spec(engine, { failureKind: (err) => (err instanceof DeviceBackedOffError ? 'backed-off' : 'error') }));
      await waitFor(() => engine.polls >= 4, 3000, 'four polls');
      assert.equal(node.errors.length, 1);
      assert.match(node.errors[0].text, /fake-device\.errors\.poll/);
      assert.equal(node.errors[0].msg?.topic, 'fake/fake-1');
      assert.equal(node.errors[0].msg?.device, 'fake-1');
      assert.match(String(node.errors[0].msg?.payload), /device fake-1/);
    });

    it('does not poll by itself with interval 0', async () => {
      start({ intervalMs: 0 });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(engine.polls, 0);
    });

    it('lets a node replace the schedule with its own clock', async () => {
      let stopped = false;
      start(
        { intervalMs: 0 },
        spec(
          engine,
          {},
          {
            poll: undefined,
            schedule: (handlers) => {
              const timer = setTimeout(() => handlers.onReading({ value: 42 }), 10);
              return {
                stop: () => {
                  stopped = true;
                  clearTimeout(timer);
                },
              };
            },
          },
        ),
      );
      await waitFor(() => node.sent.length === 1, 2000, 'the sampled reading');
      assert.equal(node.sent[0].payload, 42);
      await node.close();
      assert.equal(stopped, true);
    });
  });

  it("keeps a failure inside its own clock's callback: red status and one report, no crash", async () => {
    start(
      { intervalMs: 0 },
      spec(
        engine,
        {},
        {
          poll: undefined,
          readingOut: () => {
            throw new TypeError('sample out of range');
          },
          schedule: (handlers) => {
            const timer = setTimeout(() => handlers.onReading({ value: 1 }), 10);
            return { stop: () => clearTimeout(timer) };
          },
        },
      ),
    );
    await waitFor(() => node.errors.length === 1, 2000, 'the report');
    assert.match(node.errors[0].text, /sample out of range/);
    assert.deepEqual(node.last(), { fill: 'red', shape: 'ring', text: 'node-red:common.status.error' });
  });

  it('still calls done(err) when the engine cannot classify the failure', async () => {
    start(
      {},
      spec(engine, {
        failureKind: () => {
          throw new Error('unclassifiable');
        },
      }),
    );
    engine.next.push(() => Promise.reject(new Error('odd')));
    const { err } = await node.input({});
    assert.equal(err?.message, 'odd');
    assert.equal(node.last()?.text, 'node-red:common.status.error');
  });

  describe('input', () => {
    it('runs a good command: sends the reply with the device id, shows done, calls done()', async () => {
      start();
      const { err, sent } = await node.input({ command: 'switch', keep: 'me' });
      assert.equal(err, undefined);
      assert.deepEqual(sent, [{ command: 'switch', keep: 'me', payload: 'switched', device: 'fake-1' }]);
      assert.deepEqual(node.last(), { fill: 'green', shape: 'dot', text: 'fake-device.status.done' });
    });

    it('answers a bad command through done(err) with a red status, once, and the next message works', async () => {
      start();
      const bad = await node.input({ command: 'explode' });
      assert.equal(bad.err?.message, 'failed: bad-input');
      assert.equal(bad.sent.length, 0);
      assert.equal(node.last()?.fill, 'red');
      assert.equal(node.errors.length, 0, 'done(err) is the one report: no node.error as well');
      const good = await node.input({});
      assert.equal(good.err, undefined);
      assert.equal(good.sent[0].payload, 1);
    });

    it('keeps every error inside: a throwing message builder ends in done(err)', async () => {
      start(
        {},
        spec(
          engine,
          {},
          {
            readingOut: () => {
              throw new TypeError('cannot read payload');
            },
          },
        ),
      );
      const { err, sent } = await node.input({});
      assert.equal(err?.message, 'cannot read payload');
      assert.equal(sent.length, 0);
      assert.deepEqual(node.last(), { fill: 'red', shape: 'ring', text: 'node-red:common.status.error' });
    });
  });

  describe('close', () => {
    it('stops polling and leaves the link', async () => {
      start({ intervalMs: 20 });
      await waitFor(() => engine.polls >= 1, 2000, 'a poll');
      await node.close();
      const polls = engine.polls;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(engine.polls, polls, 'no poll after close');
      assert.equal(link.userCount, 0);
      assert.equal(link.linkStatus.state, 'idle');
      assert.equal(transport.closes, 1);
    });

    it("finishes closing even when the engine's own close fails", async () => {
      start({}, spec(engine, {}, { close: () => Promise.reject(new Error('already gone')) }));
      await node.close();
      assert.equal(link.userCount, 0);
    });
  });
});
