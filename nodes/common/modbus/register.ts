// A Modbus register definition: where a value lives, how its words make a number and what the number means.
// A device's register map is a list of these; the planner, the codec, the block reads and the simulator's
// register image all work from the same list, so they cannot disagree about an address or a scale.

/** FC4 reads input registers, FC3 reads (and FC6/FC16 write) holding registers. */
export type RegisterTable = 'input' | 'holding';

/** Unsigned or two's-complement signed, one word or two. */
export type RegisterType = 'u16' | 's16' | 'u32' | 's32';

/**
 * Which word of a 32-bit value comes first. The Modbus specification only fixes the byte order inside a word
 * (big-endian), so devices differ: Epever (protocol v2.5, e.g. 0x3102/0x3103 "PV array input power L/H") and
 * PZEM-003/017/004T (ESPHome pzemdc `pzem_get_32bit`: `(reg[i+1] << 16) | reg[i]`) put the low word first;
 * most others put the high word first.
 */
export type WordOrder = 'low-first' | 'high-first';

export interface RegisterDef<N extends string = string> {
  readonly name: N;
  readonly table: RegisterTable;
  readonly address: number;
  readonly type: RegisterType;
  /** Follows from `type`: 1 for 16-bit, 2 for 32-bit values. */
  readonly words: 1 | 2;
  /** 32-bit values only; ignored for one word. */
  readonly wordOrder: WordOrder;
  /** The raw integer divided by this is the value in `unit`. */
  readonly scale: number;
  readonly unit: string;
}

export interface RegisterSpec {
  readonly type?: RegisterType;
  readonly scale?: number;
  readonly unit?: string;
}

/** What every register of one device's map shares: its word order, and defaults for the rest. */
export interface RegisterFamily {
  readonly table: RegisterTable;
  readonly wordOrder: WordOrder;
  readonly type?: RegisterType;
  readonly scale?: number;
  readonly unit?: string;
}

/** The one way to make a definition, so `words` always follows from `type`. */
export function defineRegister<N extends string>(family: RegisterFamily, name: N, address: number, spec: RegisterSpec = {}): RegisterDef<N> {
  const type = spec.type ?? family.type ?? 'u16';
  if (!Number.isInteger(address) || address < 0 || address > 0xffff - (wordsOf(type) - 1)) {
    throw new RangeError(`register ${name}: address ${address} is not 0..0xFFFF`);
  }
  const scale = spec.scale ?? family.scale ?? 1;
  if (!(scale > 0)) throw new RangeError(`register ${name}: scale must be positive`);
  return { name, table: family.table, address, type, words: wordsOf(type), wordOrder: family.wordOrder, scale, unit: spec.unit ?? family.unit ?? '' };
}

export function wordsOf(type: RegisterType): 1 | 2 {
  return type === 'u32' || type === 's32' ? 2 : 1;
}

export function isSigned(type: RegisterType): boolean {
  return type === 's16' || type === 's32';
}

/** The raw integers a register can hold, inclusive. */
export function rawRange(def: Pick<RegisterDef, 'type'>): readonly [min: number, max: number] {
  const bits = wordsOf(def.type) * 16;
  return isSigned(def.type) ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

export type RegisterGroup = readonly RegisterDef[];
/** The decoded values of a group, by register name. */
export type ValuesOf<G extends RegisterGroup> = Record<G[number]['name'], number>;

/** First and last address (inclusive) a group occupies. */
export type Span = readonly [first: number, last: number];

export function spanOf(group: RegisterGroup): Span {
  if (group.length === 0) throw new RangeError('an empty register group has no span');
  const first = Math.min(...group.map((d) => d.address));
  const last = Math.max(...group.map((d) => d.address + d.words - 1));
  return [first, last];
}
