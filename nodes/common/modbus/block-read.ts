// Reads a device's registers the way a poll should: the fewest block reads the device accepts, each block
// decoded into named values. The device's answered ranges (per table) say which gaps a block may bridge.
import { MAX_READ_WORDS, planBlocks, withinRanges, type Block } from './block-plan';
import { decodeGroup, decodeRegister, groupWords } from './register-codec';
import { spanOf, type RegisterDef, type RegisterGroup, type RegisterTable, type Span, type ValuesOf } from './register';
import type { ModbusUnit } from './unit';

/** Address ranges (inclusive) a device answers as one read, undefined addresses inside included, per table. */
export type AnsweredRanges = Partial<Record<RegisterTable, readonly Span[]>>;

export interface RegisterBlock extends Block<RegisterDef> {
  readonly table: RegisterTable;
}

export type RegisterValues = Record<string, number>;

const TABLES: readonly RegisterTable[] = ['input', 'holding'];

/** The block reads for `defs`: one table per block, gaps bridged only inside the ranges the device answers. */
export function planReads(defs: readonly RegisterDef[], answered: AnsweredRanges, maxWords = MAX_READ_WORDS): RegisterBlock[] {
  return TABLES.flatMap((table) =>
    planBlocks(
      defs.filter((d) => d.table === table),
      withinRanges(answered[table] ?? []),
      maxWords,
    ).map((block) => ({ ...block, table })),
  );
}

/** One FC3 or FC4 request. */
export function readTable(unit: ModbusUnit, table: RegisterTable, address: number, count: number): Promise<number[]> {
  return table === 'input' ? unit.readInputRegisters(address, count) : unit.readHoldingRegisters(address, count);
}

/** Reads each block in turn and decodes every member register. */
export async function readBlocks(unit: ModbusUnit, blocks: readonly RegisterBlock[]): Promise<RegisterValues> {
  const values: RegisterValues = {};
  for (const block of blocks) {
    const words = await readTable(unit, block.table, block.start, block.count);
    for (const def of block.members) values[def.name] = decodeRegister(def, words, block.start);
  }
  return values;
}

function tableOf(group: RegisterGroup): RegisterTable {
  const table = group[0]?.table;
  if (!table || group.some((d) => d.table !== table)) throw new RangeError('a register group must lie in one table');
  return table;
}

/** Reads a whole group in one request, from its first address to its last. */
export async function readGroup<G extends RegisterGroup>(unit: ModbusUnit, group: G): Promise<ValuesOf<G>> {
  const [first, last] = spanOf(group);
  return decodeGroup(group, await readTable(unit, tableOf(group), first, last - first + 1), first);
}

/**
 * Writes a group of holding registers in one FC16 request and reads it back; resolves with the words read
 * back, or rejects naming the first register the device did not keep.
 */
export async function writeGroup<G extends RegisterGroup>(unit: ModbusUnit, group: G, values: ValuesOf<G>): Promise<number[]> {
  if (tableOf(group) !== 'holding') throw new RangeError('only holding registers can be written');
  const [first] = spanOf(group);
  const words = groupWords(group, values);
  await unit.writeRegisters(first, words);
  const readBack = await unit.readHoldingRegisters(first, words.length);
  const mismatch = words.findIndex((w, i) => readBack[i] !== w);
  if (mismatch >= 0) {
    throw new RegisterWriteError(first + mismatch, words[mismatch], readBack[mismatch]);
  }
  return readBack;
}

/** The device answered the write but kept a different value. */
export class RegisterWriteError extends Error {
  constructor(
    readonly address: number,
    readonly written: number,
    readonly kept: number | undefined,
  ) {
    super(`device kept register 0x${address.toString(16)} at ${kept} instead of ${written}`);
    this.name = 'RegisterWriteError';
  }
}
