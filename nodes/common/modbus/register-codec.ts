// Turns register words into scaled values and back, for any register map: the type says signed or not and one
// word or two, the word order says which word of a 32-bit value comes first.
import { rawRange, spanOf, type RegisterDef, type RegisterGroup, type ValuesOf } from './register';

/** A 32-bit raw value's two words as the device stores them. */
function orderWords(def: RegisterDef, low: number, high: number): [number, number] {
  return def.wordOrder === 'low-first' ? [low, high] : [high, low];
}

/** Reads one scaled value from a block of words that starts at `blockStart`. */
export function decodeRegister(def: RegisterDef, words: ArrayLike<number>, blockStart: number): number {
  const at = def.address - blockStart;
  if (at < 0 || at + def.words > words.length) {
    throw new RangeError(`register 0x${def.address.toString(16)} is outside the block read`);
  }
  let raw = words[at] & 0xffff;
  if (def.words === 2) {
    const [low, high] = orderWords(def, words[at] & 0xffff, words[at + 1] & 0xffff);
    raw = low + high * 0x10000;
  }
  const [min] = rawRange(def);
  if (min < 0) {
    const bits = def.words * 16;
    if (raw >= 2 ** (bits - 1)) raw -= 2 ** bits;
  }
  return raw / def.scale;
}

/** The raw words for one value, in the register's word order. Out-of-range values saturate. */
export function encodeRegister(def: RegisterDef, value: number): number[] {
  const [min, max] = rawRange(def);
  let raw = Math.min(max, Math.max(min, Math.round(value * def.scale)));
  if (raw < 0) raw += 2 ** (def.words * 16);
  return def.words === 2 ? orderWords(def, raw % 0x10000, Math.floor(raw / 0x10000)) : [raw];
}

export function decodeGroup<G extends RegisterGroup>(group: G, words: ArrayLike<number>, blockStart: number): ValuesOf<G> {
  const values: Record<string, number> = {};
  for (const def of group) values[def.name] = decodeRegister(def, words, blockStart);
  return values as ValuesOf<G>;
}

/** Writes a group's values into a register image (address -> word), as simulators and settings writers need. */
export function encodeGroup<G extends RegisterGroup>(group: G, values: ValuesOf<G>, image: Map<number, number>): void {
  for (const def of group) {
    encodeRegister(def, (values as Record<string, number>)[def.name]).forEach((word, i) => image.set(def.address + i, word));
  }
}

/** The words of a group laid out from its first address to its last, zeros where nothing is defined. */
export function groupWords<G extends RegisterGroup>(group: G, values: ValuesOf<G>): number[] {
  const image = new Map<number, number>();
  encodeGroup(group, values, image);
  const [first, last] = spanOf(group);
  return Array.from({ length: last - first + 1 }, (_, i) => image.get(first + i) ?? 0);
}
