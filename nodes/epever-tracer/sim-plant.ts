// The physics behind the simulated controller: a 12 V panel array behind an MPPT charger, a lead-acid
// battery and a switched load. One call advances the plant by a time step under given surroundings.
import type { BatterySettings, RatedData } from './register-map';
import type { ChargingMode } from './status-bits';

export interface PlantState {
  /** The air around controller and battery, °C (the controller's ambient sensor). */
  ambientTemperature: number;
  /** State of charge, 0..100 %, kept fractional; the register shows it rounded. */
  soc: number;
  batteryVoltage: number;
  batteryTemperature: number;
  controllerTemperature: number;
  heatsinkTemperature: number;
  pvVoltage: number;
  pvCurrent: number;
  /** The charger's output current, which feeds the battery and the load. */
  chargingCurrent: number;
  loadVoltage: number;
  loadCurrent: number;
  chargingMode: ChargingMode;
  /** Load cut by low-voltage disconnect until the battery recovers to the reconnect voltage. */
  lowVoltageTripped: boolean;
  /** Device-clock day (yyyy-mm-dd) of the last equalizing charge, so it runs once on its day. */
  lastEqualizeDay: string;
}

export interface Surroundings {
  /** Fraction of 1000 W/m² on the panel. */
  irradiance: number;
  ambientTemperature: number;
  /** What the household would draw if the load output is on, W. */
  loadDemandWatts: number;
  /** The load output is switched on (coil state). */
  loadSwitchedOn: boolean;
  /** Device-clock day, yyyy-mm-dd, and whether it is the monthly equalizing day. */
  day: string;
  equalizeDay: boolean;
}

export interface PlantConfig {
  pvArrayWatts: number;
  /** Open-circuit voltage of the array at 1000 W/m² and 25 °C. */
  pvOpenCircuitVoltage: number;
  rated: RatedData;
}

/** Energy moved during one step, Wh. */
export interface StepEnergy {
  generatedWh: number;
  consumedWh: number;
}

const CELLS = 6;
const CHARGER_EFFICIENCY = 0.96;
const CHARGE_EFFICIENCY = 0.92;
/** Below this, the array gives too little for the charger to start. */
const MIN_IRRADIANCE = 0.002;

export function initialPlant(soc: number, ambient: number): PlantState {
  return {
    ambientTemperature: ambient,
    soc,
    batteryVoltage: restingVoltage(soc),
    batteryTemperature: ambient,
    controllerTemperature: ambient,
    heatsinkTemperature: ambient,
    pvVoltage: 0,
    pvCurrent: 0,
    chargingCurrent: 0,
    loadVoltage: 0,
    loadCurrent: 0,
    chargingMode: 'none',
    lowVoltageTripped: false,
    lastEqualizeDay: '',
  };
}

/** Open-circuit voltage of a 12 V lead-acid battery by state of charge, falling steeply when nearly empty. */
export function restingVoltage(soc: number): number {
  const knee = Math.max(0, (10 - soc) / 10);
  return 11.6 + 0.012 * soc - 1.2 * knee * knee;
}

