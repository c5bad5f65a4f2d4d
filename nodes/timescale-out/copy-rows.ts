// New rows into one table by COPY, streamed: the rows become COPY text a slice at a time, and each slice
// goes to the server while the next is formatted, so the writer's work and the server's overlap instead of
// following each other (formatting a whole batch first left the server idle, then the writer).
// A row stores what rowValues (column-plan.ts) says it stores, with the same problems reported: the usual
// row (every field has its column, every value of a kind its column takes as it comes) is turned into text
// straight from its fields, and any other row goes through rowValues itself.
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { RowIssue } from '../common/sink/sink';
import { batchColumns, rowValues } from './column-plan';
import { copyEscape, copyField } from './copy-text';
import type { FieldValue } from '../common/reading';
import type { FlatRow } from './row-flatten';
import { columnAccepts, qualified, quoteIdent, TIME_COLUMN, type TableRef, type TableShape } from './schema';

/**
 * Rows per slice: large enough that a slice costs one socket write and one turn of the event loop among
 * hundreds of rows, small enough that the server starts on the first slice well before the last is ready.
 */
const SLICE_ROWS = 256;
const NULL = '\\N';

export interface CopyEntry {
  /** The row's place in the writer's batch, for the problems it reports. */
  index: number;
  row: FlatRow;
}

export interface Copied {
  inserted: number;
  /** Rows stored with fields left out (as NULL), saying which and why. */
  emptied: RowIssue[];
}

/** The COPY's data columns, and what each takes as it comes. */
interface LinePlan {
  names: readonly string[];
  places: Map<string, number>;
  number: boolean[];
  text: boolean[];
  boolean: boolean[];
  /** The last device written and its escaped text: a batch is mostly one device's rows. */
  device: { name: string; text: string };
}

/** COPYs the rows (whose field sets are `sets`, see fieldSets) in text format; all go in or none (a key conflict or a value a column cannot read refuses all). */
export async function copyRows(
  client: PoolClient,
  ref: TableRef,
  deviceColumn: string,
  shape: TableShape,
  entries: readonly CopyEntry[],
  sets: readonly (readonly string[])[],
): Promise<Copied> {
  const names = batchColumns(shape, sets);
  const plan = linePlan(shape, names);
  const columns = [TIME_COLUMN, deviceColumn, ...names].map(quoteIdent).join(', ');
  const stream = client.query(copyFrom(`COPY ${qualified(ref)} (${columns}) FROM STDIN`));
  const done = finished(stream);
  // Awaited below; until then a refusal mid-stream must not count as an unhandled rejection.
  done.catch(() => undefined);
  let refused = false;
  stream.once('error', () => (refused = true));
  const emptied: RowIssue[] = [];
  const cells = new Array<string>(names.length);
  for (let start = 0; start < entries.length && !refused; start += SLICE_ROWS) {
    let data = '';
    const end = Math.min(start + SLICE_ROWS, entries.length);
    for (let i = start; i < end; i++) data += lineOf(plan, shape, entries[i], cells, emptied);
    // A turn of the event loop either way: the server's answer to the COPY (and a refusal) comes in meanwhile.
    if (stream.write(data)) await nextTurn();
    else await once(stream, 'drain');
  }
  if (!refused) stream.end();
  await done;
  return { inserted: stream.rowCount, emptied };
}

function linePlan(shape: TableShape, names: readonly string[]): LinePlan {
  const plan: LinePlan = { names, places: new Map(), number: [], text: [], boolean: [], device: { name: '', text: '' } };
  names.forEach((name, place) => {
    const sqlType = shape.get(name) as string;
    plan.places.set(name, place);
    plan.number.push(columnAccepts(sqlType, 'number'));
    plan.text.push(columnAccepts(sqlType, 'text'));
    plan.boolean.push(columnAccepts(sqlType, 'boolean'));
  });
  return plan;
}

function lineOf(plan: LinePlan, shape: TableShape, { index, row }: CopyEntry, cells: string[], emptied: RowIssue[]): string {
  if (plan.device.name !== row.device) plan.device = { name: row.device, text: copyEscape(row.device) };
  const head = `${row.time}\t${plan.device.text}`;
  const straight = straightCells(plan, row.fields);
  if (straight !== undefined) return `${head}${straight}\n`;
  cells.fill(NULL);
  if (!usualCells(plan, row.fields, cells)) {
    cells.fill(NULL);
    const { values, problems } = rowValues(shape, row);
    for (const [name, value] of values) cells[plan.places.get(name) as number] = copyField(value);
    if (problems.length > 0) emptied.push({ index, error: new Error(problems.join('; ')) });
  }
  let line = head;
  for (const cell of cells) line += `\t${cell}`;
  return `${line}\n`;
}

/**
 * The cells of a row whose fields are the COPY's columns, in their order, each usual (see cellOf), as the
 * text after the device: most rows of a batch, in one pass with no lookup. Undefined for any other row.
 */
function straightCells(plan: LinePlan, fields: FlatRow['fields']): string | undefined {
  let text = '';
  let place = 0;
  // for-in with hasOwn, not Object.entries: no array of pairs per row.
  for (const name in fields) {
    if (!Object.hasOwn(fields, name)) continue;
    if (plan.names[place] !== name) return undefined;
    const cell = cellOf(plan, place, fields[name]);
    if (cell === undefined) return undefined;
    text += `\t${cell}`;
    place += 1;
  }
  return place === plan.names.length ? text : undefined;
}

/** Fills the cells of a usual row and says true; false for anything rowValues must look at. */
function usualCells(plan: LinePlan, fields: FlatRow['fields'], cells: string[]): boolean {
  for (const name in fields) {
    if (!Object.hasOwn(fields, name)) continue;
    const place = plan.places.get(name);
    const cell = place === undefined ? undefined : cellOf(plan, place, fields[name]);
    if (cell === undefined) return false;
    cells[place as number] = cell;
  }
  return true;
}

/** A value its column takes as it comes (a number, a string without NUL, a boolean), as COPY text; else undefined. */
function cellOf(plan: LinePlan, place: number, value: FieldValue): string | undefined {
  if (typeof value === 'number') return plan.number[place] ? String(value) : undefined;
  if (typeof value === 'string') return plan.text[place] && !value.includes('\u0000') ? copyEscape(value) : undefined;
  if (typeof value === 'boolean') return plan.boolean[place] ? (value ? 't' : 'f') : undefined;
  return undefined;
}
