// Samples of many panels -> one record per panel per record period in the old PS100 system's shape, one system
// record per period, and events when a panel's alert begins. Statistics and trapezoid energy come from the
// rollup engine (nodes/rollup/aggregator.ts); this file only names and judges them.
import { Aggregator, type WindowRecord } from '../rollup/aggregator';
import type { FieldStats } from '../rollup/field-stats';

export interface PanelSample {
  readonly voltage: number;
  readonly current: number;
  readonly power: number;
  readonly temperature?: number;
  readonly overflow?: boolean;
}

export interface PanelLimits {
  /** W, for efficiency_percent. */
  readonly ratedPowerW: number;
  /** A; a sample above it raises over_current. */
  readonly maxCurrentA: number;
}

export interface RecordOptions {
  readonly recordPeriodMs: number;
  readonly samplePeriodMs: number;
  /** V; a panel delivering current below this raises under_voltage. 0 turns the alert off. */
  readonly underVoltageV: number;
  /** Limits of a panel not listed (message-fed mode). */
  readonly defaultLimits: PanelLimits;
}

export type RecordValue = number | string | null | string[];

/** One row of ps100_readings_1s (the old system's columns) with its panel and time. */
export interface PanelRecord {
  readonly panel: string;
  readonly start: number;
  readonly payload: Record<string, RecordValue>;
}

export interface SystemRecord {
  readonly start: number;
  readonly payload: Record<string, RecordValue>;
}

export type EventType =
  'sensor_lost' | 'sensor_back' | 'sensor_reset' | 'conversion_stuck' | 'sample_shortfall' | 'over_current' | 'under_voltage' | 'overflow';

export interface PanelEvent {
  readonly time: number;
  readonly panel: string;
  readonly type: EventType;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly message: string;
  /**
   * The number behind it: samples in the period (shortfall), highest current (over-current), average voltage
   * (under-voltage), 1 (overflow), failed reads in a row (lost), tries it took (back), resets or restarts so far.
   */
  readonly value: number;
}

export interface Closed {
  readonly records: PanelRecord[];
  readonly system: SystemRecord[];
  readonly events: PanelEvent[];
}

/** Share of the rated power -> a plain-words estimate of the sky (README "conditions_estimate"). */
export const CONDITION_BANDS: readonly { readonly fromPercent: number; readonly text: string }[] = [
  { fromPercent: 80, text: 'Excellent - Full sun' },
  { fromPercent: 60, text: 'Good - Bright sun' },
  { fromPercent: 35, text: 'Fair - Partly cloudy' },
  { fromPercent: 10, text: 'Poor - Overcast' },
  { fromPercent: 0.5, text: 'Very low - Heavy clouds or dusk' },
  { fromPercent: -Infinity, text: 'Dark - No output' },
];

export function conditionsEstimate(efficiencyPercent: number): string {
  return CONDITION_BANDS.find((b) => efficiencyPercent >= b.fromPercent)!.text;
}

/** Alerts that become events when they begin (and again only after a record without them). */
const ALERT_EVENTS: readonly EventType[] = ['sample_shortfall', 'over_current', 'under_voltage', 'overflow'];
/** A panel below this share of its maximum current is not delivering: no under-voltage then (night). */
const DELIVERING_SHARE = 0.01;

export class PanelRecords {
  private readonly aggregator: Aggregator;
  private readonly limits = new Map<string, PanelLimits>();
  /** Per record window, the panels that sent samples into it, and the records of them closed so far. */
  private readonly windows = new Map<number, { panels: Set<string>; records: PanelRecord[] }>();
  private readonly activeAlerts = new Map<string, Set<EventType>>();
  private readonly lastRecordStart = new Map<string, number>();
  readonly expectedSamples: number;
  private readonly maxGapMs: number;
  private readonly graceMs: number;

