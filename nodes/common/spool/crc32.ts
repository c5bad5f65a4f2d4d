// CRC-32 (IEEE, as zip and PNG use it) of spool records. Node has zlib.crc32 from 20.15 on; the package
// promises Node 20, so older 20.x releases get the same sums from a small table.
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, previous?: number) => number;

const native = (zlib as { crc32?: Crc32 }).crc32;

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** The table way, exported so tests can hold it against zlib's. */
export function crc32ByTable(data: Uint8Array, previous = 0): number {
  const t = crcTable();
  let crc = ~previous >>> 0;
  for (const byte of data) crc = t[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32 of `data`, continuing from `previous` (the CRC of what came before it). */
export const crc32: Crc32 = native ? (data, previous = 0) => native(data, previous) : crc32ByTable;
