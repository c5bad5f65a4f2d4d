// The PS100 sampler: on each tick of the sampling clock it reads every panel once, without waiting for one
// panel before starting the next; a panel that stops answering is marked lost and tried again later (capped
// backoff) while the others carry on. Samples become records (records.ts); in message-fed mode they arrive
// from outside and the clock only closes records.
import { Backoff } from '../common/backoff';
import { messageOf } from '../common/errors';
import { BusUnavailableError, isBusFileError, openError, type I2cBus, type I2cOpener } from './i2c';
import { detectChip, InaChip, type ChipSettings } from './ina-chip';
import { PanelRecords, type Closed, type PanelEvent, type PanelLimits, type PanelSample } from './records';
import { SampleClock, systemClock, type ClockSource, type Tick } from './sample-clock';

export interface PanelConfig extends ChipSettings {
  readonly name: string;
  readonly ratedPowerW: number;
}

export interface SamplerConfig {
  readonly busNumber: number;
  readonly sampleRateHz: number;
  readonly recordPeriodS: number;
  readonly panels: readonly PanelConfig[];
  readonly underVoltageV: number;
  /** `bus`: read the panels over I2C; `messages`: samples arrive as input messages. */
  readonly source: 'bus' | 'messages';
  /** Limits of a panel named only by a message. */
  readonly defaultLimits: PanelLimits;
}

export interface SamplerStatus {
  readonly panelsOk: number;
  readonly panelsLost: number;
  readonly panelsTotal: number;
  /** Samples taken per second over the last record period, all panels together. */
  readonly samplesPerSecond: number;
  /** Why the bus cannot be used, while it cannot. */
  readonly busProblem?: BusUnavailableError;
}

export interface SamplerReport extends Closed {
  readonly status: SamplerStatus;
}

export interface SamplerCounters {
  samples: number;
  stale: number;
  /** Ticks a panel's read was still running from the tick before, so it was not read again. */
  busySkips: number;
  readFailures: number;
}

export interface SamplerHooks {
  /** Records, events and the status, once per record period (and when events happen). */
  onReport(report: SamplerReport): void;
  /** The bus could not be opened (said once per different reason). */
  onBusFailure(err: BusUnavailableError): void;
  /** Every tick, for the benchmark. */
  onTick?(tick: Tick): void;
}

/** Failed reads in a row before a panel that was answering is taken as lost (one glitch is not). */
export const LOST_AFTER_FAILURES = 3;
const PANEL_RETRY = { initialMs: 2000, maxMs: 60_000 };
const BUS_RETRY = { initialMs: 5000, maxMs: 60_000 };

interface PanelState {
  readonly config: PanelConfig;
  chip: InaChip | undefined;
  state: 'new' | 'ok' | 'lost';
  busy: boolean;
  failures: number;
  readonly backoff: Backoff;
  retryAt: number;
}

export class Ps100Sampler {
  readonly counters: SamplerCounters = { samples: 0, stale: 0, busySkips: 0, readFailures: 0 };
  readonly clock: SampleClock;
  private readonly records: PanelRecords;
  private readonly panels: PanelState[];
  private readonly pendingEvents: PanelEvent[] = [];
  private readonly slotsPerRecord: number;
  private bus: I2cBus | undefined;
  private opening = false;
  private busProblem: BusUnavailableError | undefined;
  private readonly busBackoff = new Backoff(BUS_RETRY);
  private busRetryAt = -Infinity;
  private samplesThisPeriod = 0;
  private samplesPerSecond = 0;
  private stopped = false;

  constructor(
    readonly config: SamplerConfig,
    private readonly hooks: SamplerHooks,
    private readonly open: I2cOpener,
    private readonly source: ClockSource = systemClock,
  ) {
    const samplePeriodMs = 1000 / config.sampleRateHz;
    this.slotsPerRecord = Math.round(config.sampleRateHz * config.recordPeriodS);
    this.records = new PanelRecords({
      recordPeriodMs: config.recordPeriodS * 1000,
      samplePeriodMs,
      underVoltageV: config.underVoltageV,
      defaultLimits: config.defaultLimits,
    });
    this.panels = config.panels.map((panel) => {
      this.records.setLimits(panel.name, { ratedPowerW: panel.ratedPowerW, maxCurrentA: panel.maxCurrentA });
      return { config: panel, chip: undefined, state: 'new', busy: false, failures: 0, backoff: new Backoff(PANEL_RETRY), retryAt: -Infinity };
    });
    this.clock = new SampleClock(samplePeriodMs, (tick) => this.tick(tick), source);
  }

  start(): void {
    this.clock.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.stop();
    const bus = this.bus;
    this.bus = undefined;
    await bus?.close();
  }

  /** Message-fed mode: one sample of a panel measured at `time`. */
  feed(panel: string, time: number, sample: PanelSample): void {
    this.records.add(panel, time, sample, this.clock.now());
    this.counters.samples++;
    this.samplesThisPeriod++;
  }

  /** How each configured panel is doing, by name. */
  panelStates(): Record<string, 'new' | 'ok' | 'lost'> {
    return Object.fromEntries(this.panels.map((p) => [p.config.name, p.state]));
  }

  /** The chips found, by panel name (for the status and tests). */
  chips(): Record<string, InaChip | undefined> {
    return Object.fromEntries(this.panels.map((p) => [p.config.name, p.chip]));
  }

