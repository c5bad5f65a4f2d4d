// A simulated MPP-Solar / Voltronic inverter speaking PI30: a 5 kVA, 48 V hybrid with PV, a lead-acid bank, a
// household on its AC output and a grid that fails now and then. It advances lazily to the (optionally
// accelerated) current time on each command, answers every query from the same codec the node reads with (the
// multi-field replies rendered from the parsers' own field tables of its family), applies setters, and NAKs what
// a real model would refuse.
import { ambientTemperature, panelIrradiance, solarHours, type Site } from '../../common/simulator/day';
import { ENERGY_COMMAND } from '../protocol/energy';
import { decodeCommand, encodeReply } from '../protocol/frame';
import { MODES, nameOf } from '../protocol/enums';
import { formatNumber, renderTable, type NumberFormat } from '../protocol/field-table';
import type { Part } from '../protocol/fields';
import { renderQmod } from '../protocol/qmod';
import { QPIGS2_TABLES, QPIGS_TABLES, type QpigsValues } from '../protocol/qpigs';
import { renderQpiws } from '../protocol/qpiws';
import { dayKeyOf, EnergyLedger } from './energy';
import { initialPlant, stepPlant, type PlantConfig, type PlantState } from './plant';
import {
  applySetter,
  CHARGING_CURRENT_OPTIONS,
  initialSettings,
  renderQdi,
  renderQflag,
  renderQpiri,
  SYSTEM_VOLTAGE,
  UTILITY_CHARGING_CURRENT_OPTIONS,
  type SimModel,
  type SimSettings,
} from './settings';
import { stepTowards } from '../../common/simulator/steps';

export type { SimModel } from './settings';

/** Misbehaviour a test switches on; the served transports honour it. */
export interface Pi30Faults {
  /** Never answer, as an inverter that is off or unplugged. */
  silent: boolean;
  /** Answer this many milliseconds late. */
  delayMs: number;
  /** Send only the first half of each reply, without its CR. */
  truncate: boolean;
  /** Send each reply with a wrong CRC. */
  corruptCrc: boolean;
  /** Drop the link (close the TCP connection, the USB device vanishes) at the next command; clears itself. */
  dropLink: boolean;
}

export function noPi30Faults(): Pi30Faults {
  return { silent: false, delayMs: 0, truncate: false, corruptCrc: false, dropLink: false };
}

export interface Pi30SimulatorOptions {
  /**
   * The firmware family. `pi30max` (default) answers QPIGS2 and the energy counters; `pi30` is an older
   * PIP/Axpert that NAKs them; `pi30revo` answers only what the Revo protocol has (QPI, QPIGS with PV power and
   * today's energy, QPIRI, QMOD) and NAKs the rest, QVFW and QMN included, as "auto" expects of it.
   */
  model?: SimModel;
  /** The real clock; inject a fixed one to make readings repeatable. */
  now?: () => Date;
  /** Simulated seconds per real second, default 1. */
  speed?: number;
  latitudeDeg?: number;
  /** Sets local solar noon; default 0 (noon at 12:00 UTC). */
  longitudeDeg?: number;
  /** State of charge at the midnight before the start, %. Default 70. */
  initialSoc?: number;
  serialNumber?: string;
  /** Settings other than the simulated owner's (SBU, solar-first charging, AGM). */
  settings?: Partial<Omit<SimSettings, 'enabledFlags'>>;
}

const RATED_WATTS = 5000;

export class Pi30Simulator {
  readonly faults: Pi30Faults = noPi30Faults();
  readonly model: SimModel;
  readonly serialNumber: string;
  /** The last commands received (text, or `<bad frame: why>`), newest last; tests read it. */
  readonly received: string[] = [];

  private readonly now: () => Date;
  private readonly speed: number;
  private readonly site: Site;
  private readonly config: PlantConfig;
  private readonly realStart: number;
  private readonly settingsState: SimSettings;
  private readonly plantState: PlantState;
  private readonly ledger: EnergyLedger;
  private plantTime: number;
  private gridOverride: boolean | undefined;

