// "Cycle time of two devices on one bus with one dead": a live and a silent controller polled every second,
// on our bus (per-device backoff) and on a naive FIFO that retries the dead one on every poll.
import type { ModbusUnit } from '../../nodes/common/modbus/unit';
import { readPayload, type PollOptions } from '../../nodes/epever-tracer/reading';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { parseBusSettings, type TransportKind } from '../../nodes/modbus-bus/bus-config';
import { connect, disconnect } from './connect';
import { NaiveBus } from './naive-bus';
import { pollOnSchedule, type PollRecord } from './poll-loop';
import type { Figures, Legend } from './report';
import { intervals, max, median, round } from './stats';
import { logQueue, type TransactionLog } from './transaction-log';
import { serveBus } from './transports';

export type BusKind = 'backoff' | 'naive';

const LIVE = 1;
const DEAD = 2;
const FULL_READ: PollOptions = { status: true, statistics: true };
const BUS = { timeoutMs: 1000, retries: 1 };
const NOON = () => new Date('2026-06-21T12:00:00Z');

export const SHARED_BUS_LEGEND: Legend = {
  window_s: 'how long both controllers were polled, one full reading each per second',
  live_readings: 'readings the live controller delivered in the window',
  live_expected: 'readings a 1 s schedule asks for in the window',
  live_first_reading_ms: "when the live controller's first reading arrived, ms after the start",
  live_cycle_ms_median: 'median time between two readings of the live controller (1000 = on schedule)',
  live_cycle_ms_max: 'longest time between two readings of the live controller',
  dead_polls_tried: 'polls of the dead controller that went on the wire (the rest were skipped or backed off)',
  dead_polls_backed_off: 'polls of the dead controller the bus refused at once, without a transaction',
  dead_polls_skipped: 'ticks of the dead controller dropped because its previous poll was still running',
  dead_transactions: 'requests actually sent to the dead controller, retries included',
  dead_bus_ms: "bus time spent waiting for the dead controller's answers",
};

export interface SharedBusOptions {
  windowMs: number;
}

export async function benchSharedBus(transport: TransportKind, bus: BusKind, { windowMs }: SharedBusOptions): Promise<Figures> {
  const dead = new EpeverSimulator({ unitId: DEAD, now: NOON });
  dead.faults.silent = true;
  const served = await serveBus(transport, [new EpeverSimulator({ unitId: LIVE, now: NOON }), dead]);
  try {
    const { units, log, close } = await openBus(bus, served.busConfig);
    try {
      const records = await pollOnSchedule(
        [
          { name: 'live', poll: () => readPayload(units(LIVE), FULL_READ) },
          { name: 'dead', poll: () => readPayload(units(DEAD), FULL_READ) },
        ],
        1000,
        windowMs,
      );
      return figures(transport, bus, windowMs, records.get('live')!, records.get('dead')!, log);
    } finally {
      await close();
    }
  } finally {
    await served.close();
  }
}

interface OpenBus {
  units: (unitId: number) => ModbusUnit;
  log: TransactionLog;
  close: () => Promise<void>;
}

async function openBus(bus: BusKind, busConfig: Record<string, unknown>): Promise<OpenBus> {
  if (bus === 'backoff') {
    const connection = await connect({ ...busConfig, ...BUS });
    return { units: (id) => connection.unit(id), log: logQueue(connection.queue), close: () => disconnect(connection) };
  }
  const naive = await NaiveBus.open(parseBusSettings({ ...busConfig, ...BUS }));
  return { units: (id) => naive.unit(id), log: naive.log, close: () => naive.close() };
}

function figures(transport: TransportKind, bus: BusKind, windowMs: number, live: PollRecord, dead: PollRecord, log: TransactionLog): Figures {
  const cycles = intervals(live.readingsAt);
  return {
    transport,
    bus: bus === 'backoff' ? 'per-device backoff (ours)' : 'naive FIFO, no backoff',
    window_s: round(windowMs / 1000, 1),
    live_readings: live.readingsAt.length,
    live_expected: live.ticks,
    live_first_reading_ms: round(live.readingsAt[0] ?? Number.NaN, 0),
    live_cycle_ms_median: round(median(cycles), 0),
    live_cycle_ms_max: round(max(cycles), 0),
    dead_polls_tried: dead.failed,
    dead_polls_backed_off: dead.backedOff,
    dead_polls_skipped: dead.skipped,
    dead_transactions: log.count(DEAD),
    dead_bus_ms: round(log.busy(DEAD), 0),
  };
}
