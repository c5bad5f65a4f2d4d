// `npm run bench`: figures of the Modbus bus and the Epever reader against simulators on loopback and a pty,
// of the rollup engine and node, of the PI30 link, of the disk spool and of the TimescaleDB writer.
// Stdout gets one JSON line per figure set, then tables; progress and errors go to stderr.
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

/** Everything runs in about a minute and a half; a hung transport must not hold the run forever. */
const DEADLINE_MS = 300_000;
const READS = { reads: 50, warmup: 5 };
const SHARED_BUS_WINDOW_MS = 12_000;
const SHARED_BUS_RUNS: readonly [TransportKind, BusKind][] = [
  ['serial', 'backoff'],
  ['serial', 'naive'],
  ['tcp', 'backoff'],
  ['tcp', 'naive'],
];

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<boolean> {
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

  report.add('rtu-wire-estimate', '115200 8N1', wireEstimate(), WIRE_ESTIMATE_LEGEND);
  for (const transport of TRANSPORTS) {
    await attempt(`epever-read over ${transport}`, async () => {
      report.add('epever-read', transport, await benchEpeverRead(transport, READS), EPEVER_READ_LEGEND);
    });
  }
  for (const [transport, bus] of SHARED_BUS_RUNS) {
    await attempt(`shared-bus over ${transport}, ${bus} bus, ${SHARED_BUS_WINDOW_MS / 1000} s`, async () => {
      const figures = await benchSharedBus(transport, bus, { windowMs: SHARED_BUS_WINDOW_MS });
      report.add('shared-bus', `${transport}, ${bus === 'backoff' ? 'ours' : 'naive'}`, figures, SHARED_BUS_LEGEND);
    });
  }
  await attempt('pzem8 over the paced pty at 9600 8N2', async () => report.add('pzem8', '9600 8N2 pty', await benchPzem(), PZEM_LEGEND));
  await benchRollup(report, attempt);
  await attempt('pi30', async () => {
    for (const { bench, ...figures } of await benchPi30()) report.add(bench, String(figures.transport), figures, PI30_LEGEND);
  });
  await attempt('spool', async () => {
    for (const { bench, case: column, ...figures } of await benchSpool()) report.add(bench, String(column), figures, SPOOL_LEGEND);
  });
  await benchTimescale(report, attempt);
  await benchInfluxdb(report, attempt);
  await attempt('ps100 (8 panels at 10 Hz, ours then naive)', () => benchPs100(report));
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
