// "requests per full Epever read" and "ms per read": our block plan against one request per value,
// both through the same ModbusConnection to a simulated controller.
import { isDeepStrictEqual } from 'node:util';
import { readPayload, type PollOptions, type WyandataPayload } from '../../nodes/epever-tracer/reading';
import type { TransportKind } from '../../nodes/modbus-bus/bus-config';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { connect, disconnect } from './connect';
import { readPayloadOneByOne } from './naive-read';
import type { Figures, Legend } from './report';
import { median, quantile, round } from './stats';
import { logQueue } from './transaction-log';
import { serveBus } from './transports';
import { wireEstimate } from './wire-estimate';

const FULL_READ: PollOptions = { status: true, statistics: true };
const UNIT = 1;
/** A fixed moment keeps the simulator's readings equal between the two ways, so they can be compared. */
const NOON = () => new Date('2026-06-21T12:00:00Z');

export const EPEVER_READ_LEGEND: Legend = {
  reads: 'full readings (realtime + status + statistics) timed each way, after a warm-up',
  requests_per_read: 'Modbus transactions one full reading takes with our block plan',
  naive_requests_per_read: 'the same reading with one request per value',
  ms_per_read_median: 'median wall time of one full reading, ours (serial: a pty paced at 115200 8N1)',
  ms_per_read_p95: '95th percentile of the same',
  naive_ms_per_read_median: 'median wall time of one full reading, one request per value',
  naive_ms_per_read_p95: '95th percentile of the same',
  speedup: 'naive median / our median',
  turnaround_ms: 'serial: the simulated device answers this long after the request (--turnaround-ms)',
  wire_limit_ms: "serial: the line's limit for our requests: wire time (rtu-wire-estimate) + turnaround each",
  vs_wire: 'serial: ms_per_read_median / wire_limit_ms (goal <= 1.2)',
  payloads_match: 'both ways decode the same payload',
};

export interface EpeverReadOptions {
  reads: number;
  warmup: number;
  /** The simulated device's turnaround on the serial line. */
  turnaroundMs: number;
}

export async function benchEpeverRead(transport: TransportKind, { reads, warmup, turnaroundMs }: EpeverReadOptions): Promise<Figures> {
  const served = await serveBus(transport, [new EpeverSimulator({ unitId: UNIT, now: NOON })], { turnaroundMs });
  try {
    const connection = await connect(served.busConfig);
    try {
      const log = logQueue(connection.queue);
      const unit = connection.unit(UNIT);
      const ours = await timeReads(
        () => readPayload(unit, FULL_READ, NOON),
        reads,
        warmup,
        () => log.count(UNIT),
      );
      const naive = await timeReads(
        () => readPayloadOneByOne(unit, FULL_READ, NOON),
        reads,
        warmup,
        () => log.count(UNIT),
      );
      return {
        transport,
        reads,
        requests_per_read: round(ours.requests / reads),
        naive_requests_per_read: round(naive.requests / reads),
        ms_per_read_median: round(median(ours.ms)),
        ms_per_read_p95: round(quantile(ours.ms, 0.95)),
        naive_ms_per_read_median: round(median(naive.ms)),
        naive_ms_per_read_p95: round(quantile(naive.ms, 0.95)),
        speedup: round(median(naive.ms) / median(ours.ms), 1),
        payloads_match: isDeepStrictEqual(ours.last, naive.last),
        ...(transport === 'serial' ? againstWire(median(ours.ms), ours.requests / reads, turnaroundMs) : {}),
      };
    } finally {
      await disconnect(connection);
    }
  } finally {
    await served.close();
  }
}

/** The paced line's figure beside what the wire allows for the same requests. */
function againstWire(medianMs: number, requestsPerRead: number, turnaroundMs: number): Figures {
  const limit = Number(wireEstimate().wire_ms_per_read) + requestsPerRead * turnaroundMs;
  return { turnaround_ms: turnaroundMs, wire_limit_ms: round(limit, 1), vs_wire: round(medianMs / limit, 2) };
}

interface TimedReads {
  ms: number[];
  requests: number;
  last: WyandataPayload | undefined;
}

async function timeReads(read: () => Promise<WyandataPayload>, reads: number, warmup: number, transactions: () => number): Promise<TimedReads> {
  for (let i = 0; i < warmup; i++) await read();
  const before = transactions();
  const ms: number[] = [];
  let last: WyandataPayload | undefined;
  for (let i = 0; i < reads; i++) {
    const started = performance.now();
    last = await read();
    ms.push(performance.now() - started);
  }
  return { ms, requests: transactions() - before, last };
}
