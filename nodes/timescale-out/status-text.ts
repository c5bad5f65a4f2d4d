// The node's status from the writer's figures: rows/s, then what is spooled, refused and queued, in that
// order of importance, cut to stay under 20 characters.
import type { StatusState } from '../common/status';
import type { WriterStats } from './batch-writer';

const MAX_TEXT = 19;

/** 950 -> "950", 1234 -> "1.2k", 86400 -> "86k", 2500000 -> "2.5M". */
export function compact(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n));
  const [value, unit] = abs < 1e6 ? [n / 1e3, 'k'] : [n / 1e6, 'M'];
  return `${Math.abs(value) < 10 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)}${unit}`;
}

function rate(perSecond: number): string {
  return perSecond > 0 && perSecond < 10 ? perSecond.toFixed(1) : compact(perSecond);
}

export interface StatusView {
  state: StatusState;
  text: string;
}

/** `freshErrors`: rows were refused since the last status, shown red once. */
export function statusView(s: WriterStats, freshErrors = false): StatusView {
  const parts = [`${rate(s.rowsPerSecond)}/s`];
  if (s.spooled > 0) parts.push(`spool ${compact(s.spooled)}`);
  if (s.dropped > 0) parts.push(`lost ${compact(s.dropped)}`);
  if (s.errors > 0) parts.push(`err ${compact(s.errors)}`);
  if (s.queued > 0) parts.push(`q ${compact(s.queued)}`);
  let text = parts.join(' ');
  while (text.length > MAX_TEXT && parts.length > 1) {
    parts.pop();
    text = parts.join(' ');
  }
  const state: StatusState = s.dropped > 0 || freshErrors ? 'error' : s.state === 'down' ? 'retrying' : s.state === 'connecting' ? 'connecting' : 'ok';
  return { state, text };
}
