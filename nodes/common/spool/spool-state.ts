// The little the spool must remember besides its segments: how far it has been read and what it had to
// give up. Written whole to a temporary file, synced, then renamed over the old one, so a power cut leaves
// either the old state or the new, never half of one. After an ack the folder is not synced (one more wait
// on an SD card per batch): a power cut may bring back the previous state, which only replays batches.
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpoolState {
  /** Every batch with this id or lower is gone: acknowledged, or dropped past the size limit. */
  readonly readThroughId: number;
  readonly droppedBatches: number;
  readonly droppedRows: number;
  /** Bytes cut off because they failed their checks: torn last writes, damaged cards. */
  readonly damagedBytes: number;
}

export const FRESH_STATE: SpoolState = { readThroughId: 0, droppedBatches: 0, droppedRows: 0, damagedBytes: 0 };

const FILE = 'position.json';

/** The saved state; `lost` when the file exists but cannot be read as one (the spool then replays all). */
export async function readState(dir: string): Promise<{ state: SpoolState; lost: boolean }> {
  let text: string;
  try {
    text = await readFile(join(dir, FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: FRESH_STATE, lost: false };
    throw err;
  }
  const state = parseState(text);
  return state ? { state, lost: false } : { state: FRESH_STATE, lost: true };
}

export async function writeState(dir: string, state: SpoolState): Promise<void> {
  const temporary = join(dir, `${FILE}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(JSON.stringify(state));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, join(dir, FILE));
}

function parseState(text: string): SpoolState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const state: Record<keyof SpoolState, number> = { ...FRESH_STATE };
  for (const name of Object.keys(FRESH_STATE) as (keyof SpoolState)[]) {
    const count = (value as Record<string, unknown>)[name];
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) return undefined;
    state[name] = count;
  }
  return state;
}
