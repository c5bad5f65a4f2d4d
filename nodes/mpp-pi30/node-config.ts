// The mpp-pi30 node's editor settings, parsed and checked at the edge.
import { oneOf } from '../common/config-fields';
import { DEFAULT_POLL, POLL_QUERIES, type PollQuery } from './controller';
import { VARIANT_SETTINGS, type VariantSetting } from './variants';

export interface Pi30NodeConfig {
  /** 0: only on input. */
  intervalMs: number;
  queries: PollQuery[];
  allowWrites: boolean;
  /** The firmware family whose field tables read the replies, or `auto` (from QPI, QMN and QVFW). */
  variant: VariantSetting;
  /** Set by the user; when empty the inverter's serial number (QID) is the device id. */
  deviceId: string;
  /** Until the serial number is known: from the node's name, or `mpp-pi30`. */
  fallbackDeviceId: string;
  /** Set by the user; when empty, `mpp-pi30/<device id>`. */
  topic: string;
  measurement: string;
}

const MIN_INTERVAL_S = 1;

function slug(text: string): string {
  return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** "QPIGS QMOD energy" (spaces or commas, any case) into the poll's queries; empty for the default set. */
export function parseQueries(text: string): PollQuery[] {
  const tokens = text.split(/[\s,]+/).filter((t) => t.length > 0);
  if (tokens.length === 0) return [...DEFAULT_POLL];
  const queries: PollQuery[] = [];
  for (const token of tokens) {
    const query = POLL_QUERIES.find((q) => q.toLowerCase() === token.toLowerCase());
    if (!query) throw new RangeError(`unknown poll query ${JSON.stringify(token)}; choose from ${POLL_QUERIES.join(', ')}`);
    if (!queries.includes(query)) queries.push(query);
  }
  return queries;
}

export function parsePi30Config(raw: Record<string, unknown>): Pi30NodeConfig {
  const intervalS = raw.interval === '' || raw.interval === undefined ? 30 : Number(raw.interval);
  if (!Number.isFinite(intervalS) || (intervalS !== 0 && intervalS < MIN_INTERVAL_S)) {
    throw new RangeError(`poll interval must be 0 (only on input) or at least ${MIN_INTERVAL_S} s, got ${String(raw.interval)}`);
  }
  const queries = parseQueries(typeof raw.queries === 'string' ? raw.queries : '');
  return {
    intervalMs: intervalS * 1000,
    queries,
    allowWrites: raw.allowWrites === true,
    variant: oneOf(raw, 'variant', VARIANT_SETTINGS, 'auto'),
    deviceId: String(raw.deviceId ?? '').trim(),
    fallbackDeviceId: slug(String(raw.name ?? '')) || 'mpp-pi30',
    topic: String(raw.topic ?? '').trim(),
    measurement: String(raw.measurement ?? '').trim() || 'mpp_pi30',
  };
}