  constructor(private readonly options: RecordOptions) {
    this.expectedSamples = Math.round(options.recordPeriodMs / options.samplePeriodMs);
    // Energy bridges a missed sample or two; a longer gap (a panel lost) gets none.
    this.maxGapMs = 3 * options.samplePeriodMs;
    // The last tick's reads may finish a period after the window ends.
    this.graceMs = options.samplePeriodMs;
    this.aggregator = new Aggregator({
      windows: [{ kind: 'fixed', name: 'record', ms: options.recordPeriodMs }],
      zone: 'UTC',
      graceMs: this.graceMs,
      maxGapMs: this.maxGapMs,
      isPowerField: (field) => field === 'power',
      maxAheadMs: 60_000,
    });
  }

  setLimits(panel: string, limits: PanelLimits): void {
    this.limits.set(panel, limits);
  }

  /** Adds one sample of a panel measured at `time` (ms since 1970); `now` is the wall clock. */
  add(panel: string, time: number, sample: PanelSample, now: number): void {
    const fields = new Map<string, number>([
      ['voltage', sample.voltage],
      ['current', sample.current],
      ['power', sample.power],
      ['overflow', sample.overflow ? 1 : 0],
    ]);
    if (sample.temperature !== undefined) fields.set('temperature', sample.temperature);
    const outcome = this.aggregator.add(panel, { time, fields }, now);
    if (outcome.late === 0) {
      const start = Math.floor(time / this.options.recordPeriodMs) * this.options.recordPeriodMs;
      let window = this.windows.get(start);
      if (window === undefined) {
        window = { panels: new Set(), records: [] };
        this.windows.set(start, window);
      }
      window.panels.add(panel);
    }
  }

  get lateSamples(): number {
    return this.aggregator.counters.late;
  }

  /** Records of windows that are over, the system records they complete, and the alerts that began. */
  close(now: number): Closed {
    const records: PanelRecord[] = [];
    const events: PanelEvent[] = [];
    for (const window of this.aggregator.closeDue(now)) {
      const record = this.panelRecord(window);
      records.push(record);
      events.push(...this.alertEvents(record, window.end));
      this.windows.get(window.start)?.records.push(record);
    }
    return { records, system: this.systemRecords(now), events };
  }

  private panelRecord(window: WindowRecord): PanelRecord {
    const limits = this.limits.get(window.key) ?? this.options.defaultLimits;
    const f = (name: string) => window.state.fields.get(name);
    const voltage = f('voltage');
    const current = f('current');
    const power = f('power');
    const temperature = f('temperature');
    const powerAvg = power ? power.mean : 0;
    const efficiency = limits.ratedPowerW > 0 ? (powerAvg / limits.ratedPowerW) * 100 : 0;
    const alerts: string[] = [];
    // A panel's first period after it starts (or comes back) is partial by nature, not a shortfall.
    const continuing = this.lastRecordStart.get(window.key) === window.start - this.options.recordPeriodMs;
    this.lastRecordStart.set(window.key, window.start);
    if (continuing && window.state.sampleCount < this.expectedSamples) alerts.push('sample_shortfall');
    if (current && current.max > limits.maxCurrentA) alerts.push('over_current');
    if (
      voltage &&
      current &&
      this.options.underVoltageV > 0 &&
      current.mean > DELIVERING_SHARE * limits.maxCurrentA &&
      voltage.mean < this.options.underVoltageV
    ) {
      alerts.push('under_voltage');
    }
    if ((f('overflow')?.max ?? 0) > 0) alerts.push('overflow');
    const payload: Record<string, RecordValue> = {
      timestamp: new Date(window.start).toISOString(),
      panel_id: window.key,
      ...stats('voltage', voltage),
      ...stats('current', current),
      power_avg: powerAvg,
      power_min: power ? power.min : null,
      power_max: power ? power.max : null,
      // The old schema keeps both: the highest single sample of the period.
      power_peak: power ? power.max : null,
      energy_wh: window.state.energyWh.get('power') ?? 0,
    };
    if (temperature) {
      payload.temperature_avg = temperature.mean;
      payload.temperature_min = temperature.min;
      payload.temperature_max = temperature.max;
    }
    payload.sample_count = window.state.sampleCount;
    payload.efficiency_percent = efficiency;
    payload.conditions_estimate = conditionsEstimate(efficiency);
    payload.alerts = alerts;
    return { panel: window.key, start: window.start, payload };
  }