  constructor(options: Pi30SimulatorOptions = {}) {
    this.model = options.model ?? 'pi30max';
    this.serialNumber = options.serialNumber ?? '92932004101475';
    this.now = options.now ?? (() => new Date());
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError('speed must be positive');
    this.site = { latitudeDeg: options.latitudeDeg ?? 45, longitudeDeg: options.longitudeDeg ?? 0 };
    const max = this.model === 'pi30max';
    this.config = { pvArrayWatts: max ? 3000 : 2400, pv2ArrayWatts: max ? 1500 : 0, pvOpenCircuitVoltage: max ? 380 : 140, capacityAh: 200 };
    this.settingsState = { ...initialSettings(), ...options.settings };
    this.realStart = this.now().getTime();
    const midnight = Math.floor(this.realStart / 86_400_000) * 86_400_000;
    this.plantState = initialPlant(options.initialSoc ?? 70, ambientTemperature(new Date(midnight), this.site));
    const typicalPvWh = (this.config.pvArrayWatts + this.config.pv2ArrayWatts) * 3.5;
    this.ledger = new EnergyLedger(new Date(this.realStart), { pvWh: typicalPvWh, loadWh: 6500 });
    // Live through the morning, so "today" and the battery already have a history.
    this.plantTime = midnight;
    this.advanceTo(this.realStart);
  }

  simulatedTime(): Date {
    return new Date(this.realStart + (this.now().getTime() - this.realStart) * this.speed);
  }

  plant(): Readonly<PlantState> {
    this.advanceTo(this.simulatedTime().getTime());
    return { ...this.plantState };
  }

  settings(): Readonly<SimSettings> {
    return { ...this.settingsState, enabledFlags: new Set(this.settingsState.enabledFlags) };
  }

  /** Forces the grid up or down; undefined returns to the schedule (an outage most afternoons). */
  setGrid(up: boolean | undefined): void {
    this.advanceTo(this.simulatedTime().getTime());
    this.gridOverride = up;
    this.settle();
  }

  /** The reply frame to a command frame (through its CR), as the inverter sends it. */
  answerFrame(frame: Uint8Array): Buffer {
    const decoded = decodeCommand(frame);
    if (!decoded.ok) {
      this.remember(`<bad frame: ${decoded.problem}>`);
      return encodeReply('NAK');
    }
    return encodeReply(this.answer(decoded.command));
  }

  /** The reply text (without `(`) to a command: data, ACK or NAK. */
  answer(command: string): string {
    this.remember(command);
    this.advanceTo(this.simulatedTime().getTime());
    if (this.model === 'pi30revo') return this.revoAnswer(command);
    const max = this.model === 'pi30max';
    switch (command) {
      case 'QPIGS':
        return this.qpigs();
      case 'QPIGS2':
        return max ? this.qpigs2() : 'NAK';
      case 'QPIRI':
        return renderQpiri(this.settingsState, this.model);
      case 'QDI':
        return renderQdi(this.model);
      case 'QMOD':
        return this.qmod();
      case 'QPIWS':
        return this.qpiws();
      case 'QFLAG':
        return renderQflag(this.settingsState, this.model);
      case 'QID':
        return this.serialNumber;
      case 'QVFW':
        return max ? 'VERFW:00041.17' : 'VERFW:00072.70';
      case 'QVFW2':
        // PI30MAX firmware dropped the secondary CPU query.
        return max ? 'NAK' : 'VERFW2:00041.17';
      case 'QPI':
        return 'PI30';
      case 'QMN':
        return max ? 'MKS2-5000' : 'NAK';
      case 'QBEQI':
        return max ? this.qbeqi() : 'NAK';
      case 'QMCHGCR':
        return CHARGING_CURRENT_OPTIONS.map((a) => String(a).padStart(3, '0')).join(' ');
      case 'QMUCHGCR':
        return UTILITY_CHARGING_CURRENT_OPTIONS.map((a) => String(a).padStart(3, '0')).join(' ');
      default:
        break;
    }
    const energy = ENERGY_COMMAND.exec(command);
    if (energy) return max ? this.energy(energy[1] === 'E' ? 'pvWh' : 'loadWh', energy[2]) : 'NAK';
    if (command.startsWith('Q')) return 'NAK';
    const accepted = applySetter(this.settingsState, command, this.model);
    if (accepted) this.settle();
    return accepted ? 'ACK' : 'NAK';
  }

  /** PI30REVO V02 (and mppsolar/protocols/pi30revo.py): QPI, QPIGS, QPIRI, QMOD; everything else NAK. */
  private revoAnswer(command: string): string {
    switch (command) {
      case 'QPI':
        return 'PI30';
      case 'QPIGS':
        return this.qpigs();
      case 'QPIRI':
        return renderQpiri(this.settingsState, this.model);
      case 'QMOD':
        return this.qmod();
      default:
        return 'NAK';
    }
  }

  private qmod(): string {
    return renderQmod({ mode: nameOf(MODES, this.plantState.mode) });
  }

  private remember(entry: string): void {
    this.received.push(entry);
    if (this.received.length > 200) this.received.splice(0, this.received.length - 200);
  }

