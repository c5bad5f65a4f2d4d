// Eight PZEM-017 meters on one simulated RS-485 bus at their own 9600 8N2, over the pseudo-terminal paced at that
// baud: one poll cycle of all eight (each node's one FC4 read, queued on the bus as the nodes queue them) against
// the wire limit from frame lengths and the 3.5-character silences, and what one dead meter costs.
import { servePty } from '../../nodes/common/simulator/modbus-slave';
import { characterMs } from '../../nodes/common/line-frame';
import { interFrameGapMs, parseBusSettings } from '../../nodes/modbus-bus/bus-config';
import { ModbusConnection } from '../../nodes/modbus-bus/connection';
import { MODEL_INFO } from '../../nodes/pzem017/models';
import { readPayload } from '../../nodes/pzem017/reading';
import { PzemSimulator } from '../../nodes/pzem017/simulator';
import type { Figures, Legend } from './report';
import { quantile, round } from './stats';

const median = (values: readonly number[]) => quantile(values, 0.5);

const METERS = 8;
const CYCLES = 12;
/** FC4 request: unit, function, address (2), count (2), CRC (2). */
const REQUEST_BYTES = 8;
/** FC4 answer of 8 registers: unit, function, byte count, 16 data bytes, CRC (2). */
const ANSWER_BYTES = 5 + 2 * 8;
const TIMEOUT_MS = 200;

export const PZEM_LEGEND: Legend = {
  meters: 'PZEM-017 meters on the bus, one FC4 read of 8 registers each per cycle',
  line: "line settings (the meters' own framing)",
  wire_ms_per_cycle: 'wire limit: 8 x ((8 + 21 bytes) x 11 bits / baud + 2 x 3.5-character silence)',
  cycle_ms_median: 'measured poll cycle of all meters, median of the cycles',
  ratio: 'measured / wire limit (goal: within 1.2)',
  dead_first_cycle_ms: 'one meter dead: the first cycle, which waits out its timeout',
  dead_cycle_ms_median: 'one meter dead: later cycles, the dead meter backed off',
  bus_timeout_ms: 'the bus timeout a dead meter costs once before it is backed off',
};

/** The wire limit for one cycle: every frame's characters at the baud plus the silence before each frame. */
export function pzemWireMs(): number {
  const { framing } = MODEL_INFO['PZEM-017'];
  const frame = { ...framing, parity: 'none' as const };
  const charMs = characterMs(frame);
  const gapMs = interFrameGapMs({ path: '', ...frame });
  return METERS * ((REQUEST_BYTES + ANSWER_BYTES) * charMs + 2 * gapMs);
}

async function cycle(connection: ModbusConnection, units: readonly number[]): Promise<number> {
  const started = performance.now();
  await Promise.allSettled(units.map((u) => readPayload(connection.unit(u), 'PZEM-017')));
  return performance.now() - started;
}

export async function benchPzem(): Promise<Figures> {
  const { framing } = MODEL_INFO['PZEM-017'];
  const meters = Array.from({ length: METERS }, (_, i) => new PzemSimulator({ unitId: i + 1, phase: i }));
  // A real meter keeps the 3.5-character silence before it answers; the paced line waits that long too.
  const turnaroundMs = interFrameGapMs({ path: '', ...framing });
  const line = await servePty(meters, { baudRate: framing.baudRate, frame: framing, paced: true, turnaroundMs });
  const connection = new ModbusConnection(
    parseBusSettings({ transport: 'serial', path: line.path, baudRate: 9600, stopBits: 2, timeoutMs: TIMEOUT_MS, retries: 0 }),
  );
  connection.register('bench');
  const units = meters.map((m) => m.unitId);
  try {
    await cycle(connection, units); // warm-up: opens the port
    const times: number[] = [];
    for (let i = 0; i < CYCLES; i++) times.push(await cycle(connection, units));
    meters[4].faults.silent = true;
    const deadFirst = await cycle(connection, units);
    const dead: number[] = [];
    for (let i = 0; i < CYCLES; i++) dead.push(await cycle(connection, units));
    const wire = pzemWireMs();
    const measured = median(times);
    return {
      goal: 'pzem8_cycle_vs_wire',
      ratio: round(measured / wire, 2),
      meters: METERS,
      line: '9600 8N2',
      wire_ms_per_cycle: round(wire, 1),
      cycle_ms_median: round(measured, 1),
      dead_first_cycle_ms: round(deadFirst, 1),
      dead_cycle_ms_median: round(median(dead), 1),
      bus_timeout_ms: TIMEOUT_MS,
    };
  } finally {
    await connection.shutdown();
    await line.close();
  }
}