  private alertEvents(record: PanelRecord, time: number): PanelEvent[] {
    const now = new Set(record.payload.alerts as string[]);
    const active = this.activeAlerts.get(record.panel) ?? new Set<EventType>();
    this.activeAlerts.set(record.panel, active);
    const events: PanelEvent[] = [];
    for (const type of ALERT_EVENTS) {
      if (!now.has(type)) {
        active.delete(type);
        continue;
      }
      if (active.has(type)) continue;
      active.add(type);
      events.push({
        time,
        panel: record.panel,
        type,
        severity: type === 'over_current' ? 'critical' : 'warning',
        message: alertMessage(type, record),
        value: alertValue(type, record),
      });
    }
    return events;
  }

  /** A window's system record, once every panel that sampled in it has its record (or it is long overdue). */
  private systemRecords(now: number): SystemRecord[] {
    const out: SystemRecord[] = [];
    const overdueBefore = now - this.options.recordPeriodMs - this.maxGapMs - 2 * this.graceMs;
    for (const [start, window] of [...this.windows].sort((a, b) => a[0] - b[0])) {
      const complete = window.records.length >= window.panels.size;
      if (!complete && start > overdueBefore) continue;
      this.windows.delete(start);
      if (window.records.length === 0) continue;
      out.push(systemRecord(start, window.records));
    }
    return out;
  }
}

function stats(name: string, s: FieldStats | undefined): Record<string, number | null> {
  return {
    [`${name}_avg`]: s ? s.mean : null,
    [`${name}_min`]: s ? s.min : null,
    [`${name}_max`]: s ? s.max : null,
    [`${name}_stddev`]: s ? s.stddev : null,
  };
}

/** One row of ps100_system_1s: totals over the panels that delivered samples in the period. */
function systemRecord(start: number, records: readonly PanelRecord[]): SystemRecord {
  const sum = (field: string) => records.reduce((total, r) => total + (typeof r.payload[field] === 'number' ? (r.payload[field] as number) : 0), 0);
  const volts = records.map((r) => r.payload.voltage_avg).filter((v): v is number => typeof v === 'number');
  return {
    start,
    payload: {
      timestamp: new Date(start).toISOString(),
      total_power: sum('power_avg'),
      total_current: sum('current_avg'),
      avg_voltage: volts.length > 0 ? volts.reduce((a, b) => a + b, 0) / volts.length : null,
      active_panels: records.length,
      energy_wh: sum('energy_wh'),
      sample_count: sum('sample_count'),
    },
  };
}

function alertValue(type: EventType, record: PanelRecord): number {
  const field =
    type === 'sample_shortfall' ? 'sample_count' : type === 'over_current' ? 'current_max' : type === 'under_voltage' ? 'voltage_avg' : undefined;
  const value = field === undefined ? 1 : record.payload[field];
  return typeof value === 'number' ? value : 0;
}

function alertMessage(type: EventType, record: PanelRecord): string {
  const p = record.payload;
  const n = (v: RecordValue | undefined) => (typeof v === 'number' ? v.toFixed(2) : '?');
  switch (type) {
    case 'sample_shortfall':
      return `${record.panel}: ${String(p.sample_count)} samples in the period`;
    case 'over_current':
      return `${record.panel}: current reached ${n(p.current_max)} A, above its maximum`;
    case 'under_voltage':
      return `${record.panel}: ${n(p.voltage_avg)} V while delivering ${n(p.current_avg)} A`;
    default:
      return `${record.panel}: the chip's current or power arithmetic overflowed`;
  }
}