  /** QPIGS by the family's table: PV power and today's energy where Revo has them, the feed-to-grid fields on PI30MAX. */
  private qpigs(): string {
    const p = this.plantState;
    const s = this.settingsState;
    const t = this.simulatedTime().getTime() / 1000;
    const outputOn = p.mode !== 'F';
    const gridVolts = p.gridUp ? 230 + 3 * Math.sin((2 * Math.PI * t) / 2220) : 0;
    const gridHz = p.gridUp ? 50 + 0.05 * Math.sin((2 * Math.PI * t) / 610) : 0;
    const outVolts = outputOn ? (p.mode === 'L' ? gridVolts : 230 + 0.3 * Math.sin(t / 97)) : 0;
    const outHz = outputOn ? (p.mode === 'L' ? gridHz : s.outputFrequency) : 0;
    const watts = Math.round(p.loadWatts);
    const va = Math.round(watts / 0.92);
    const sccOn = p.sccChargingCurrent > 0.5;
    const acOn = p.acChargingCurrent > 0.5;
    const values: QpigsValues = {
      grid: { voltage: gridVolts, frequency: gridHz },
      ac_output: {
        voltage: outVolts,
        frequency: outHz,
        apparent_power: va,
        active_power: watts,
        load: Math.round((100 * Math.max(watts, va)) / RATED_WATTS),
      },
      battery: {
        voltage: p.batteryVoltage,
        charging_current: p.sccChargingCurrent + p.acChargingCurrent,
        soc: p.soc,
        scc_voltage: sccOn ? p.batteryVoltage + 0.05 : 0,
        discharge_current: p.dischargeCurrent,
        fan_on_voltage_offset: 0,
      },
      pv: {
        current: p.pvVoltage > 0 ? p.pvPower / p.pvVoltage : 0,
        power: p.pvPower,
        voltage: p.pvVoltage,
        charging_power: p.pvPower,
        feed_to_grid_power: 0,
      },
      inverter: {
        bus_voltage: outputOn ? 390 + 15 * (watts / RATED_WATTS) : 0,
        heatsink_temperature: p.heatsinkTemperature,
        eeprom_version: '00',
        solar_feed_to_grid: s.enabledFlags.has('d'),
        country_code: '00',
      },
      status: {
        sbu_priority_version_added: true,
        configuration_changed: false,
        scc_firmware_updated: true,
        load_on: outputOn && watts > 0,
        battery_voltage_steady: p.floating,
        charging_on: sccOn || acOn,
        scc_charging_on: sccOn,
        ac_charging_on: acOn,
        charging_to_float: p.floating,
        switched_on: true,
        dustproof_installed: false,
      },
      energy: { pv_day_wh: this.ledger.sum(dayKeyOf(this.simulatedTime()), 'pvWh') },
    };
    return renderTable(QPIGS_TABLES[this.model], clamped(values), { formats: QPIGS_FORMATS[this.model], reserved: QPIGS_RESERVED });
  }

  private qpigs2(): string {
    const p = this.plantState;
    const pv2 = { current: p.pv2Voltage > 0 ? p.pv2Power / p.pv2Voltage : 0, voltage: p.pv2Voltage, charging_power: p.pv2Power };
    // The simulator has always ended this reply with a space; readers must take it.
    return `${renderTable(QPIGS2_TABLES[this.model], clamped({ pv2 }), { formats: QPIGS2_FORMATS })} `;
  }

  private qpiws(): string {
    const p = this.plantState;
    const s = this.settingsState;
    const warnings: Record<string, boolean> = {};
    if (!p.gridUp) warnings.line_fail = true;
    if (p.lowBatteryTripped) warnings.battery_under_shutdown = warnings.inverter_fault = true;
    else if (p.mode !== 'L' && p.batteryVoltage < s.cutOffVoltage + 2) warnings.battery_low_alarm = true;
    if (this.model === 'pi30max' && p.pvVoltage === 0) warnings.pv_loss = true;
    // PI30MAX 48 V: a31 battery weak, a32-a33 the fault code ("00": none).
    if (this.model === 'pi30max' && p.lowBatteryTripped) warnings.battery_weak = true;
    // PI30 sends the 32 bits of the 2014 specification; PI30MAX all 36.
    return renderQpiws({ warnings }, this.model, { systemVoltage: SYSTEM_VOLTAGE }, this.model === 'pi30max' ? 36 : 32);
  }

  private qbeqi(): string {
    const hoursSinceEqualized = Math.floor((this.simulatedTime().getTime() / 3_600_000) % 720);
    return `0 060 030 080 021 58.40 224 120 0 ${String(hoursSinceEqualized).padStart(4, '0')}`;
  }

