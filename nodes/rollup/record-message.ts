// A closed window -> an output message in the reading shape, flat so a sink stores it as one row:
// `<field>_avg/_min/_max/_stddev/_first/_last/_sum/_count` and `<energy name>` for power fields.
import type { WindowRecord } from './aggregator';
import { energyName } from './energy';

export type PayloadValue = number | string | null;

export interface RecordMessage {
  topic: string;
  device: string;
  measurement: string;
  window: { name: string; start: string; end: string; partial?: true };
  payload: Record<string, PayloadValue>;
}

export interface MessageOptions {
  /** Topic with `{key}` and `{window}` filled in. */
  readonly topic: string;
  /** Measurement before `_<window>`; the readings' own msg.measurement (or `rollup`) when empty. */
  readonly measurement: string;
  readonly isPowerField: (field: string) => boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function recordPayload(record: WindowRecord, isPowerField: (field: string) => boolean): Record<string, PayloadValue> {
  // Lifetime never ends: each report is a running total as of its end, so it is stamped with the end.
  const stamp = record.window === 'lifetime' ? record.end : record.start;
  const payload: Record<string, PayloadValue> = {
    timestamp: iso(stamp),
    window_start: iso(record.start),
    window_end: iso(record.end),
    sample_count: record.state.sampleCount,
    late_samples: record.lateSamples,
  };
  for (const [field, stats] of record.state.fields) {
    payload[`${field}_avg`] = stats.mean;
    payload[`${field}_min`] = stats.min;
    payload[`${field}_max`] = stats.max;
    payload[`${field}_stddev`] = stats.stddev;
    payload[`${field}_first`] = stats.first;
    payload[`${field}_last`] = stats.last;
    payload[`${field}_sum`] = stats.sum;
    payload[`${field}_count`] = stats.count;
    if (isPowerField(field)) payload[energyName(field)] = record.state.energyWh.get(field) ?? 0;
  }
  // Energy can reach a window whose own samples lacked the field (a share of an interval across it).
  for (const [field, wh] of record.state.energyWh) {
    if (!record.state.fields.has(field)) payload[energyName(field)] = wh;
  }
  return payload;
}

export function recordMessage(record: WindowRecord, options: MessageOptions): RecordMessage {
  const base = options.measurement || record.kind || 'rollup';
  const window: RecordMessage['window'] = { name: record.window, start: iso(record.start), end: iso(record.end) };
  if (record.partial) window.partial = true;
  return {
    topic: options.topic.replaceAll('{key}', record.key).replaceAll('{window}', record.window),
    device: record.key,
    measurement: `${base}_${record.window}`,
    window,
    payload: recordPayload(record, options.isPowerField),
  };
}
