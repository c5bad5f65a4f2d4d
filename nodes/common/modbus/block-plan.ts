// Groups register definitions into as few block reads as Modbus allows. Only the device knows which
// undefined gaps it answers (with zeros) rather than refuses, so the caller says which gaps may be bridged.

export interface Addressed {
  readonly address: number;
  readonly words: number;
}

export interface Block<T extends Addressed> {
  readonly start: number;
  readonly count: number;
  readonly members: T[];
}

/** Modbus caps one read of registers at 125 words (FC3/FC4). */
export const MAX_READ_WORDS = 125;

/** Whether one read may span from register `from` to register `to` (inclusive). */
export type BridgeRule = (from: number, to: number) => boolean;

export function planBlocks<T extends Addressed>(defs: readonly T[], canBridge: BridgeRule, maxWords = MAX_READ_WORDS): Block<T>[] {
  const sorted = [...defs].sort((a, b) => a.address - b.address);
  const blocks: { start: number; end: number; members: T[] }[] = [];
  for (const def of sorted) {
    const end = def.address + def.words;
    const last = blocks[blocks.length - 1];
    const fits = last && Math.max(end, last.end) - last.start <= maxWords;
    if (last && fits && (def.address <= last.end || canBridge(last.start, end - 1))) {
      last.end = Math.max(last.end, end);
      last.members.push(def);
    } else {
      blocks.push({ start: def.address, end, members: [def] });
    }
  }
  return blocks.map((b) => ({ start: b.start, count: b.end - b.start, members: b.members }));
}

/** A bridge rule for devices that answer any read inside one of their documented ranges (inclusive). */
export function withinRanges(ranges: readonly (readonly [number, number])[]): BridgeRule {
  return (from, to) => ranges.some(([lo, hi]) => from >= lo && to <= hi);
}
