// What a full reading costs on a real RS-485 line, by arithmetic: bytes on the wire at the baud rate plus the
// inter-frame gap. Loopback moves bytes far faster; the bench's serial line (a paced pty) keeps to it.
import type { Block } from '../../nodes/common/modbus/block-plan';
import { pollPlan } from '../../nodes/epever-tracer/reading';
import type { RegisterDef } from '../../nodes/common/modbus/register';
import { interFrameGapMs } from '../../nodes/modbus-bus/bus-config';
import { NAIVE_REGISTERS } from './naive-read';
import type { Figures, Legend } from './report';
import { round } from './stats';
import { SERIAL_BAUD } from './transports';

const BAUD = SERIAL_BAUD;
/** Start bit, 8 data bits, no parity, 1 stop bit. */
const BITS_PER_BYTE = 10;
/** FC4 request: unit, function, address (2), count (2), CRC (2). */
const REQUEST_BYTES = 8;
/** FC4 answer without its data: unit, function, byte count, CRC (2). */
const ANSWER_OVERHEAD_BYTES = 5;

export const WIRE_ESTIMATE_LEGEND: Legend = {
  baud: 'line speed assumed, 8N1',
  gap_ms: 'Modbus RTU quiet time between frames at that speed, counted once per request',
  requests_per_read: 'transactions of one full reading, our block plan',
  wire_ms_per_read: 'time on the wire for them: (8 + 5 + 2n bytes) x 10 bits / baud + gap, each',
  naive_requests_per_read: 'transactions with one request per value',
  naive_wire_ms_per_read: 'time on the wire for those (device turnaround, often 10+ ms each, comes on top)',
};

export function wireEstimate(): Figures {
  const gapMs = interFrameGapMs({ path: '', baudRate: BAUD, dataBits: 8, parity: 'none', stopBits: 1 });
  const wireMs = (wordCounts: readonly number[]) =>
    wordCounts.reduce((ms, n) => ms + ((REQUEST_BYTES + ANSWER_OVERHEAD_BYTES + 2 * n) * BITS_PER_BYTE * 1000) / BAUD + gapMs, 0);
  const blocks: Block<RegisterDef>[] = pollPlan({ status: true, statistics: true });
  const ours = blocks.map((b) => b.count);
  const naive = NAIVE_REGISTERS.map((d) => d.words);
  return {
    baud: BAUD,
    gap_ms: gapMs,
    requests_per_read: ours.length,
    wire_ms_per_read: round(wireMs(ours), 1),
    naive_requests_per_read: naive.length,
    naive_wire_ms_per_read: round(wireMs(naive), 1),
  };
}
