// A simulated Epever Tracer on a 12 V system, answering Modbus like the real controller. It keeps the plant's
// physical state, advances it lazily to the (optionally accelerated) current time on each request, and
// renders its register image from the same register map and codec the reader uses.
import { decodeGroup, encodeGroup } from '../common/modbus/register-codec';
import { spanOf, type RegisterTable, type Span } from '../common/modbus/register';
import { ExceptionCode, ModbusException, type BitTableName } from '../common/simulator/modbus-slave/device';
import { RegisterImageDevice } from '../common/simulator/register-image-device';
import { decodeClock, encodeClock, wallClockUtc, type WallClock } from './clock';
import {
  ANSWERED_RANGES,
  BATTERY_BLOCK,
  BATTERY_SETTINGS,
  CLOCK_ADDRESS,
  CLOCK_WORDS,
  COIL_FORCE_LOAD,
  COIL_LOAD_TEST_MODE,
  COIL_MANUAL_LOAD,
  DISCRETE_NIGHT,
  DISCRETE_OVER_TEMPERATURE,
  RATED,
  REALTIME,
  STATISTICS,
  STATUS,
  type BatterySettings,
} from './register-map';
import { ambientTemperature, householdLoadWatts, panelIrradiance, type Site } from '../common/simulator/day';
import { initialPlant, stepPlant, type PlantConfig, type PlantState, type Surroundings } from './sim-plant';
import { DEFAULT_SETTINGS, SIMULATED_RATED, settingsProblem } from './sim-settings';
import { StatisticsLedger, dayKey } from './sim-statistics';
import { encodeChargingStatus } from './status-bits';
import { stepTowards } from '../common/simulator/steps';

export interface EpeverSimulatorOptions {
  /** Modbus unit id, default 1. */
  unitId?: number;
  /** The real clock; inject a fixed one to make readings repeatable. Default `() => new Date()`. */
  now?: () => Date;
  /** How many simulated seconds pass per real second, default 1. */
  speed?: number;
  /** Where the panel stands; sets the sun's path and the seasons. Default 45° N. */
  latitudeDeg?: number;
  /** Sets local solar noon; default 0 (noon at 12:00 UTC). */
  longitudeDeg?: number;
  /** Panel array rating, W at 1000 W/m². Default 200 (two 100 W 12 V panels in parallel). */
  pvArrayWatts?: number;
  /** State of charge at the device-clock midnight before the start, %. Default 75. */
  initialSoc?: number;
}

/** The monthly equalizing charge runs on this day of the device clock. */
export const EQUALIZE_DAY_OF_MONTH = 28;
/** Epever's default night threshold: PV below this is night. */
const NIGHT_PV_VOLTAGE = 5;
const OVER_TEMPERATURE_C = 85;

const SETTINGS_SPAN = spanOf(BATTERY_SETTINGS);
// The device answers any address inside one of its answered ranges (zeros where nothing is defined) and
// refuses requests that leave them, as the real controller does.
const COIL_SPAN: Span = [COIL_MANUAL_LOAD, COIL_FORCE_LOAD];
const DISCRETE_SPAN: Span = [DISCRETE_OVER_TEMPERATURE, DISCRETE_NIGHT];

export class EpeverSimulator extends RegisterImageDevice {
  private readonly now: () => Date;
  private readonly speed: number;
  private readonly site: Site;
  private readonly config: PlantConfig;
  private readonly realStart: number;
  private settingsValues: BatterySettings = { ...DEFAULT_SETTINGS };
  /** Device clock minus simulated time, ms: moved by clock writes. */
  private clockOffsetMs = 0;
  private manualLoadOn = true;
  private loadTestMode = false;
  private forceLoadOn = false;
  private readonly plantState: PlantState;
  private readonly ledger: StatisticsLedger;
  /** Simulated time the plant has been advanced to, ms. */
  private plantTime: number;

