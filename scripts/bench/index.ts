// `npm run bench`: figures of the Modbus bus, the Epever reader and eight PZEM meters against simulators on
// loopback and a paced pty, of the rollup engine and node, of the PI30 link, of the disk spool, of the
// TimescaleDB and InfluxDB writers and of the PS100 sampler.
// Stdout gets one JSON line per figure set and one per goal of the performance issue, then tables; progress
// and errors go to stderr.
// Options: `--only modbus,pzem,rollup,pi30,spool,storage,influxdb,ps100` runs only those groups; `--turnaround-ms N` sets the
// simulated Modbus device's turnaround on the paced serial line (default 0: the wire alone).
// `npm run bench -- --only storage,modbus`.
import { messageOf } from '../../nodes/common/errors';
import type { TransportKind } from '../../nodes/modbus-bus/bus-config';
import { benchEpeverRead, EPEVER_READ_LEGEND } from './epever-read';
import { benchInfluxdb } from './influxdb';
import { Report } from './report';
import { benchPi30, PI30_LEGEND } from './pi30';
import { benchPzem, PZEM_LEGEND } from './pzem';
import { benchPs100 } from './ps100';
import { benchRollup } from './rollup';
import { benchSharedBus, SHARED_BUS_LEGEND, type BusKind } from './shared-bus';
import { benchSpool, SPOOL_LEGEND } from './spool';
import { benchTimescale } from './timescale';
import { TRANSPORTS } from './transports';
import { WIRE_ESTIMATE_LEGEND, wireEstimate } from './wire-estimate';

/** Everything runs in about five minutes; a hung transport must not hold the run forever. */
const DEADLINE_MS = 600_000;
const READS = { reads: 50, warmup: 5 };
const SHARED_BUS_WINDOW_MS = 12_000;
const SHARED_BUS_RUNS: readonly [TransportKind, BusKind][] = [
  ['serial', 'backoff'],
  ['serial', 'naive'],
  ['tcp', 'backoff'],
  ['tcp', 'naive'],
];

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

const GROUPS = ['modbus', 'pzem', 'rollup', 'pi30', 'spool', 'storage', 'influxdb', 'ps100'] as const;
type Group = (typeof GROUPS)[number];

interface BenchArgs {
  only: ReadonlySet<Group>;
  turnaroundMs: number;
}

function parseArgs(argv: readonly string[]): BenchArgs {
  let only = new Set<Group>(GROUPS);
  let turnaroundMs = 0;
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i] ?? '';
    if (name === '--only') {
      const asked = value()
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean);
      const unknown = asked.filter((g) => !(GROUPS as readonly string[]).includes(g));
      if (unknown.length > 0 || asked.length === 0) throw new Error(`--only takes some of ${GROUPS.join(',')}; got "${asked.join(',')}"`);
      only = new Set(asked as Group[]);
    } else if (name === '--turnaround-ms') {
      turnaroundMs = Number(value());
      if (!Number.isFinite(turnaroundMs) || turnaroundMs < 0) throw new Error('--turnaround-ms takes a number of milliseconds >= 0');
    } else throw new Error(`unknown option ${argv[i]} (--only ${GROUPS.join(',')}, --turnaround-ms N)`);
  }
  return { only, turnaroundMs };
}

async function main(): Promise<boolean> {
  const { only, turnaroundMs } = parseArgs(process.argv.slice(2));
  const report = new Report();
  let ok = true;
  const attempt = async (what: string, run: () => Promise<void>) => {
    progress(what);
    try {
      await run();
    } catch (err) {
      ok = false;
      progress(`${what} failed: ${messageOf(err)}`);
    }
  };

  if (only.has('modbus')) {
    report.add('rtu-wire-estimate', '115200 8N1', wireEstimate(), WIRE_ESTIMATE_LEGEND);
    for (const transport of TRANSPORTS) {
      await attempt(`epever-read over ${transport}`, async () => {
        const figures = await benchEpeverRead(transport, { ...READS, turnaroundMs });
        report.add('epever-read', transport, figures, EPEVER_READ_LEGEND);
        if (transport === 'serial') {
          report.goal('modbus_read_vs_wire', Number(figures.vs_wire), {
            ours_ms: Number(figures.ms_per_read_median),
            ceiling_ms: Number(figures.wire_limit_ms),
            naive_ms: Number(figures.naive_ms_per_read_median),
            turnaround_ms: turnaroundMs,
            target: 1.2,
          });
        }
      });
    }
    for (const [transport, bus] of SHARED_BUS_RUNS) {
      await attempt(`shared-bus over ${transport}, ${bus} bus, ${SHARED_BUS_WINDOW_MS / 1000} s`, async () => {
        const figures = await benchSharedBus(transport, bus, { windowMs: SHARED_BUS_WINDOW_MS });
        report.add('shared-bus', `${transport}, ${bus === 'backoff' ? 'ours' : 'naive'}`, figures, SHARED_BUS_LEGEND);
      });
    }
  }
  if (only.has('rollup')) await benchRollup(report, attempt);
  if (only.has('pi30')) {
    await attempt('pi30', async () => {
      for (const { bench, ...figures } of await benchPi30()) report.add(bench, String(figures.transport), figures, PI30_LEGEND);
    });
  }
  if (only.has('spool')) {
    await attempt('spool', async () => {
      for (const { bench, case: column, ...figures } of await benchSpool()) report.add(bench, String(column), figures, SPOOL_LEGEND);
    });
  }
  if (only.has('pzem')) {
    await attempt('pzem8 over the paced pty at 9600 8N2', async () => report.add('pzem8', '9600 8N2 pty', await benchPzem(), PZEM_LEGEND));
  }
  if (only.has('storage')) await benchTimescale(report, attempt);
  if (only.has('influxdb')) await benchInfluxdb(report, attempt);
  if (only.has('ps100')) await attempt('ps100 (8 panels at 10 Hz, ours then naive)', () => benchPs100(report));
  report.printTables();
  return ok;
}

const deadline = setTimeout(() => {
  progress(`still running after ${DEADLINE_MS / 1000} s; giving up`);
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

main().then(
  (ok) => {
    process.exitCode = ok ? 0 : 1;
  },
  (err: unknown) => {
    progress(messageOf(err));
    process.exitCode = 1;
  },
);
