// The epever-tracer node's editor settings, parsed and checked at the edge.
import { parseZone } from '../rollup/window-spec';

export interface EpeverNodeConfig {
  unitId: number;
  intervalMs: number;
  deviceId: string;
  topic: string;
  measurement: string;
  status: boolean;
  statistics: boolean;
  allowWrites: boolean;
  /** IANA zone the controller's clock is read and set in; the host's zone when the field is empty. */
  timeZone: string;
}

const MIN_INTERVAL_S = 1;

function slug(text: string): string {
  return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function parseEpeverConfig(raw: Record<string, unknown>): EpeverNodeConfig {
  const unitId = Number(raw.unitId ?? 1);
  if (!Number.isInteger(unitId) || unitId < 1 || unitId > 247) throw new RangeError(`unit id must be 1-247, got ${String(raw.unitId)}`);
  const intervalS = raw.interval === '' || raw.interval === undefined ? 60 : Number(raw.interval);
  if (!Number.isFinite(intervalS) || (intervalS !== 0 && intervalS < MIN_INTERVAL_S)) {
    throw new RangeError(`poll interval must be 0 (only on input) or at least ${MIN_INTERVAL_S} s, got ${String(raw.interval)}`);
  }
  const name = String(raw.name ?? '');
  const deviceId = String(raw.deviceId ?? '').trim() || slug(name) || `epever-${unitId}`;
  return {
    unitId,
    intervalMs: intervalS * 1000,
    deviceId,
    topic: String(raw.topic ?? '').trim() || `epever-tracer/${deviceId}`,
    measurement: String(raw.measurement ?? '').trim() || 'epever_tracer',
    status: raw.readStatus === true,
    statistics: raw.readStatistics === true,
    allowWrites: raw.allowWrites === true,
    timeZone: parseZone(String(raw.timeZone ?? '')),
  };
}