  constructor(options: EpeverSimulatorOptions = {}) {
    super(options.unitId ?? 1, ANSWERED_RANGES, { coil: [COIL_SPAN], discrete: [DISCRETE_SPAN] });
    this.now = options.now ?? (() => new Date());
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError('speed must be positive');
    this.site = { latitudeDeg: options.latitudeDeg ?? 45, longitudeDeg: options.longitudeDeg ?? 0 };
    const pvArrayWatts = options.pvArrayWatts ?? 200;
    this.config = { pvArrayWatts, pvOpenCircuitVoltage: 21.6, rated: SIMULATED_RATED };
    this.realStart = this.now().getTime();

    // Start at the device clock's midnight and live through the morning, so "today" is already filled in.
    const clock = wallClockUtc(new Date(this.realStart + this.clockOffsetMs));
    const midnight = Date.UTC(clock.year, clock.month - 1, clock.day) - this.clockOffsetMs;
    this.plantState = initialPlant(options.initialSoc ?? 75, ambientTemperature(new Date(midnight), this.site));
    const typicalGeneratedKwh = (pvArrayWatts * 3.5) / 1000;
    this.ledger = new StatisticsLedger(clock, typicalGeneratedKwh, typicalGeneratedKwh * 0.8);
    this.plantTime = midnight;
    this.advanceTo(this.realStart);
    this.settle();
  }

  /** The simulated moment now: the real clock, accelerated by `speed` from the start. */
  simulatedTime(): Date {
    return new Date(this.realStart + (this.now().getTime() - this.realStart) * this.speed);
  }

  /** The controller's own clock (wall time as set, UTC unless someone wrote it). */
  deviceClock(): WallClock {
    return wallClockUtc(new Date(this.simulatedTime().getTime() + this.clockOffsetMs));
  }

  /** The physical state at the simulated moment now. */
  plant(): Readonly<PlantState> {
    this.advanceTo(this.simulatedTime().getTime());
    return { ...this.plantState };
  }

  settings(): BatterySettings {
    return { ...this.settingsValues };
  }

  protected fillImage(table: RegisterTable, image: Map<number, number>): void {
    if (table === 'input') this.fillInputImage(image);
    else this.fillHoldingImage(image);
  }

  protected override acceptWrite(address: number, values: readonly number[]): void {
    this.advanceTo(this.simulatedTime().getTime());
    if (address === SETTINGS_SPAN[0] && values.length === SETTINGS_SPAN[1] - SETTINGS_SPAN[0] + 1) {
      const settings = decodeGroup(BATTERY_SETTINGS, values, address);
      const problem = settingsProblem(settings);
      if (problem) throw new ModbusException(ExceptionCode.illegalDataValue, problem);
      this.settingsValues = settings;
    } else if (address === CLOCK_ADDRESS && values.length === CLOCK_WORDS) {
      const clock = decodeClock(values);
      if (!isValidClock(clock)) throw new ModbusException(ExceptionCode.illegalDataValue, 'not a valid date and time');
      const written = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
      this.clockOffsetMs = written - this.simulatedTime().getTime();
    } else {
      // Like the real controller: settings only as the whole block, the clock only as all three words.
      throw new ModbusException(ExceptionCode.illegalDataValue, 'write the whole block');
    }
    this.settle();
  }

  protected override fillBits(table: BitTableName, bits: Map<number, boolean>): void {
    if (table === 'coil') {
      bits.set(COIL_MANUAL_LOAD, this.manualLoadOn);
      bits.set(COIL_LOAD_TEST_MODE, this.loadTestMode);
      bits.set(COIL_FORCE_LOAD, this.forceLoadOn);
    } else {
      const plant = this.plant();
      bits.set(DISCRETE_OVER_TEMPERATURE, plant.controllerTemperature > OVER_TEMPERATURE_C);
      bits.set(DISCRETE_NIGHT, plant.pvVoltage < NIGHT_PV_VOLTAGE);
    }
  }

  protected override acceptCoil(address: number, value: boolean): void {
    this.advanceTo(this.simulatedTime().getTime());
    if (address === COIL_MANUAL_LOAD) this.manualLoadOn = value;
    else if (address === COIL_LOAD_TEST_MODE) this.loadTestMode = value;
    else if (address === COIL_FORCE_LOAD) this.forceLoadOn = value;
    else super.acceptCoil(address, value);
    this.settle();
  }

  private loadSwitchedOn(): boolean {
    // In test mode the force coil drives the load; otherwise the manual switch does.
    return this.loadTestMode ? this.forceLoadOn : this.manualLoadOn;
  }