  private tick(tick: Tick): void {
    this.hooks.onTick?.(tick);
    if (this.config.source === 'bus') {
      if (this.bus) for (const panel of this.panels) this.readPanel(panel, tick);
      else this.openBus();
    }
    const periodEnds = (tick.slot + 1) % this.slotsPerRecord === 0;
    if (periodEnds) {
      this.samplesPerSecond = this.samplesThisPeriod / this.config.recordPeriodS;
      this.samplesThisPeriod = 0;
    }
    const closed = this.records.close(this.clock.now());
    const events = [...this.pendingEvents.splice(0), ...closed.events];
    if (periodEnds || closed.records.length > 0 || closed.system.length > 0 || events.length > 0) {
      this.hooks.onReport({ records: closed.records, system: closed.system, events, status: this.status() });
    }
  }

  status(): SamplerStatus {
    const panelsOk = this.panels.filter((p) => p.state === 'ok').length;
    const panelsLost = this.panels.filter((p) => p.state === 'lost').length;
    return { panelsOk, panelsLost, panelsTotal: this.panels.length, samplesPerSecond: this.samplesPerSecond, busProblem: this.busProblem };
  }

  private openBus(): void {
    if (this.opening || this.source.monotonic() < this.busRetryAt) return;
    this.opening = true;
    this.open(this.config.busNumber).then(
      (bus) => {
        this.opening = false;
        if (this.stopped) {
          void bus.close().catch(() => undefined);
          return;
        }
        this.bus = bus;
        this.busProblem = undefined;
        this.busBackoff.reset();
      },
      (err: unknown) => {
        this.opening = false;
        this.busRetryAt = this.source.monotonic() + this.busBackoff.fail();
        this.busFailed(err instanceof BusUnavailableError ? err : openError(this.config.busNumber, err));
      },
    );
  }

  /** Shows why the bus cannot be used, said once per different reason. */
  private busFailed(problem: BusUnavailableError): void {
    const changed = problem.message !== this.busProblem?.message;
    this.busProblem = problem;
    if (changed && !this.stopped) this.hooks.onBusFailure(problem);
  }

  /** Starts one panel's read for this tick, unless it is still busy or waiting to be tried again. */
  private readPanel(panel: PanelState, tick: Tick): void {
    if (panel.busy) {
      this.counters.busySkips++;
      return;
    }
    if (panel.state !== 'ok' && this.source.monotonic() < panel.retryAt) return;
    const bus = this.bus!;
    panel.busy = true;
    this.readOnce(bus, panel, tick)
      .catch((err: unknown) => this.panelFailed(panel, err))
      .finally(() => {
        panel.busy = false;
      });
  }

  private async readOnce(bus: I2cBus, panel: PanelState, tick: Tick): Promise<void> {
    const { config } = panel;
    if (panel.chip === undefined) {
      const model = config.chip === 'auto' ? await detectChip(bus, config.address) : config.chip;
      const chip = new InaChip(bus, model, config, this.clock.periodMs);
      await chip.setUp();
      panel.chip = chip;
      if (panel.state === 'lost')
        this.event(
          config.name,
          'sensor_back',
          'info',
          `${config.name}: ${model} at 0x${config.address.toString(16)} answers again`,
          panel.backoff.attempts + 1,
        );
      panel.state = 'ok';
      panel.failures = 0;
      panel.backoff.reset();
      return;
    }
    const read = await panel.chip.sample();
    panel.failures = 0;
    this.busProblem = undefined;
    if (this.stopped) return;
    switch (read.kind) {
      case 'sample':
        this.records.add(config.name, tick.time, read.sample, this.clock.now());
        this.counters.samples++;
        this.samplesThisPeriod++;
        break;
      case 'stale':
        this.counters.stale++;
        break;
      case 'recalibrated':
        this.event(
          config.name,
          'sensor_reset',
          'warning',
          `${config.name}: calibration read 0 (the chip was reset, e.g. a brown-out); set up again`,
          panel.chip.recalibrations,
        );
        break;
      case 'restarted':
        this.event(
          config.name,
          'conversion_stuck',
          'warning',
          `${config.name}: no conversion finished for several samples; conversion restarted`,
          panel.chip.restarts,
        );
        break;
    }
  }

  private panelFailed(panel: PanelState, err: unknown): void {
    this.counters.readFailures++;
    if (isBusFileError(err)) this.busFailed(openError(this.config.busNumber, err));
    panel.failures++;
    if (panel.state === 'ok' && panel.failures < LOST_AFTER_FAILURES) return;
    panel.chip = undefined;
    panel.retryAt = this.source.monotonic() + panel.backoff.fail();
    if (panel.state !== 'lost') {
      panel.state = 'lost';
      this.event(
        panel.config.name,
        'sensor_lost',
        'critical',
        `${panel.config.name} at 0x${panel.config.address.toString(16)}: ${messageOf(err)}`,
        panel.failures,
      );
    }
  }

  private event(panel: string, type: PanelEvent['type'], severity: PanelEvent['severity'], message: string, value: number): void {
    if (this.stopped) return;
    this.pendingEvents.push({ time: this.clock.now(), panel, type, severity, message, value });
  }
}
