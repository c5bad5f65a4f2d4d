// A sink node's status from the batch writer's figures. What the user must act on comes first: a refusal (the
// login, the database, a right), rows lost since the deploy and rows spooled; then how the writes go (rows/s,
// "waiting" for an overdue write, "unreachable"), then rows refused and rows in memory. Parts that do not fit
// in MAX_TEXT are left out, least important first; the spool count has a short form so that it and the loss
// count fit together. Words come from the locale file; the rate is a number and a unit.
import type { StatusState } from '../status';
import type { StoreState } from './batch-writer';

const MAX_TEXT = 19;
const SEPARATOR = ', ';

/** 950 -> "950", 1234 -> "1.2k", 86400 -> "86k", 999999 -> "1M", 2500000 -> "2.5M": four characters at most below 10 G. */
export function compact(n: number): string {
  const abs = Math.abs(n);
  if (abs < 999.5) return String(Math.round(n));
  // Where rounding would give "1000k", the next unit up reads "1M".
  const [value, unit] = abs < 999_500 ? [n / 1e3, 'k'] : abs < 999_500_000 ? [n / 1e6, 'M'] : [n / 1e9, 'G'];
  return `${Math.abs(value) < 9.95 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)}${unit}`;
}

function rate(perSecond: number): string {
  return perSecond > 0 && perSecond < 10 ? perSecond.toFixed(1) : compact(perSecond);
}

/**
 * The node's locale lookup: a key under `<type>.status.` and its variables. A sink node's locale has the words
 * waiting, unreachable, lost, spooled, spooledShort, errors, queued and one per refusal reason.
 */
export type StatusWords = (key: string, vars?: Record<string, string>) => string;

export interface StatusFigures {
  state: StoreState;
  /** A write is running longer than it should. */
  overdue: boolean;
  /** The store refuses the writer as a whole (only while it is down): the sink's reason, a status word. */
  refusal?: string;
  rowsPerSecond: number;
  spooled: number;
  /** Rows the spool gave up since the deploy (or the last reset). */
  lost: number;
  /** Rows refused or stored with a field left NULL. */
  errors: number;
  queued: number;
  /** Rows went wrong since the last status: shown red once. */
  freshErrors: boolean;
}

export interface StatusView {
  state: StatusState;
  text: string;
}

interface Part {
  /** Place in the text, left to right. */
  order: number;
  /** Forms to try, longest first. */
  forms: string[];
}

export function statusView(f: StatusFigures, words: StatusWords): StatusView {
  const n = (value: number) => ({ n: compact(value) });
  const head = f.refusal ? words(f.refusal) : f.overdue ? words('waiting') : f.state === 'down' ? words('unreachable') : `${rate(f.rowsPerSecond)}/s`;
  // In order of importance.
  const parts: Part[] = [];
  if (f.refusal) parts.push({ order: 0, forms: [head] });
  if (f.lost > 0) parts.push({ order: 2, forms: [words('lost', n(f.lost))] });
  if (f.spooled > 0) parts.push({ order: 1, forms: [words('spooled', n(f.spooled)), words('spooledShort', n(f.spooled))] });
  if (!f.refusal) parts.push({ order: 0, forms: [head] });
  if (f.errors > 0) parts.push({ order: 3, forms: [words('errors', n(f.errors))] });
  if (f.queued > 0) parts.push({ order: 4, forms: [words('queued', n(f.queued))] });

  const chosen: { order: number; text: string }[] = [];
  let length = 0;
  for (const part of parts) {
    const extra = chosen.length > 0 ? SEPARATOR.length : 0;
    const text = part.forms.find((form) => length + extra + form.length <= MAX_TEXT);
    if (text === undefined) continue;
    chosen.push({ order: part.order, text });
    length += extra + text.length;
  }
  // The most important part is shown even when no form of it fits (a translation longer than planned).
  if (chosen.length === 0 && parts.length > 0) chosen.push({ order: parts[0].order, text: parts[0].forms[0] });
  const text = chosen
    .sort((a, b) => a.order - b.order)
    .map((c) => c.text)
    .join(SEPARATOR);
  return { state: stateOf(f), text };
}

function stateOf(f: StatusFigures): StatusState {
  if (f.refusal || f.lost > 0 || f.freshErrors) return 'error';
  if (f.state === 'down' || f.overdue) return 'retrying';
  if (f.state === 'connecting') return 'connecting';
  return 'ok';
}