  private energy(which: 'pvWh' | 'loadWh', period: string): string {
    const prefix = period === 'T' ? '' : period.slice(1);
    return formatNumber(Math.max(0, this.ledger.sum(prefix, which)), { width: 8 });
  }

  private gridUp(at: Date): boolean {
    if (this.gridOverride !== undefined) return this.gridOverride;
    // Most afternoons the grid fails for three quarters of an hour.
    const day = Math.floor(at.getTime() / 86_400_000);
    const h = solarHours(at, this.site);
    return !(day % 3 !== 0 && h >= 16 && h < 16.75);
  }

  private loadDemand(at: Date): number {
    const h = solarHours(at, this.site);
    let watts = 150;
    if (h >= 6.5 && h < 8) watts += 700;
    if (h >= 12 && h < 13) watts += 500;
    if (h >= 18 && h < 22.5) watts += 600;
    // A fridge compressor: on 12 minutes of every 40.
    if (Math.floor(at.getTime() / 60_000) % 40 < 12) watts += 120;
    return watts;
  }

  /** Integrates the plant up to `target` (simulated ms). */
  private advanceTo(target: number): void {
    this.plantTime = stepTowards(this.plantTime, target, (at, dt) => this.step(at, dt));
  }

  /** Re-evaluates the readings after a setting changed, without time passing. */
  private settle(): void {
    this.step(this.plantTime, 0);
  }

  private step(at: number, dtSeconds: number): void {
    const t = new Date(at);
    const energy = stepPlant(
      this.plantState,
      {
        irradiance: panelIrradiance(t, this.site),
        ambientTemperature: ambientTemperature(t, this.site),
        loadDemandWatts: this.loadDemand(t),
        gridUp: this.gridUp(t),
      },
      this.settingsState,
      this.config,
      dtSeconds,
    );
    if (dtSeconds > 0) this.ledger.add(t, energy.pvWh, energy.loadWh);
  }
}

/** Every number of a reply at least 0, as the simulated firmware prints them. */
function clamped<T extends Part>(values: T): T {
  const out: Part = {};
  for (const [key, group] of Object.entries(values)) {
    if (typeof group !== 'object') out[key] = group;
    else out[key] = Object.fromEntries(Object.entries(group).map(([name, v]) => [name, typeof v === 'number' ? Math.max(0, v) : v]));
  }
  return out as T;
}

/** How this firmware prints each QPIGS field (the specifications' samples: "BBB.B" is 5 wide, 1 decimal). */
const QPIGS_COMMON_FORMATS: Readonly<Record<string, NumberFormat>> = {
  'grid.voltage': { width: 5, decimals: 1 },
  'grid.frequency': { width: 4, decimals: 1 },
  'ac_output.voltage': { width: 5, decimals: 1 },
  'ac_output.frequency': { width: 4, decimals: 1 },
  'ac_output.apparent_power': { width: 4 },
  'ac_output.active_power': { width: 4 },
  'ac_output.load': { width: 3 },
  'inverter.bus_voltage': { width: 3 },
  'battery.voltage': { width: 5, decimals: 2 },
  'battery.charging_current': { width: 3 },
  'battery.soc': { width: 3 },
  'inverter.heatsink_temperature': { width: 4 },
  'pv.current': { width: 4 },
  'pv.voltage': { width: 5, decimals: 1 },
  'battery.scc_voltage': { width: 5, decimals: 2 },
  'battery.discharge_current': { width: 5 },
  'battery.fan_on_voltage_offset': { width: 2 },
  'pv.charging_power': { width: 5 },
  'pv.feed_to_grid_power': { width: 4 },
  'pv.power': { width: 4 },
  'energy.pv_day_wh': { width: 5 },
};
const QPIGS_FORMATS: Readonly<Record<SimModel, Readonly<Record<string, NumberFormat>>>> = {
  pi30: QPIGS_COMMON_FORMATS,
  // PI30MAX sends the PV current with a decimal.
  pi30max: { ...QPIGS_COMMON_FORMATS, 'pv.current': { width: 4, decimals: 1 } },
  pi30revo: QPIGS_COMMON_FORMATS,
};
/** What the Revo sends in the QPIGS fields its protocol reserves (PI30REVO V02 1.2). */
const QPIGS_RESERVED: Readonly<Record<number, string>> = { 17: '00', 18: '00', 20: '010' };
const QPIGS2_FORMATS: Readonly<Record<string, NumberFormat>> = {
  'pv2.current': { width: 4, decimals: 1 },
  'pv2.voltage': { width: 5, decimals: 1 },
  'pv2.charging_power': { width: 5 },
};
