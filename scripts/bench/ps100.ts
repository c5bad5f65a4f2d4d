// The PS100 sampler against a naive setInterval sampler, one after the other in the same process: eight
// simulated INA panels at 10 Hz. Figures: samples per panel per second (and how many 1 s records hold exactly
// 10), p99 lateness of ticks against their schedule, and the CPU share of one core.
// `npm run bench` runs a short pass; `node dist/scripts/bench/ps100.js --minutes 10` the 10-minute one.
import { performance } from 'node:perf_hooks';
import { swapBytes, REG } from '../../nodes/ps100-sampler/registers';
import { Ps100Sampler, type PanelConfig } from '../../nodes/ps100-sampler/sampler';
import { simBusFor } from '../../nodes/ps100-sampler/sim-bus-opener';
import { Report, type Figures, type Legend } from './report';
import { quantile, round } from './stats';

const PANELS = 8;
const RATE_HZ = 10;
export const PS100_DEFAULT_S = 20;

export const PS100_LEGEND: Legend = {
  panels: 'simulated INA219/INA226 panels on one bus',
  seconds: 'wall seconds measured (after a 2 s warm-up)',
  samples_per_panel_s: 'samples per panel per second (goal 10.0)',
  records_with_10: 'share of whole 1 s records per panel holding exactly 10 samples (goal 1.0)',
  p99_late_ms: 'p99 of how late a tick ran after its scheduled time (ours: start + k × period; naive: the same schedule)',
  max_late_ms: 'worst tick lateness',
  overruns: 'ticks passed because the one before ran too late (counted, not read)',
  cpu_percent: 'CPU time of the process as a share of one core while sampling',
};

function panels(): PanelConfig[] {
  return Array.from({ length: PANELS }, (_, i) => ({
    address: 0x40 + i,
    name: `PS100_0X${(0x40 + i).toString(16).toUpperCase()}`,
    chip: i % 2 ? 'INA219' : 'INA226',
    shuntOhms: 0.01,
    maxCurrentA: 8,
    ratedPowerW: 100,
  }));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU share of one core over a stretch of wall time. */
function cpuMeter(): () => number {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  return () => {
    const used = process.cpuUsage(cpu);
    return ((used.user + used.system) / 1000 / (performance.now() - wall)) * 100;
  };
}

async function ours(seconds: number): Promise<Figures> {
  const counts: number[] = [];
  const lateness: number[] = [];
  let measuring = false;
  const sampler = new Ps100Sampler(
    {
      busNumber: 1,
      sampleRateHz: RATE_HZ,
      recordPeriodS: 1,
      panels: panels(),
      underVoltageV: 0,
      source: 'bus',
      defaultLimits: { ratedPowerW: 100, maxCurrentA: 8 },
    },
    {
      onReport: (report) => {
        if (measuring) for (const r of report.records) counts.push(r.payload.sample_count as number);
      },
      onBusFailure: () => undefined,
      onTick: (tick) => {
        if (measuring) lateness.push(tick.latenessMs);
      },
    },
    async () => simBusFor(panels()),
  );
  sampler.start();
  await pause(2000);
  const overrunsBefore = sampler.clock.counters.overruns;
  measuring = true;
  const cpu = cpuMeter();
  await pause(seconds * 1000);
  const cpuPercent = cpu();
  measuring = false;
  await sampler.stop();
  // The first and last record of the stretch may hold part of a second around its edges.
  const whole = counts.slice(PANELS, -PANELS);
  return {
    panels: PANELS,
    seconds,
    samples_per_panel_s: round(whole.reduce((a, b) => a + b, 0) / Math.max(1, whole.length), 3),
    records_with_10: round(whole.filter((c) => c === 10).length / Math.max(1, whole.length), 4),
    p99_late_ms: round(quantile(lateness, 0.99), 3),
    max_late_ms: round(Math.max(...lateness), 3),
    overruns: sampler.clock.counters.overruns - overrunsBefore,
    cpu_percent: round(cpuPercent, 2),
  };
}

/**
 * What a first attempt looks like: setInterval(100), each panel read in turn (bus, current, power), samples
 * stamped with Date.now() and counted per wall second.
 */
async function naive(seconds: number): Promise<Figures> {
  const bus = simBusFor(panels());
  const perSecond = new Map<string, number>();
  const lateness: number[] = [];
  let measuring = false;
  /** The schedule starts at the first tick measured: tick k is due k periods after it. */
  let start = -1;
  let k = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (measuring && start < 0) start = now;
    else if (measuring) lateness.push(now - (start + ++k * (1000 / RATE_HZ)));
    void (async () => {
      for (const panel of panels()) {
        await bus.readWord(panel.address, REG.busVoltage);
        const current = swapBytes(await bus.readWord(panel.address, REG.current));
        await bus.readWord(panel.address, REG.power);
        if (!measuring || current < 0) continue;
        const key = `${panel.name}@${Math.floor(Date.now() / 1000)}`;
        perSecond.set(key, (perSecond.get(key) ?? 0) + 1);
      }
    })();
  }, 1000 / RATE_HZ);
  await pause(2000);
  measuring = true;
  const cpu = cpuMeter();
  await pause(seconds * 1000);
  const cpuPercent = cpu();
  measuring = false;
  clearInterval(timer);
  const seconds_ = [...new Set([...perSecond.keys()].map((key) => Number(key.split('@')[1])))].sort((a, b) => a - b).slice(1, -1);
  const whole = [...perSecond].filter(([key]) => seconds_.includes(Number(key.split('@')[1]))).map(([, n]) => n);
  return {
    panels: PANELS,
    seconds,
    samples_per_panel_s: round(whole.reduce((a, b) => a + b, 0) / Math.max(1, whole.length), 3),
    records_with_10: round(whole.filter((c) => c === 10).length / Math.max(1, whole.length), 4),
    p99_late_ms: round(quantile(lateness, 0.99), 3),
    max_late_ms: round(Math.max(...lateness), 3),
    cpu_percent: round(cpuPercent, 2),
  };
}

export async function benchPs100(report: Report, seconds = PS100_DEFAULT_S): Promise<void> {
  report.add('ps100', 'ours', await ours(seconds), PS100_LEGEND);
  report.add('ps100', 'naive setInterval', await naive(seconds), PS100_LEGEND);
}

if (require.main === module) {
  const minutes = process.argv.indexOf('--minutes');
  const seconds = minutes > 0 ? Number(process.argv[minutes + 1]) * 60 : PS100_DEFAULT_S;
  const report = new Report();
  benchPs100(report, seconds).then(
    () => report.printTables(),
    (err: unknown) => {
      process.stderr.write(`bench: ps100 failed: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