export function stepPlant(
  state: PlantState,
  env: Surroundings,
  settings: BatterySettings,
  config: PlantConfig,
  dtSeconds: number,
): StepEnergy {
  const capacityAh = Math.max(1, settings.batteryCapacity);
  const internalOhms = 1.6 / capacityAh;
  const vBattery = state.batteryVoltage;

  // Load, with low-voltage disconnect and reconnect.
  if (vBattery <= settings.lowVoltageDisconnect) state.lowVoltageTripped = true;
  else if (vBattery >= settings.lowVoltageReconnect) state.lowVoltageTripped = false;
  const loadOn = env.loadSwitchedOn && !state.lowVoltageTripped;
  const loadCurrent = loadOn ? env.loadDemandWatts / vBattery : 0;

  // The array: open-circuit voltage falls with dimmer light (logarithmically) and hotter cells.
  const g = env.irradiance;
  const cellTemperature = env.ambientTemperature + 30 * g;
  const heat = 1 - 0.0033 * (cellTemperature - 25);
  const voc = g < MIN_IRRADIANCE ? 0 : Math.max(0, config.pvOpenCircuitVoltage * (1 + 0.06 * Math.log(g)) * heat);
  const vmp = 0.8 * voc;
  // The MPPT needs the array above the battery to charge at all.
  const available = vmp > vBattery + 0.5 ? config.pvArrayWatts * g * (1 - 0.004 * (cellTemperature - 25)) * 0.95 : 0;

  state.chargingMode = nextMode(state, env, available > 0);
  const target = targetVoltage(state, settings);

  // The charger gives what the array has, up to its rating, and no more than battery and load take.
  let chargingCurrent = 0;
  if (state.chargingMode !== 'none') {
    const accepts = acceptanceCurrent(state.soc, state.chargingMode, capacityAh);
    chargingCurrent = Math.min(config.rated.ratedChargingCurrent, (available * CHARGER_EFFICIENCY) / vBattery, loadCurrent + accepts);
  }
  const pvPowerIn = (chargingCurrent * vBattery) / CHARGER_EFFICIENCY;
  // Drawing less than the array could give pushes its operating point up towards open circuit.
  const unused = available > 0 ? 1 - pvPowerIn / available : 1;
  state.pvVoltage = voc === 0 ? 0 : vmp + (voc - vmp) * unused * unused;
  state.pvCurrent = state.pvVoltage > 0 ? pvPowerIn / state.pvVoltage : 0;
  state.chargingCurrent = chargingCurrent;
  state.loadCurrent = loadCurrent;

  const netCurrent = chargingCurrent - loadCurrent;
  const ah = (netCurrent > 0 ? netCurrent * CHARGE_EFFICIENCY : netCurrent) * (dtSeconds / 3600);
  state.soc = Math.min(100, Math.max(0, state.soc + (100 * ah) / capacityAh));

  const resting = restingVoltage(state.soc);
  if (netCurrent > 0) {
    // Charging: polarisation lifts the voltage above rest at once; it then climbs towards the stage's
    // set point as the battery fills.
    const polarisation = Math.sqrt(Math.min(1, netCurrent / (0.1 * capacityAh)));
    const rise = resting + internalOhms * netCurrent + polarisation;
    const fill = Math.min(1, Math.max(0, (state.soc - 70) / 28)) ** 2;
    state.batteryVoltage = Math.min(target, rise + (target - rise) * fill);
  } else {
    state.batteryVoltage = resting + internalOhms * netCurrent;
  }
  state.loadVoltage = loadOn ? state.batteryVoltage - 0.01 * loadCurrent : 0;

  const outputWatts = chargingCurrent * state.batteryVoltage;
  state.ambientTemperature = env.ambientTemperature;
  relax(state, 'batteryTemperature', env.ambientTemperature + 1 + 0.02 * Math.abs(netCurrent), 7200, dtSeconds);
  relax(state, 'controllerTemperature', env.ambientTemperature + 2 + (25 * outputWatts) / config.rated.ratedChargingPower + 0.2 * loadCurrent, 600, dtSeconds);
  relax(state, 'heatsinkTemperature', env.ambientTemperature + 1 + (35 * outputWatts) / config.rated.ratedChargingPower, 600, dtSeconds);

  const hours = dtSeconds / 3600;
  return { generatedWh: outputWatts * hours, consumedWh: loadCurrent * state.loadVoltage * hours };
}

function nextMode(state: PlantState, env: Surroundings, sunUp: boolean): ChargingMode {
  if (!sunUp) return 'none';
  switch (state.chargingMode) {
    case 'none':
      if (env.equalizeDay && state.lastEqualizeDay !== env.day) {
        state.lastEqualizeDay = env.day;
        return 'equalize';
      }
      return state.soc < 97 ? 'boost' : 'float';
    case 'boost':
      return state.soc >= 98.5 ? 'float' : 'boost';
    case 'equalize':
      return state.soc >= 99.8 ? 'float' : 'equalize';
    case 'float':
      return state.soc < 93 ? 'boost' : 'float';
  }
}

function targetVoltage(state: PlantState, s: BatterySettings): number {
  const setPoint =
    state.chargingMode === 'equalize' ? s.equalizationVoltage : state.chargingMode === 'boost' ? s.boostVoltage : s.floatVoltage;
  // Temperature compensation is given per 2 V cell per °C, in mV.
  const compensation = (s.temperatureCompensation / 1000) * CELLS * (state.batteryTemperature - 25);
  return Math.min(s.chargingLimitVoltage, setPoint - compensation);
}

/** How much charging current the battery takes: all it is offered when low, tapering as it fills. */
function acceptanceCurrent(soc: number, mode: ChargingMode, capacityAh: number): number {
  if (mode === 'float') return 0.002 * capacityAh;
  if (soc < 80) return 0.2 * capacityAh;
  return capacityAh * (0.2 - (0.19 * (Math.min(soc, 100) - 80)) / 20);
}

type TemperatureKey = 'batteryTemperature' | 'controllerTemperature' | 'heatsinkTemperature';

function relax(state: PlantState, key: TemperatureKey, towards: number, timeConstantS: number, dtSeconds: number): void {
  state[key] += (towards - state[key]) * (1 - Math.exp(-dtSeconds / timeConstantS));
}
