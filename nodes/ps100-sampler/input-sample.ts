// Message-fed mode: an input message carrying one panel sample (e.g. from an ESP32 over MQTT at 10 Hz),
// parsed into typed values at the edge.
import { ReadingError, readingTime } from '../common/reading-time';
import type { PanelSample } from './records';

export interface InputSample {
  readonly panel: string;
  readonly time: number;
  readonly sample: PanelSample;
}

const MAX_PANEL_NAME = 64;

/** `payload.voltage` (V) and `payload.current` (A) required; `power` (W, else V × A), `temperature` (°C) optional. */
export function parseInputSample(msg: { payload?: unknown; device?: unknown }, now: number): InputSample {
  const payload = msg.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ReadingError('payload must be an object with voltage and current (and optionally power, temperature, timestamp)');
  }
  const p = payload as Record<string, unknown>;
  const panelRaw = p.panel_id ?? msg.device;
  const panel = typeof panelRaw === 'string' || typeof panelRaw === 'number' ? String(panelRaw).trim() : '';
  if (!panel) throw new ReadingError('no panel: send payload.panel_id or msg.device');
  if (panel.length > MAX_PANEL_NAME) throw new ReadingError(`panel name longer than ${MAX_PANEL_NAME} characters`);
  const voltage = numberField(p, 'voltage', true)!;
  const current = numberField(p, 'current', true)!;
  const power = numberField(p, 'power', false) ?? voltage * current;
  const temperature = numberField(p, 'temperature', false);
  const sample: PanelSample = temperature === undefined ? { voltage, current, power } : { voltage, current, power, temperature };
  return { panel, time: readingTime(p.timestamp, now), sample };
}

function numberField(p: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const value = p[name];
  if (value === undefined || value === null) {
    if (required) throw new ReadingError(`payload.${name} is missing`);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ReadingError(`payload.${name} must be a finite number, got ${JSON.stringify(value)}`);
  return value;
}
