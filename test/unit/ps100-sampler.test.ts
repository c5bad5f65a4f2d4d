import assert from 'node:assert/strict';
import type { I2cBus } from '../../nodes/ps100-sampler/i2c';
import { conditionsEstimate, PanelRecords, type PanelEvent, type PanelRecord } from '../../nodes/ps100-sampler/records';
import { SampleClock, type Tick } from '../../nodes/ps100-sampler/sample-clock';
import { LOST_AFTER_FAILURES, Ps100Sampler, type PanelConfig, type SamplerConfig, type SamplerReport } from '../../nodes/ps100-sampler/sampler';
import { SimI2cBus } from '../../nodes/ps100-sampler/sim-bus';
import { SimChip } from '../../nodes/ps100-sampler/sim-chip';
import { FakeClock } from '../support/ps100-fake-clock';

describe('ps100 sampling clock', () => {
  it('ticks at start + k × period in the middle of wall periods, with no drift over 1000 ticks', async () => {
    const fake = new FakeClock();
    const ticks: Tick[] = [];
    const clock = new SampleClock(100, (t) => ticks.push(t), fake);
    clock.start();
    await fake.advance(100_000);
    clock.stop();
    assert.equal(ticks.length, 1000);
    for (const t of ticks) {
      assert.equal(t.time % 100, 50);
      assert.equal(t.latenessMs, 0);
    }
    assert.equal(clock.counters.overruns, 0);
  });

  it('after a blocked event loop it runs only the newest slot and counts the passed ones: no catch-up burst', async () => {
    const fake = new FakeClock();
    const ticks: Tick[] = [];
    const clock = new SampleClock(100, (t) => ticks.push(t), fake);
    clock.start();
    await fake.advance(1000);
    const before = ticks.length;
    fake.stall(730);
    await fake.advance(1);
    clock.stop();
    // One late tick instead of seven: the slots passed are counted as overruns.
    assert.equal(ticks.length, before + 1);
    assert.equal(clock.counters.overruns, 7 - 1);
    const late = ticks[ticks.length - 1];
    assert.equal(late.slot, ticks[before - 1].slot + 7);
    assert.ok(late.latenessMs > 0 && late.latenessMs < 100);
  });

  it('lateness does not accumulate: a late wake-up keeps the next slot on the schedule', async () => {
    const fake = new FakeClock();
    const ticks: Tick[] = [];
    const clock = new SampleClock(100, (t) => ticks.push(t), fake);
    clock.start();
    await fake.advance(300);
    // The next slot is due 50 ms after this point: the wake-up comes 40 ms late.
    fake.stall(90);
    await fake.advance(300);
    clock.stop();
    const dueTimes = ticks.map((t) => clock.dueAt(t.slot));
    for (let i = 1; i < dueTimes.length; i++) assert.ok(Math.abs(dueTimes[i] - dueTimes[i - 1] - 100) < 1e-9);
    assert.ok(ticks.some((t) => t.latenessMs >= 30));
    assert.equal(ticks[ticks.length - 1].latenessMs, 0);
  });

  it('a stepped wall clock re-anchors the schedule and is counted', async () => {
    const fake = new FakeClock();
    const ticks: Tick[] = [];
    const clock = new SampleClock(100, (t) => ticks.push(t), fake);
    clock.start();
    await fake.advance(500);
    fake.offset += 3_600_000;
    await fake.advance(500);
    clock.stop();
    assert.equal(clock.counters.clockSteps, 1);
    assert.ok(ticks[ticks.length - 1].time - ticks[0].time > 3_600_000);
  });
});

const PANEL = { chip: 'auto' as const, shuntOhms: 0.01, maxCurrentA: 8, ratedPowerW: 100 };

function panels(n: number): PanelConfig[] {
  return Array.from({ length: n }, (_, i) => ({ ...PANEL, address: 0x40 + i, name: `PS100_0X${(0x40 + i).toString(16).toUpperCase()}` }));
}

function config(n: number, extra: Partial<SamplerConfig> = {}): SamplerConfig {
  return {
    busNumber: 1,
    sampleRateHz: 10,
    recordPeriodS: 1,
    panels: panels(n),
    underVoltageV: 12,
    source: 'bus',
    defaultLimits: { ratedPowerW: 100, maxCurrentA: 8 },
    ...extra,
  };
}

function rig(n: number, amps = 4, extra: Partial<SamplerConfig> = {}) {
  const fake = new FakeClock();
  const bus = new SimI2cBus();
  for (let i = 0; i < n; i++) {
    bus.attach(
      0x40 + i,
      new SimChip({
        model: i % 2 ? 'INA219' : 'INA226',
        shuntOhms: 0.01,
        source: () => ({ volts: 20, amps: amps + i * 0.1 }),
        clock: fake.monotonic,
      }),
    );
  }
  const reports: SamplerReport[] = [];
  const records: PanelRecord[] = [];
  const events: PanelEvent[] = [];
  const sampler = new Ps100Sampler(
    config(n, extra),
    {
      onReport: (r) => {
        reports.push(r);
        records.push(...r.records);
        events.push(...r.events);
      },
      onBusFailure: () => undefined,
    },
    async (): Promise<I2cBus> => bus,
    fake,
  );
  return { fake, bus, sampler, reports, records, events };
}

