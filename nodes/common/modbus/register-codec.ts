// Turns register words into scaled values and back, for any group of the register map.
import type { RegisterDef, RegisterGroup, ValuesOf } from '../../epever-tracer/register-map';

/** Reads one scaled value from a block of words that starts at `blockStart`. */
export function decodeRegister(def: RegisterDef, words: ArrayLike<number>, blockStart: number): number {
  const at = def.address - blockStart;
  if (at < 0 || at + def.words > words.length) {
    throw new RangeError(`register 0x${def.address.toString(16)} is outside the block read`);
  }
  let raw = words[at] & 0xffff;
  if (def.words === 2) raw = raw + (words[at + 1] & 0xffff) * 0x10000;
  if (def.signed) {
    const bits = def.words * 16;
    if (raw >= 2 ** (bits - 1)) raw -= 2 ** bits;
  }
  return raw / def.scale;
}

/** The raw words for one value, low word first for 32-bit values. Out-of-range values saturate. */
export function encodeRegister(def: RegisterDef, value: number): number[] {
  const bits = def.words * 16;
  const min = def.signed ? -(2 ** (bits - 1)) : 0;
  const max = def.signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  let raw = Math.min(max, Math.max(min, Math.round(value * def.scale)));
  if (raw < 0) raw += 2 ** bits;
  return def.words === 2 ? [raw % 0x10000, Math.floor(raw / 0x10000)] : [raw];
}

export function decodeGroup<G extends RegisterGroup>(group: G, words: ArrayLike<number>, blockStart: number): ValuesOf<G> {
  const values: Record<string, number> = {};
  for (const def of group) values[def.name] = decodeRegister(def, words, blockStart);
  return values as ValuesOf<G>;
}

/** Writes a group's values into a register image (address -> word), as the simulator and the settings writer need. */
export function encodeGroup<G extends RegisterGroup>(group: G, values: ValuesOf<G>, image: Map<number, number>): void {
  for (const def of group) {
    encodeRegister(def, (values as Record<string, number>)[def.name]).forEach((word, i) => image.set(def.address + i, word));
  }
}
