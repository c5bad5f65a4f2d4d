import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catchNode, collect, getNode, helper, nextMessage, onTab, statuses, waitFor, type Msg } from '../support/node-red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rollupNode = require('../../nodes/rollup/rollup');

/** Node-RED's context module inside the test helper: it loads configured stores only when asked. */
interface ContextModule {
  load(): Promise<void>;
  close(): Promise<void>;
}
/** Parts of the helper its typings leave out: settings for the next load, and its runtime internals. */
const internals = helper as unknown as {
  settings(settings: Record<string, unknown>): void;
  _context: ContextModule;
  _redNodes: { startFlows(): Promise<void> };
  _settings: Record<string, unknown>;
};
const loadContextStores = () => internals._context.load();

const NODES = [rollupNode, catchNode];

function flow(rollup: Record<string, unknown> = {}) {
  return onTab(
    [],
    [
      { id: 'roll', type: 'rollup', windows: '1h,lifetime', grace: 0.2, wires: [['out']], ...rollup },
      { id: 'out', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ],
  );
}

function send(msg: Record<string, unknown>): void {
  getNode('roll').receive(msg);
}

/** An Epever-shaped reading of `device`, measured at `time`. */
function reading(time: number, power: number, device = 'shed'): Record<string, unknown> {
  return {
    topic: `epever-tracer/${device}`,
    device,
    measurement: 'epever_tracer',
    payload: {
      timestamp: new Date(time).toISOString(),
      pv_array: { voltage: 18, current: power / 18, power },
      battery: { voltage: 13.5, soc: 80 },
      controller: { charging_mode: 'float' },
    },
  };
}

const payloadOf = (msg: Msg) => msg.payload as Record<string, number | string | null>;
const byWindow = (messages: Msg[], name: string) => messages.filter((m) => (m.window as { name: string }).name === name);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The partial records a flush sends. */
async function flushed(out: Msg[]): Promise<Msg[]> {
  const seen = out.length;
  send({ flush: true });
  await waitFor(() => out.slice(seen).some((m) => (m.window as { partial?: boolean }).partial), 2000, 'partial records');
  return out.slice(seen).filter((m) => (m.window as { partial?: boolean }).partial);
}

describe('rollup node', function () {
  beforeEach(async () => {
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('closes a window on the clock with no further input, in the reading shape', async () => {
    // With no reading after it, a window's energy is complete Max gap (here 0.5 s) plus grace after the last one.
    await helper.load(NODES, flow({ windows: '1s,lifetime', maxGap: 0.5 }));
    const out = collect('out');
    const seen = statuses('roll');
    // Three readings in one second; the window closes 0.2 s after that second ends, with nothing more sent.
    const second = Math.floor(Date.now() / 1000) * 1000;
    for (const [i, power] of [100, 200, 300].entries()) send(reading(second + 100 + i, power));
    await waitFor(() => out.length >= 2, 3000, 'the 1s record and lifetime');
    const [record, lifetime] = out;
    assert.equal(record.topic, 'rollup/shed');
    assert.equal(record.device, 'shed');
    assert.equal(record.measurement, 'epever_tracer_1s');
    assert.deepEqual(record.window, { name: '1s', start: new Date(second).toISOString(), end: new Date(second + 1000).toISOString() });
    const p = payloadOf(record);
    assert.equal(p.timestamp, new Date(second).toISOString());
    assert.equal(p.sample_count, 3);
    assert.equal(p.late_samples, 0);
    assert.equal(p.pv_array_power_avg, 200);
    assert.equal(p.pv_array_power_min, 100);
    assert.equal(p.pv_array_power_max, 300);
    assert.equal(p.pv_array_power_stddev, 100);
    assert.equal(p.pv_array_power_first, 100);
    assert.equal(p.pv_array_power_last, 300);
    assert.equal(p.battery_voltage_avg, 13.5);
    assert.equal(typeof p.pv_array_energy_wh, 'number');
    assert.equal(p.controller_charging_mode_avg, undefined, 'strings are not fields');
    assert.equal(lifetime.measurement, 'epever_tracer_lifetime');
    assert.equal(payloadOf(lifetime).sample_count, 3);
    assert.deepEqual(seen.at(-1), { fill: 'green', shape: 'dot', text: 'rollup.status.keys' });
  });

  it('keeps devices apart and takes the key from another property when set', async () => {
    await helper.load(NODES, flow({ keyProperty: 'topic', topic: 'solar/{key}/{window}' }));
    send({ topic: 'east', payload: { power: 10 } });
    send({ topic: 'west', payload: { power: 30 } });
    send({ topic: 'east', payload: { power: 20 } });
    const out = collect('out');
    send({ flush: true });
    await waitFor(() => out.length === 4, 2000, 'four partial records');
    const east = out.find((m) => m.device === 'east' && (m.window as { name: string }).name === '1h')!;
    assert.equal(east.topic, 'solar/east/1h');
    assert.equal(east.measurement, 'rollup_1h');
    assert.equal(payloadOf(east).power_avg, 15);
    assert.equal((east.window as { partial?: boolean }).partial, true);
  });

  it('flushes open windows without closing them, and resets one key or all', async () => {
    await helper.load(NODES, flow());
    const t = Date.now();
    send(reading(t, 100, 'a'));
    send(reading(t, 50, 'b'));
    const out = collect('out');
    send({ flush: 'a' });
    await waitFor(() => out.length === 2, 2000, "a's two records");
    assert.deepEqual(
      out.map((m) => m.device),
      ['a', 'a'],
    );
    send({ reset: 'a' });
    send({ flush: true });
    await waitFor(() => out.length === 4, 2000, "b's two records");
    assert.deepEqual(
      out.slice(2).map((m) => m.device),
      ['b', 'b'],
    );
    send({ reset: true });
    send({ flush: true });
    send(reading(t + 1, 70, 'c'));
    send({ flush: true });
    await waitFor(() => out.length === 6, 2000, "c's two records");
    assert.deepEqual(
      out.slice(4).map((m) => m.device),
      ['c', 'c'],
      'nothing of a or b is left',
    );
    assert.equal(payloadOf(byWindow(out, 'lifetime').at(-1)!).sample_count, 1);
  });

  it('splits the energy after a gap over the windows it spans, each at most the power over its length', async () => {
    await helper.load(NODES, flow({ windows: '1s,lifetime', maxGap: 10 }));
    const out = collect('out');
    const first = Date.now();
    send(reading(first, 1000));
    // The gap is what is tested: readings 2.5 s apart, 1-second windows that close 0.2 s after their end.
    await pause(2500);
    const second = Date.now();
    send(reading(second, 1000));
    const secondStart = Math.floor(second / 1000) * 1000;
    const before = (secondStart - Math.floor(first / 1000) * 1000) / 1000;
    await waitFor(() => byWindow(out, '1s').length >= before, 3000, `the ${before} windows before the second reading`);
    const wh = (from: number, to: number) => (1000 * (Math.min(to, second) - Math.max(from, first))) / 3_600_000;
    let sum = 0;
    for (const msg of byWindow(out, '1s')) {
      const { start, end } = msg.window as { start: string; end: string };
      const energy = payloadOf(msg).pv_array_energy_wh as number;
      assert.ok(energy <= 1000 / 3600 + 1e-12, `${start}: ${energy} Wh is more than 1000 W for 1 s`);
      assert.ok(Math.abs(energy - wh(Date.parse(start), Date.parse(end))) < 1e-9, `${start}: its share of the interval`);
      sum += energy;
    }
    // What is left is the second reading's window, still open.
    const rest = payloadOf((await flushed(out)).find((m) => (m.window as { name: string }).name === '1s')!).pv_array_energy_wh as number;
    assert.ok(Math.abs(rest - wh(secondStart, secondStart + 1000)) < 1e-9, 'the rest is in the window of the second reading');
    assert.ok(Math.abs(sum + rest - wh(first, second)) < 1e-9, 'the windows add up to the interval');
  });

  it('takes a reading with flush: false or reset: false as a reading, not a command', async () => {
    await helper.load(NODES, flow({ windows: 'year,lifetime' }));
    const t = Date.now();
    const caught = collect('caught');
    send({ ...reading(t - 2000, 100), flush: false });
    send({ ...reading(t - 1000, 200), reset: false });
    send({ ...reading(t, 300), flush: false, reset: false });
    const out = collect('out');
    send({ flush: true });
    await waitFor(() => out.length === 2, 2000, 'the year and lifetime');
    for (const msg of out) {
      const p = payloadOf(msg);
      assert.equal(p.sample_count, 3, `${(msg.window as { name: string }).name} has all three readings`);
      assert.equal(p.pv_array_power_avg, 200);
      assert.ok(Math.abs((p.pv_array_energy_wh as number) - (150 + 250) / 3600) < 1e-9, 'and the energy between them');
    }
    assert.equal(caught.length, 0);
  });

  it('sends bad input to Catch with a red status, and the next reading works', async () => {
    await helper.load(NODES, flow());
    const seen = statuses('roll');
    for (const [msg, error] of [
      [{ payload: 'garbage' }, /payload must be a reading object or a number, got string/],
      [{ payload: { mode: 'float' } }, /payload has no numeric field/],
      [{ payload: { power: 1, timestamp: 'soon' } }, /payload.timestamp "soon" is not ISO-8601 with a zone/],
      [{ payload: { power: 1, timestamp: Date.now() + 3_600_000 } }, /s ahead of this machine's clock/],
      [{ device: { id: 1 }, payload: { power: 1 } }, /msg.device \(the key\) must be a string/],
      [{ flush: 5 }, /msg.flush must be true \(every key\) or a key/],
    ] as const) {
      const caught = nextMessage('caught');
      send(msg);
      const c = await caught;
      assert.match((c.error as { message: string }).message, error);
      assert.deepEqual(seen.at(-1), { fill: 'red', shape: 'ring', text: 'rollup.status.bad-input' });
    }
    const out = collect('out');
    send(reading(Date.now(), 42));
    send({ flush: true });
    await waitFor(() => out.length === 2, 2000, 'records after bad input');
    assert.equal(payloadOf(out[0]).pv_array_power_avg, 42);
    assert.equal(seen.at(-1)?.fill, 'green');
  });

  it('counts a reading after its window closed and reports it in the next record', async () => {
    await helper.load(NODES, flow({ windows: '1m', grace: 0 }));
    const out = collect('out');
    const now = Date.now();
    const seen = statuses('roll');
    send(reading(now - 10 * 60_000, 5));
    await waitFor(() => seen.some((s) => s.fill === 'yellow'), 2000, 'a yellow status');
    assert.deepEqual(seen.at(-1), { fill: 'yellow', shape: 'ring', text: 'rollup.status.late' });
    send(reading(now, 7));
    send({ flush: true });
    await waitFor(() => out.length === 1, 2000, 'the open window');
    assert.equal(payloadOf(out[0]).late_samples, 1);
    assert.equal(payloadOf(out[0]).sample_count, 1);
  });

  it('reports bad settings on the status and through Catch', async () => {
    await helper.load(NODES, flow({ windows: '1m,fortnight' }));
    const caught = nextMessage('caught');
    send(reading(Date.now(), 1));
    assert.match(((await caught).error as { message: string }).message, /window "fortnight" is not a duration/);
  });

  it('keeps lifetime and calendar windows over a redeploy', async () => {
    const f = flow({ windows: 'day,lifetime' });
    await helper.load(NODES, f);
    const t = Date.now();
    for (let i = 0; i < 5; i++) send(reading(t - 5000 + i * 1000, 100));
    await pause(50);
    await helper.setFlows(f);
    const out = collect('out');
    send(reading(t, 100));
    send({ flush: true });
    await waitFor(() => out.length === 2, 2000, 'day and lifetime');
    for (const msg of out) {
      assert.equal(payloadOf(msg).sample_count, 6, `${(msg.window as { name: string }).name} kept its readings`);
      assert.ok(Math.abs((payloadOf(msg).pv_array_energy_wh as number) - (100 * 5) / 3600) < 1e-9, 'and its energy');
    }
  });

  it('sends a window that ended while the flows were stopped right after they start again', async () => {
    const f = flow({ windows: '1s,lifetime', maxGap: 0.5 });
    await helper.load(NODES, f);
    const second = Math.floor(Date.now() / 1000) * 1000;
    send(reading(second + 100, 100));
    send(reading(second + 200, 200));
    await pause(20);
    await helper.clearFlows();
    await pause(1300);
    await internals._redNodes.startFlows();
    const out = collect('out');
    await waitFor(() => out.length === 2, 3000, 'the 1s record and lifetime');
    assert.equal((out[0].window as { start: string }).start, new Date(second).toISOString());
    assert.equal(payloadOf(out[0]).sample_count, 2);
    assert.equal(payloadOf(out[1]).sample_count, 2);
  });

  describe('with a localfilesystem context store', () => {
    const dirs: string[] = [];
    let original: Record<string, unknown>;

    before(() => {
      original = internals._settings;
    });

    after(() => {
      internals._settings = original;
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    function useDiskStore(): string {
      const dir = mkdtempSync(join(tmpdir(), 'rollup-context-'));
      dirs.push(dir);
      internals.settings({
        contextStorage: { default: { module: 'memory' }, disk: { module: 'localfilesystem', config: { dir, flushInterval: 1 } } },
      });
      return dir;
    }

    it('keeps lifetime and calendar windows over a restart of Node-RED', async () => {
      const f = flow({ windows: 'month,lifetime', store: 'disk' });
      const dir = useDiskStore();
      await helper.load([...NODES, loadContextStores], f);
      const t = Date.now();
      for (let i = 0; i < 4; i++) send(reading(t - 4000 + i * 1000, 360));
      await pause(50);
      // Node-RED stops: the node saves on close, the store writes its files.
      await helper.clearFlows();
      await internals._context.close();
      // A fresh start reads only what reached the disk.
      const copy = mkdtempSync(join(tmpdir(), 'rollup-context-'));
      dirs.push(copy);
      cpSync(dir, copy, { recursive: true });
      await helper.unload();
      internals.settings({ contextStorage: { default: { module: 'memory' }, disk: { module: 'localfilesystem', config: { dir: copy } } } });
      await helper.load([...NODES, loadContextStores], f);
      const out = collect('out');
      send(reading(t, 360));
      send({ flush: true });
      await waitFor(() => out.length === 2, 2000, 'month and lifetime');
      for (const msg of out) {
        const p = payloadOf(msg);
        assert.equal(p.sample_count, 5, `${(msg.window as { name: string }).name} has the readings from before the restart`);
        assert.ok(Math.abs((p.pv_array_energy_wh as number) - 0.4) < 1e-9, 'and 4 s at 360 W');
      }
    });
  });
});
