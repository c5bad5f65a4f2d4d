import assert from 'node:assert/strict';
import { appendFile, mkdtemp, open, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { crc32, crc32ByTable } from '../../nodes/common/spool/crc32';
import { BatchTooLargeError, DurableSpool, SpoolAckError, SpoolClosedError, type SpoolOptions } from '../../nodes/common/spool';

/** A flattened reading as the timescale writer spools it. */
interface Row {
  time: string;
  device: string;
  pv_array_voltage: number;
  battery_state_of_charge: number;
}

const START = Date.parse('2026-06-21T00:00:00Z');

/** Rows `from` .. `from + count - 1` of a 1 Hz series: each second's values are derived from its index. */
function rows(from: number, count: number): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const time = new Date(START + n * 1000).toISOString();
    return { time, device: 'tracer-1', pv_array_voltage: 30 + (n % 1000) / 100, battery_state_of_charge: n % 101 };
  });
}

const segmentFiles = async (dir: string) => (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();

/** Everything waiting, oldest first, acknowledged as it is read. */
async function drain<T>(spool: DurableSpool<T>): Promise<T[][]> {
  const batches: T[][] = [];
  for (let batch = await spool.peek(); batch; batch = await spool.peek()) {
    batches.push(batch.rows);
    await spool.ack(batch.id);
  }
  return batches;
}

describe('DurableSpool', () => {
  let dir: string;
  const opened: DurableSpool<unknown>[] = [];
  const openSpool = async <T = Row>(options: Partial<SpoolOptions> = {}): Promise<DurableSpool<T>> => {
    const spool = await DurableSpool.open<T>({ dir, maxBytes: 64 * 1024 * 1024, ...options });
    opened.push(spool as DurableSpool<unknown>);
    return spool;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('hands batches back in append order, the same one until it is acknowledged', async () => {
    const spool = await openSpool();
    assert.equal(spool.isEmpty, true);
    assert.equal(await spool.peek(), undefined);
    await spool.append(rows(0, 3));
    await spool.append(rows(3, 2));
    assert.deepEqual(spool.stats, { ...spool.stats, batches: 2, rows: 5, droppedBatches: 0, droppedRows: 0, damagedBytes: 0 });

    const first = await spool.peek();
    assert.deepEqual(first?.rows, rows(0, 3));
    assert.deepEqual(await spool.peek(), first);
    await spool.ack(first!.id);
    const second = await spool.peek();
    assert.deepEqual(second?.rows, rows(3, 2));
    assert.ok(second!.id > first!.id);
    await spool.ack(second!.id);
    assert.equal(spool.isEmpty, true);
    assert.equal(spool.stats.bytes, 0);
  });

  it('keeps what is not acknowledged across a restart, and forgets what is', async () => {
    const before = await openSpool({ segmentBytes: 600 });
    for (let b = 0; b < 10; b++) await before.append(rows(b * 5, 5));
    const acked = await drainSome(before, 3);
    await before.close();
    assert.ok((await segmentFiles(dir)).length > 1, 'the batches span several segments');

    const after = await openSpool({ segmentBytes: 600 });
    assert.deepEqual(after.recovery, { batches: 7, rows: 35, damagedBytes: 0, positionLost: false });
    await after.append(rows(50, 5));
    const rest = await drain(after);
    assert.deepEqual([...acked, ...rest].flat(), rows(0, 55));
    assert.equal(after.isEmpty, true);
    assert.equal((await segmentFiles(dir)).length, 1, 'read segments are deleted; the one being written stays');
  });

  it('numbers batches upwards across restarts, even after the spool was emptied', async () => {
    const first = await openSpool();
    await first.append(rows(0, 1));
    const { id } = (await first.peek())!;
    await first.ack(id);
    await first.close();
    const second = await openSpool();
    await second.append(rows(1, 1));
    assert.ok((await second.peek())!.id > id);
  });

  it('cuts a record torn by a power cut at open and keeps every whole one before it', async () => {
    const before = await openSpool();
    for (let b = 0; b < 5; b++) await before.append(rows(b * 10, 10));
    await before.close();
    const [segment] = await segmentFiles(dir);
    const path = join(dir, segment);
    const { size } = await stat(path);
    const starts = await recordStarts(path);
    assert.equal(starts.length, 5);
    const lastRecordBytes = size - starts[4];
    await truncate(path, size - 100);

    const after = await openSpool();
    assert.deepEqual(after.recovery, { batches: 4, rows: 40, damagedBytes: lastRecordBytes - 100, positionLost: false });
    assert.equal(after.stats.droppedBatches, 0);
    await after.append(rows(40, 10));
    await after.close();

    // The cut holds: the new batch follows the whole ones directly, and nothing is counted twice.
    const again = await openSpool();
    assert.equal(again.recovery.damagedBytes, 0);
    assert.equal(again.stats.damagedBytes, lastRecordBytes - 100);
    assert.deepEqual((await drain(again)).flat(), rows(0, 50));
  });

  it('cuts garbage after the last record, such as blocks a power cut left unwritten', async () => {
    const before = await openSpool();
    for (let b = 0; b < 3; b++) await before.append(rows(b * 10, 10));
    await before.close();
    const [segment] = await segmentFiles(dir);
    await appendFile(join(dir, segment), Buffer.concat([Buffer.alloc(300), Buffer.from('SPL1 not a record')]));

    const after = await openSpool();
    assert.deepEqual(after.recovery, { batches: 3, rows: 30, damagedBytes: 317, positionLost: false });
    await after.append(rows(30, 1)); // shorter than the garbage: none of it may outlive the cut
    await after.close();
    const again = await openSpool();
    assert.equal(again.recovery.damagedBytes, 0);
    assert.deepEqual((await drain(again)).flat(), rows(0, 31));
  });

  it('gives up and counts the rest of a segment whose record went bad on the card, and goes on', async () => {
    const spool = await openSpool({ segmentBytes: 400 });
    for (let b = 0; b < 12; b++) await spool.append(rows(b * 5, 5));
    const files = await segmentFiles(dir);
    assert.ok(files.length >= 3);
    const firstSegmentBatches = (await recordStarts(join(dir, files[0]))).length;
    await flipByte(join(dir, files[0]), Math.floor((await stat(join(dir, files[0]))).size / 2));

    const read = (await drain(spool)).flat();
    const dropped = spool.stats.droppedBatches;
    assert.ok(dropped > 0 && dropped <= firstSegmentBatches);
    assert.equal(spool.stats.droppedRows, dropped * 5);
    assert.ok(spool.stats.damagedBytes > 0);
    // What was read is everything but a contiguous run of the first segment's batches, in order.
    const keptOfFirst = firstSegmentBatches - dropped;
    assert.deepEqual(read, [...rows(0, keptOfFirst * 5), ...rows(firstSegmentBatches * 5, (12 - firstSegmentBatches) * 5)]);
  });

  it('drops the oldest segments past the size limit and counts exactly what it dropped', async () => {
    const maxBytes = 16 * 1024;
    const spool = await openSpool({ maxBytes, segmentBytes: 2048 });
    const appended = 200;
    for (let b = 0; b < appended; b++) {
      await spool.append(rows(b * 3, 3));
      assert.ok(spool.stats.diskBytes <= maxBytes, `disk use ${spool.stats.diskBytes} within the limit`);
    }
    const { droppedBatches, droppedRows } = spool.stats;
    assert.ok(droppedBatches > 0);
    await spool.close();

    const after = await openSpool({ maxBytes, segmentBytes: 2048 });
    assert.deepEqual([after.stats.droppedBatches, after.stats.droppedRows], [droppedBatches, droppedRows], 'counts survive a restart');
    const kept = await drain(after);
    assert.equal(kept.length, appended - droppedBatches);
    assert.equal(droppedRows, droppedBatches * 3);
    assert.deepEqual(kept.flat(), rows(droppedBatches * 3, (appended - droppedBatches) * 3), 'the newest are kept, in order');
  });

  it('accepts the ack of a batch the size limit dropped while it was being stored', async () => {
    const spool = await openSpool({ maxBytes: 8 * 1024, segmentBytes: 1024 });
    await spool.append(rows(0, 3));
    const inFlight = (await spool.peek())!;
    for (let b = 1; spool.stats.droppedBatches === 0; b++) {
      assert.ok(b < 1000, 'the limit drops something');
      await spool.append(rows(b * 3, 3));
    }
    await spool.ack(inFlight.id);
    const next = (await spool.peek())!;
    assert.ok(next.id > inFlight.id);
    await spool.ack(next.id);
  });

  it('refuses a batch larger than the whole spool may be, and keeps going', async () => {
    const spool = await openSpool({ maxBytes: 512 });
    await spool.append(rows(0, 2));
    await assert.rejects(spool.append(rows(0, 500)), BatchTooLargeError);
    await spool.append(rows(2, 2));
    assert.deepEqual((await drain(spool)).flat(), rows(0, 4));
  });

  it('takes a batch as it is when append is called, so the caller may reuse its rows', async () => {
    const spool = await openSpool();
    const batch = rows(0, 2);
    const appending = spool.append(batch);
    batch[0].battery_state_of_charge = -1;
    batch.length = 0;
    await appending;
    assert.deepEqual((await spool.peek())?.rows, rows(0, 2));
  });

  it('rejects rows JSON cannot hold, and keeps going', async () => {
    const spool = await openSpool<Record<string, unknown>>();
    await assert.rejects(spool.append([{ energy: 10n }]), TypeError);
    await spool.append([{ energy: 10 }]);
    assert.deepEqual((await drain(spool)).flat(), [{ energy: 10 }]);
  });

  it('rejects an ack of any batch but the oldest, saying which one that is', async () => {
    const spool = await openSpool();
    await assert.rejects(spool.ack(1), (err: unknown) => err instanceof SpoolAckError && /ack of batch 1, but no batch is waiting/.test(err.message));
    await spool.append(rows(0, 1));
    await spool.append(rows(1, 1));
    const oldest = (await spool.peek())!;
    await assert.rejects(spool.ack(oldest.id + 1), {
      name: 'SpoolAckError',
      message: `spool ack of batch ${oldest.id + 1}, but the oldest waiting batch is ${oldest.id}`,
    });
    await spool.ack(oldest.id);
    await assert.rejects(spool.ack(oldest.id), SpoolAckError, 'a second ack of the same batch');
    assert.equal(spool.stats.batches, 1);
  });

  it('keeps order when appends arrive while a replay is under way', async () => {
    const spool = await openSpool({ segmentBytes: 1024 });
    for (let b = 0; b < 5; b++) await spool.append(rows(b * 4, 4));
    const read: Row[][] = [];
    const replay = (async () => {
      for (let i = 0; i < 15; i++) {
        const batch = await spool.peek();
        if (!batch) continue;
        read.push(batch.rows);
        await spool.ack(batch.id);
      }
    })();
    const appends = Array.from({ length: 10 }, (_, i) => spool.append(rows((5 + i) * 4, 4)));
    await Promise.all([replay, ...appends]);
    read.push(...(await drain(spool)));
    assert.deepEqual(read.flat(), rows(0, 60));
  });

  it('keeps 24 h of 1 Hz rows spooled while the database is down, and gives back each once, in order', async function () {
    this.timeout(120_000);
    const day = 86_400;
    const spool = await openSpool();
    for (let from = 0; from < day; from += 500) await spool.append(rows(from, Math.min(500, day - from)));
    assert.deepEqual([spool.stats.batches, spool.stats.rows], [Math.ceil(day / 500), day]);
    await spool.close();

    const after = await openSpool();
    assert.equal(after.recovery.rows, day);
    const back = (await drain(after)).flat();
    assert.equal(back.length, day);
    back.forEach((row, n) => {
      if (row.time !== new Date(START + n * 1000).toISOString()) assert.fail(`row ${n} is ${row.time}`);
    });
    assert.deepEqual(back, rows(0, day));
    assert.deepEqual(after.stats, { ...after.stats, batches: 0, rows: 0, droppedBatches: 0, droppedRows: 0, damagedBytes: 0 });
  });

  it('replays everything when its read position was lost (at least once, never less)', async () => {
    const before = await openSpool();
    for (let b = 0; b < 4; b++) await before.append(rows(b * 2, 2));
    await drainSome(before, 2);
    await before.close();
    await writeFile(join(dir, 'position.json'), '{"readThrough');

    const after = await openSpool();
    assert.equal(after.recovery.positionLost, true);
    assert.deepEqual((await drain(after)).flat(), rows(0, 8));
  });

  it('refuses work once closed', async () => {
    const spool = await openSpool();
    await spool.append(rows(0, 1));
    await spool.close();
    await assert.rejects(spool.append(rows(1, 1)), SpoolClosedError);
    await assert.rejects(spool.peek(), SpoolClosedError);
    await spool.close();
  });

  it('checks its options', async () => {
    await assert.rejects(DurableSpool.open({ dir, maxBytes: 0 }), /maxBytes must be a positive number/);
    await assert.rejects(DurableSpool.open({ dir, maxBytes: 1000, segmentBytes: Number.NaN }), /segmentBytes must be a positive number/);
  });

  it('keeps the contents of a FIFO through any mix of appends, acks and restarts', async () => {
    type Step = { kind: 'append'; count: number } | { kind: 'ack' } | { kind: 'restart' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 12 }).map((count): Step => ({ kind: 'append', count })) },
      { weight: 3, arbitrary: fc.constant<Step>({ kind: 'ack' }) },
      { weight: 1, arbitrary: fc.constant<Step>({ kind: 'restart' }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30, size: 'max' }), async (steps) => {
        const runDir = await mkdtemp(join(dir, 'run-'));
        const options = { dir: runDir, maxBytes: 1024 * 1024, segmentBytes: 700 };
        let spool = await DurableSpool.open<Row>(options);
        const model: Row[][] = [];
        let next = 0;
        try {
          for (const s of steps) {
            if (s.kind === 'append') {
              const batch = rows(next, s.count);
              next += s.count;
              await spool.append(batch);
              model.push(batch);
            } else if (s.kind === 'ack') {
              const oldest = await spool.peek();
              assert.deepEqual(oldest?.rows, model[0]);
              if (oldest) await spool.ack(oldest.id);
              model.shift();
            } else {
              await spool.close();
              spool = await DurableSpool.open<Row>(options);
            }
            assert.deepEqual([spool.stats.batches, spool.stats.rows], [model.length, model.flat().length]);
          }
          assert.deepEqual(await drain(spool), model);
        } finally {
          await spool.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('under a size limit, keeps the newest batches in order and accounts for every other one', async () => {
    const step = fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 20 }) },
      { weight: 2, arbitrary: fc.constant('ack' as const) },
      { weight: 1, arbitrary: fc.constant('restart' as const) },
    );
    let runsThatDropped = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40, size: 'max' }), async (steps) => {
        const runDir = await mkdtemp(join(dir, 'run-'));
        const options = { dir: runDir, maxBytes: 1024, segmentBytes: 300 };
        let spool = await DurableSpool.open<Row>(options);
        const appended: Row[][] = [];
        let acked = 0;
        let next = 0;
        try {
          for (const s of steps) {
            if (typeof s === 'number') {
              appended.push(rows(next, s));
              next += s;
              await spool.append(appended[appended.length - 1]);
            } else if (s === 'ack') {
              const oldest = await spool.peek();
              if (oldest) await spool.ack(oldest.id);
              if (oldest) acked += 1;
            } else {
              await spool.close();
              spool = await DurableSpool.open<Row>(options);
            }
            assert.ok(spool.stats.diskBytes <= options.maxBytes);
          }
          const { droppedBatches, droppedRows } = spool.stats;
          if (droppedBatches > 0) runsThatDropped++;
          const kept = await drain(spool);
          assert.equal(acked + droppedBatches + kept.length, appended.length);
          assert.deepEqual(kept, appended.slice(appended.length - kept.length));
          const gone = appended.slice(0, appended.length - kept.length);
          assert.ok(droppedRows <= gone.flat().length);
        } finally {
          await spool.close();
        }
      }),
      { numRuns: 60 },
    );
    assert.ok(runsThatDropped >= 10, `the limit was reached in ${runsThatDropped} of 60 runs`);
  });
});

describe('spool crc32', () => {
  it('matches zlib, so spools written by either read back under the other', () => {
    const data = Buffer.from(JSON.stringify(rows(0, 50)));
    const nodeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
    assert.equal(crc32ByTable(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32ByTable(data), crc32(data));
    assert.equal(crc32ByTable(data.subarray(100), crc32ByTable(data.subarray(0, 100))), crc32(data));
    if (nodeCrc32) assert.equal(crc32ByTable(data), nodeCrc32(data));
  });
});

async function drainSome<T>(spool: DurableSpool<T>, count: number): Promise<T[][]> {
  const batches: T[][] = [];
  for (let i = 0; i < count; i++) {
    const batch = (await spool.peek())!;
    batches.push(batch.rows);
    await spool.ack(batch.id);
  }
  return batches;
}

/** Where each record of a segment file starts, walking their length fields (offset 8 of each 24-byte header). */
async function recordStarts(path: string): Promise<number[]> {
  const bytes = await readFile(path);
  const starts: number[] = [];
  for (let at = 0; at < bytes.length; at += 24 + bytes.readUInt32LE(at + 8)) starts.push(at);
  return starts;
}

async function flipByte(path: string, at: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] ^= 0xff;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}
