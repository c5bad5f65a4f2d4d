// PI30 figures: the QPIGS round trip and a default poll (QPIGS + QMOD + QPIWS) through the pi30-port connection
// to the simulator over TCP loopback, a pty pair, and a pty paced like a real 2400 baud line, beside the time
// the bytes alone need at 2400 baud; and what decoding and parsing one QPIGS reply costs.
// Run alone (node <build>/scripts/bench/pi30.js) it prints its JSON lines and table; `benchPi30` returns them.
import { Pi30Controller } from '../../nodes/mpp-pi30/controller';
import { exchangeThrough } from '../../nodes/mpp-pi30/protocol/exchange';
import { decodeReply, encodeCommand, encodeReply } from '../../nodes/mpp-pi30/protocol/frame';
import { parseQpigs } from '../../nodes/mpp-pi30/protocol/qpigs';
import { servePi30Pty, servePi30Tcp } from '../../nodes/mpp-pi30/simulator/serve';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { Pi30Connection } from '../../nodes/pi30-port/connection';
import { parsePortSettings } from '../../nodes/pi30-port/port-config';
import { Report, type Figures, type Legend } from './report';
import { median, quantile, round } from './stats';

export const PI30_BENCH = 'pi30';
const BAUD = 2400;
/** Start bit, 8 data bits, no parity, 1 stop bit. */
const BITS_PER_BYTE = 10;
const DEFAULT_POLL = ['QPIGS', 'QMOD', 'QPIWS'];
/** A classic PIP/Axpert (PI30, 21-field QPIGS) at noon, so every run sees the same reply lengths. */
const NOON = () => new Date('2026-06-21T12:00:00Z');

export const PI30_LEGEND: Legend = {
  qpigs_round_trips: 'QPIGS commands timed, one after another, after a warm-up',
  qpigs_ms_median: 'median wall time of one QPIGS: encode, queue, write, read to CR, check CRC',
  qpigs_ms_p95: '95th percentile of the same',
  qpigs_wire_ms_2400: 'time the QPIGS bytes alone need at 2400 baud 8N1: (request + reply bytes) x 10 bits / 2400',
  qpigs_bytes: 'request + reply bytes of one QPIGS',
  poll_ms_median: 'median wall time of one default poll (QPIGS, QMOD, QPIWS), parsed into a payload',
  poll_wire_ms_2400: 'time the bytes of that poll alone need at 2400 baud',
  decode_us_per_reply: 'CPU time to check a QPIGS reply frame (CRC, framing), microseconds',
  parse_us_per_reply: 'CPU time to parse a QPIGS reply into named fields, microseconds',
};

type Kind = 'tcp' | 'pty' | 'pty-2400-paced';

const wireMs = (bytes: number) => (bytes * BITS_PER_BYTE * 1000) / BAUD;

function bytesOf(sim: Pi30Simulator, command: string): number {
  return encodeCommand(command).length + encodeReply(sim.answer(command)).length;
}

async function serve(kind: Kind, sim: Pi30Simulator): Promise<{ raw: Record<string, unknown>; close(): Promise<void> }> {
  if (kind === 'tcp') {
    const server = await servePi30Tcp(sim, { host: '127.0.0.1', port: 0 });
    return { raw: { transport: 'tcp', host: server.host, port: server.port }, close: () => server.close() };
  }
  const line = await servePi30Pty(sim, { baudRate: BAUD, paced: kind === 'pty-2400-paced' });
  return { raw: { transport: 'serial', path: line.path, baudRate: BAUD }, close: () => line.close() };
}

async function time(run: () => Promise<unknown>, count: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await run();
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await run();
    ms.push(performance.now() - started);
  }
  return ms;
}

async function benchTransport(kind: Kind, roundTrips: number, polls: number): Promise<Figures> {
  const sim = new Pi30Simulator({ model: 'pi30', now: NOON });
  const served = await serve(kind, sim);
  // No quiet gap between commands: the figures are the round trips themselves.
  const connection = new Pi30Connection({ ...parsePortSettings({ ...served.raw, timeoutMs: 5000, gapMs: 0 }) });
  connection.register('bench');
  try {
    const exchange = exchangeThrough((op) => connection.transact(op));
    const qpigs = await time(() => exchange('QPIGS'), roundTrips, 2);
    const controller = new Pi30Controller(exchange, { queries: ['QPIGS', 'QMOD', 'QPIWS'], allowWrites: false });
    const poll = await time(() => controller.poll(), polls, 1);
    const qpigsBytes = bytesOf(sim, 'QPIGS');
    return {
      transport: kind,
      qpigs_round_trips: roundTrips,
      qpigs_ms_median: round(median(qpigs)),
      qpigs_ms_p95: round(quantile(qpigs, 0.95)),
      qpigs_wire_ms_2400: round(wireMs(qpigsBytes), 1),
      qpigs_bytes: qpigsBytes,
      poll_ms_median: round(median(poll)),
      poll_wire_ms_2400: round(wireMs(DEFAULT_POLL.reduce((n, c) => n + bytesOf(sim, c), 0)), 1),
    };
  } finally {
    await connection.deregister('bench');
    await served.close();
  }
}

function benchParse(iterations: number): Figures {
  const reply = encodeReply(new Pi30Simulator({ model: 'pi30', now: NOON }).answer('QPIGS'));
  const decoded = decodeReply(reply);
  if (!decoded.ok || decoded.reply.kind !== 'data') throw new Error('the simulator sent no QPIGS data');
  const text = decoded.reply.text;
  const cost = (run: () => unknown) => {
    for (let i = 0; i < 1000; i++) run();
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    return Number(process.hrtime.bigint() - started) / 1000 / iterations;
  };
  return {
    transport: 'cpu',
    decode_us_per_reply: round(cost(() => decodeReply(reply))),
    parse_us_per_reply: round(cost(() => parseQpigs(text))),
  };
}

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** Every PI30 figure set, `{bench: 'pi30', transport, ...figures}`; progress goes to stderr. */
export async function benchPi30(): Promise<({ bench: string } & Figures)[]> {
  const results: ({ bench: string } & Figures)[] = [];
  const runs: [Kind, number, number][] = [
    ['tcp', 100, 20],
    ['pty', 100, 20],
    ['pty-2400-paced', 8, 4],
  ];
  for (const [kind, roundTrips, polls] of runs) {
    progress(`pi30 over ${kind}`);
    results.push({ bench: PI30_BENCH, ...(await benchTransport(kind, roundTrips, polls)) });
  }
  progress('pi30 decode and parse');
  results.push({ bench: PI30_BENCH, ...benchParse(20000) });
  return results;
}

if (require.main === module) {
  benchPi30().then(
    (results) => {
      const report = new Report();
      for (const { bench, ...figures } of results) report.add(bench, String(figures.transport), figures, PI30_LEGEND);
      report.printTables();
    },
    (err: unknown) => {
      progress(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