describe('ps100 sampler', () => {
  it('8 panels at 10 Hz: one record per panel per second, each with sample_count 10, in the old shape', async () => {
    const { fake, sampler, records, reports } = rig(8);
    sampler.start();
    await fake.advance(6000);
    await sampler.stop();
    // The first second holds the start-up (opening the bus, detecting the chips); the rest are whole.
    const full = records.filter((r) => r.payload.sample_count === 10);
    const seconds = new Set(full.map((r) => r.start));
    assert.ok(seconds.size >= 4, `${seconds.size} whole seconds`);
    for (const second of seconds) assert.equal(full.filter((r) => r.start === second).length, 8);
    const r = full[full.length - 1];
    for (const key of [
      'voltage_avg',
      'voltage_min',
      'voltage_max',
      'voltage_stddev',
      'current_avg',
      'current_min',
      'current_max',
      'current_stddev',
      'power_avg',
      'power_min',
      'power_max',
      'power_peak',
      'energy_wh',
      'sample_count',
      'efficiency_percent',
      'conditions_estimate',
      'alerts',
    ]) {
      assert.ok(key in r.payload, key);
    }
    assert.equal('temperature_avg' in r.payload, false);
    const amps = 4 + (Number(r.panel.slice(-1)) % 8) * 0.1;
    assert.ok(Math.abs((r.payload.current_avg as number) - amps) < 0.01, `${r.panel} ${String(r.payload.current_avg)}`);
    // 20 V × I for one second: W × 1/3600 h.
    assert.ok(Math.abs((r.payload.energy_wh as number) - (20 * amps) / 3600) < 0.0005);
    assert.deepEqual(r.payload.alerts, []);
    const systems = reports.flatMap((x) => x.system).filter((s) => s.payload.active_panels === 8);
    assert.ok(systems.length >= 4);
    assert.equal(sampler.clock.counters.overruns, 0);
  });

  it('a panel that stops answering is lost after a few reads, the others keep 10 samples, and it comes back', async () => {
    const { fake, bus, sampler, records, events } = rig(3);
    sampler.start();
    await fake.advance(2000);
    bus.nacking.add(0x41);
    await fake.advance(3000);
    assert.equal(sampler.panelStates().PS100_0X41, 'lost');
    const lost = events.filter((e) => e.type === 'sensor_lost');
    assert.equal(lost.length, 1);
    assert.equal(lost[0].panel, 'PS100_0X41');
    const lastSecond = Math.max(...records.map((r) => r.start));
    assert.deepEqual(
      records.filter((r) => r.start === lastSecond).map((r) => [r.panel, r.payload.sample_count]),
      [
        ['PS100_0X40', 10],
        ['PS100_0X42', 10],
      ],
    );
    bus.nacking.delete(0x41);
    await fake.advance(5000);
    assert.equal(sampler.panelStates().PS100_0X41, 'ok');
    assert.equal(events.filter((e) => e.type === 'sensor_back').length, 1);
    await sampler.stop();
  });

  it('a hung panel does not slow the others: its reads are skipped while one is in flight', async () => {
    const { fake, bus, sampler, records } = rig(2);
    sampler.start();
    await fake.advance(2000);
    // Real timers: a transfer to 0x41 now takes 50 ms of real time while the fake clock runs on.
    bus.delays.set(0x41, 50);
    await fake.advance(2000);
    const lastSecond = Math.max(...records.filter((r) => r.panel === 'PS100_0X40').map((r) => r.start));
    assert.equal(records.find((r) => r.start === lastSecond && r.panel === 'PS100_0X40')?.payload.sample_count, 10);
    assert.ok(sampler.counters.busySkips > 0);
    bus.delays.delete(0x41);
    await sampler.stop();
  });

  it('a brown-out is re-initialised and reported; stuck conversions are restarted', async () => {
    const { fake, bus, sampler, events } = rig(2);
    sampler.start();
    await fake.advance(2000);
    bus.chips.get(0x40)!.brownOut();
    (bus.chips.get(0x41) as SimChip).stuck = true;
    await fake.advance(2000);
    await sampler.stop();
    assert.deepEqual(
      events.filter((e) => e.type === 'sensor_reset').map((e) => e.panel),
      ['PS100_0X40'],
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'conversion_stuck').map((e) => e.panel),
      ['PS100_0X41'],
    );
    assert.equal(sampler.chips().PS100_0X40?.recalibrations, 1);
  });

  it('over-current becomes an alert in each record and one event when it begins', async () => {
    const { fake, sampler, records, events } = rig(1, 9);
    sampler.start();
    await fake.advance(4000);
    await sampler.stop();
    const full = records.filter((r) => r.payload.sample_count === 10);
    assert.ok(full.length >= 2);
    for (const r of full) assert.ok((r.payload.alerts as string[]).includes('over_current'));
    assert.equal(events.filter((e) => e.type === 'over_current').length, 1);
  });

  it('a panel missing at start is reported lost once, and the bus keeps being read for the others', async () => {
    const { fake, sampler, events, records } = rig(1, 4, { panels: panels(2) });
    sampler.start();
    await fake.advance(3000);
    await sampler.stop();
    assert.deepEqual(
      events.filter((e) => e.type === 'sensor_lost').map((e) => e.panel),
      ['PS100_0X41'],
    );
    assert.ok(records.some((r) => r.panel === 'PS100_0X40' && r.payload.sample_count === 10));
    assert.equal(LOST_AFTER_FAILURES, 3);
  });

  it('a device file that goes away during reads is a problem of the bus, said once, not a panel fault', async () => {
    const fake = new FakeClock();
    const failures: string[] = [];
    const reports: SamplerReport[] = [];
    const gone: I2cBus = {
      readWord: () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })),
      writeWord: () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })),
      close: async () => undefined,
    };
    const sampler = new Ps100Sampler(
      config(2),
      { onReport: (r) => reports.push(r), onBusFailure: (e) => failures.push(e.reason) },
      async () => gone,
      fake,
    );
    sampler.start();
    await fake.advance(3000);
    await sampler.stop();
    assert.deepEqual(failures, ['no-permission']);
    assert.equal(reports.at(-1)?.status.busProblem?.reason, 'no-permission');
  });

  it('message-fed: samples from input are aggregated the same way, temperature included', async () => {
    const fake = new FakeClock();
    const records: PanelRecord[] = [];
    const sampler = new Ps100Sampler(
      config(0, { source: 'messages' }),
      { onReport: (r) => records.push(...r.records), onBusFailure: () => undefined },
      () => Promise.reject(new Error('no bus')),
      fake,
    );
    sampler.start();
    const start = Math.ceil(fake.wall() / 1000) * 1000;
    for (let i = 0; i < 20; i++) {
      await fake.advance(start + i * 100 + 30 - fake.wall());
      sampler.feed('esp32-a', start + i * 100 + 30, { voltage: 19, current: 5, power: 95, temperature: 30 + (i % 10) });
    }
    await fake.advance(500);
    await sampler.stop();
    const first = records.find((r) => r.start === start);
    assert.ok(first);
    assert.equal(first.payload.sample_count, 10);
    assert.equal(first.payload.temperature_min, 30);
    assert.equal(first.payload.temperature_max, 39);
    assert.equal(first.payload.power_avg, 95);
    assert.equal(first.payload.conditions_estimate, 'Excellent - Full sun');
  });
});