  private surroundings(at: number): Surroundings {
    const t = new Date(at);
    const clock = wallClockUtc(new Date(at + this.clockOffsetMs));
    return {
      irradiance: panelIrradiance(t, this.site),
      ambientTemperature: ambientTemperature(t, this.site),
      loadDemandWatts: householdLoadWatts(t, this.site),
      loadSwitchedOn: this.loadSwitchedOn(),
      day: dayKey(clock),
      equalizeDay: clock.day === EQUALIZE_DAY_OF_MONTH,
    };
  }

  /** Integrates the plant up to `target` (simulated ms). */
  private advanceTo(target: number): void {
    this.plantTime = stepTowards(this.plantTime, target, (at, dt) => this.step(at, dt));
  }

  /** Re-evaluates the instantaneous readings after a switch or setting changed, without time passing. */
  private settle(): void {
    this.step(this.plantTime, 0);
  }

  private step(at: number, dtSeconds: number): void {
    this.ledger.rollOver(wallClockUtc(new Date(at + this.clockOffsetMs)));
    const energy = stepPlant(this.plantState, this.surroundings(at), this.settingsValues, this.config, dtSeconds);
    this.ledger.add(energy.generatedWh, energy.consumedWh, this.plantState.pvVoltage, this.plantState.batteryVoltage);
  }

  private fillInputImage(image: Map<number, number>): void {
    const p = this.plant();
    encodeGroup(RATED, SIMULATED_RATED, image);
    encodeGroup(
      REALTIME,
      {
        pvVoltage: p.pvVoltage,
        pvCurrent: p.pvCurrent,
        pvPower: p.pvVoltage * p.pvCurrent,
        batteryVoltage: p.batteryVoltage,
        batteryChargingCurrent: p.chargingCurrent,
        batteryChargingPower: p.chargingCurrent * p.batteryVoltage,
        loadVoltage: p.loadVoltage,
        loadCurrent: p.loadCurrent,
        loadPower: p.loadVoltage * p.loadCurrent,
        batteryTemperature: p.batteryTemperature,
        controllerTemperature: p.controllerTemperature,
        heatsinkTemperature: p.heatsinkTemperature,
        batterySoc: Math.round(p.soc),
        remoteBatteryTemperature: p.batteryTemperature,
        batteryRatedSystemVoltage: SIMULATED_RATED.batteryRatedVoltage,
      },
      image,
    );
    encodeGroup(STATUS, this.statusWords(p), image);
    encodeGroup(STATISTICS, this.ledger.values(p.chargingCurrent - p.loadCurrent), image);
    encodeGroup(
      BATTERY_BLOCK,
      { batteryBlockVoltage: p.batteryVoltage, batteryBlockTemperature: p.batteryTemperature, ambientTemperature: p.ambientTemperature },
      image,
    );
  }

  private statusWords(p: PlantState): { batteryStatus: number; chargingStatus: number; dischargingStatus: number } {
    const s = this.settingsValues;
    let voltageState = 0;
    if (p.batteryVoltage >= s.highVoltageDisconnect) voltageState = 1;
    else if (p.lowVoltageTripped) voltageState = 3;
    else if (p.batteryVoltage < s.underVoltageWarning) voltageState = 2;
    const temperatureState = p.batteryTemperature > 65 ? 1 : p.batteryTemperature < -35 ? 2 : 0;
    const pvNoPower = p.pvVoltage < NIGHT_PV_VOLTAGE ? 1 : 0;
    const loadOn = this.loadSwitchedOn() && !p.lowVoltageTripped;
    const loadShare = p.loadCurrent / SIMULATED_RATED.loadRatedCurrent;
    const loadLevel = loadShare < 0.25 ? 0 : loadShare < 0.6 ? 1 : loadShare <= 1 ? 2 : 3;
    return {
      batteryStatus: voltageState | (temperatureState << 4),
      chargingStatus: encodeChargingStatus(p.chargingMode, p.chargingMode !== 'none') | (pvNoPower << 14),
      dischargingStatus: (loadOn ? 1 : 0) | (loadLevel << 12),
    };
  }

  private fillHoldingImage(image: Map<number, number>): void {
    encodeGroup(BATTERY_SETTINGS, this.settingsValues, image);
    encodeClock(this.deviceClock()).forEach((word, i) => image.set(CLOCK_ADDRESS + i, word));
  }
}

function isValidClock(c: WallClock): boolean {
  const daysInMonth = new Date(Date.UTC(c.year, c.month, 0)).getUTCDate();
  return c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= daysInMonth && c.hour < 24 && c.minute < 60 && c.second < 60;
}