describe('ps100 records', () => {
  it('conditions bands follow the share of rated power', () => {
    assert.equal(conditionsEstimate(96), 'Excellent - Full sun');
    assert.equal(conditionsEstimate(45), 'Fair - Partly cloudy');
    assert.equal(conditionsEstimate(0), 'Dark - No output');
  });

  it('a short period raises sample_shortfall once until a whole one comes', () => {
    const records = new PanelRecords({
      recordPeriodMs: 1000,
      samplePeriodMs: 100,
      underVoltageV: 12,
      defaultLimits: { ratedPowerW: 100, maxCurrentA: 8 },
    });
    const t0 = Date.UTC(2026, 5, 21, 12);
    const events: PanelEvent[] = [];
    const counts: unknown[] = [];
    for (let s = 0; s < 4; s++) {
      for (let i = 0; i < 10; i++) {
        if (s < 2 && i === 3) continue;
        records.add('p', t0 + s * 1000 + i * 100 + 50, { voltage: 20, current: 2, power: 40 }, t0 + s * 1000 + i * 100 + 51);
      }
      const closed = records.close(t0 + (s + 1) * 1000 + 200);
      events.push(...closed.events);
      counts.push(...closed.records.map((r) => r.payload.sample_count));
    }
    assert.deepEqual(counts.slice(0, 3), [9, 9, 10]);
    assert.equal(events.filter((e) => e.type === 'sample_shortfall').length, 1);
  });

  it('under-voltage only while the panel delivers current (a dark panel at 0 V is not an alert)', () => {
    const records = new PanelRecords({
      recordPeriodMs: 1000,
      samplePeriodMs: 100,
      underVoltageV: 12,
      defaultLimits: { ratedPowerW: 100, maxCurrentA: 8 },
    });
    const t0 = Date.UTC(2026, 5, 21, 12);
    for (let i = 0; i < 10; i++) {
      records.add('loaded', t0 + i * 100 + 50, { voltage: 9, current: 3, power: 27 }, t0 + i * 100 + 51);
      records.add('dark', t0 + i * 100 + 50, { voltage: 0, current: 0, power: 0 }, t0 + i * 100 + 51);
    }
    for (const p of ['loaded', 'dark']) records.add(p, t0 + 1050, { voltage: 9, current: 0, power: 0 }, t0 + 1051);
    const closed = records.close(t0 + 1200);
    const alerts = Object.fromEntries(closed.records.map((r) => [r.panel, r.payload.alerts]));
    assert.deepEqual(alerts, { loaded: ['under_voltage'], dark: [] });
    assert.deepEqual(
      closed.events.map((e) => [e.panel, e.type]),
      [['loaded', 'under_voltage']],
    );
  });
});
