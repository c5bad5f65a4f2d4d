// The physics behind the simulated inverter: a 48 V lead-acid bank, PV strings behind the solar charger, the
// household's AC loads and a grid that now and then fails. One call advances it by a time step; where the
// power goes follows the output source and charger priorities the way the inverter's modes do.
import type { SimSettings } from './settings';

export type SimMode = 'L' | 'B' | 'F' | 'H';

export interface PlantState {
  /** State of charge, 0..100 %, fractional. */
  soc: number;
  batteryVoltage: number;
  /** Into the battery, A; from the solar charger and the AC charger. */
  sccChargingCurrent: number;
  acChargingCurrent: number;
  dischargeCurrent: number;
  pvVoltage: number;
  pvPower: number;
  pv2Voltage: number;
  pv2Power: number;
  loadWatts: number;
  gridUp: boolean;
  mode: SimMode;
  /** Float stage reached; back to bulk when the battery has given enough. */
  floating: boolean;
  /** In SBU, on utility since the battery fell to the re-charge voltage, until it reaches re-discharge. */
  onUtility: boolean;
  /** Output cut by low battery with no grid, until the battery recovers. */
  lowBatteryTripped: boolean;
  heatsinkTemperature: number;
}

export interface Surroundings {
  /** Fraction of 1000 W/m² on the panels. */
  irradiance: number;
  ambientTemperature: number;
  /** What the household draws from the AC output, W. */
  loadDemandWatts: number;
  gridUp: boolean;
}

export interface PlantConfig {
  pvArrayWatts: number;
  pvOpenCircuitVoltage: number;
  /** A second string (PI30MAX has two MPPT inputs); 0 for none. */
  pv2ArrayWatts: number;
  capacityAh: number;
}

/** Energy moved during a step, Wh. */
export interface StepEnergy {
  pvWh: number;
  loadWh: number;
}

const MIN_IRRADIANCE = 0.002;
const INVERTER_EFFICIENCY = 0.93;
const CHARGER_EFFICIENCY = 0.95;
const CHARGE_EFFICIENCY = 0.92;
/** The inverter's own draw while its output is on, W. */
const IDLE_WATTS = 35;
/** Below this load and with power saving enabled, the output sleeps between load checks. */
const POWER_SAVING_WATTS = 25;

/** Open-circuit voltage of a 48 V lead-acid bank by state of charge, steep when nearly empty. */
export function restingVoltage(soc: number): number {
  const knee = Math.max(0, (10 - soc) / 10);
  return 4 * (11.6 + 0.012 * soc - 1.2 * knee * knee);
}

export function initialPlant(soc: number, ambient: number): PlantState {
  return {
    soc,
    batteryVoltage: restingVoltage(soc),
    sccChargingCurrent: 0,
    acChargingCurrent: 0,
    dischargeCurrent: 0,
    pvVoltage: 0,
    pvPower: 0,
    pv2Voltage: 0,
    pv2Power: 0,
    loadWatts: 0,
    gridUp: true,
    mode: 'L',
    floating: false,
    onUtility: false,
    lowBatteryTripped: false,
    heatsinkTemperature: ambient + 5,
  };
}

function arrayOutput(watts: number, voc: number, env: Surroundings): { voltage: number; power: number } {
  const g = env.irradiance;
  if (watts <= 0 || g < MIN_IRRADIANCE) return { voltage: 0, power: 0 };
  const cellTemperature = env.ambientTemperature + 30 * g;
  const heat = 1 - 0.0033 * (cellTemperature - 25);
  const open = Math.max(0, voc * (1 + 0.06 * Math.log(g)) * heat);
  return { voltage: 0.8 * open, power: watts * g * (1 - 0.004 * (cellTemperature - 25)) * 0.95 };
}

export function stepPlant(state: PlantState, env: Surroundings, s: SimSettings, config: PlantConfig, dtSeconds: number): StepEnergy {
  const pv1 = arrayOutput(config.pvArrayWatts, config.pvOpenCircuitVoltage, env);
  const pv2 = arrayOutput(config.pv2ArrayWatts, config.pvOpenCircuitVoltage, env);
  const solarAvailable = (pv1.power + pv2.power) * CHARGER_EFFICIENCY;
  const vBattery = state.batteryVoltage;
  state.gridUp = env.gridUp;

  // Which source carries the load.
  if (!env.gridUp && vBattery <= s.cutOffVoltage) state.lowBatteryTripped = true;
  else if (env.gridUp || state.soc > 30) state.lowBatteryTripped = false;
  if (s.outputSourcePriority === 2) {
    if (vBattery <= s.rechargeVoltage) state.onUtility = true;
    else if (state.onUtility && (s.redischargeVoltage === 0 ? state.floating : vBattery >= s.redischargeVoltage)) state.onUtility = false;
  } else {
    state.onUtility = false;
  }
  let mode: SimMode;
  if (state.lowBatteryTripped) mode = 'F';
  else if (!env.gridUp) mode = 'B';
  else if (s.outputSourcePriority === 2 && !state.onUtility) mode = 'B';
  else mode = 'L';
  const load = mode === 'F' ? 0 : env.loadDemandWatts;
  if (mode === 'B' && load < POWER_SAVING_WATTS && s.enabledFlags.has('j')) mode = 'H';
  state.mode = mode;
  state.loadWatts = load;

  // The load's DC side: in battery mode the sun first, then the battery; on the line, solar-first lets the
  // sun carry what it can and the grid the rest.
  const outputDc = load > 0 ? (load + IDLE_WATTS) / INVERTER_EFFICIENCY : 0;
  let solarLeft = solarAvailable;
  let fromBattery = 0;
  if (mode === 'B' || mode === 'H') {
    const fromSun = Math.min(solarLeft, outputDc);
    solarLeft -= fromSun;
    fromBattery = outputDc - fromSun;
  } else if (mode === 'L' && s.outputSourcePriority === 1) {
    solarLeft -= Math.min(solarLeft, outputDc);
  }

  // Charging: the battery takes what its stage allows, within the chargers' limits.
  const accepts = acceptanceCurrent(state, s, config.capacityAh);
  // Utility-first charging leaves the sun idle while the grid is there; solar-only never uses the grid.
  const solarMayCharge = s.chargerSourcePriority !== 0 || mode !== 'L';
  const utilityMayCharge =
    env.gridUp &&
    mode === 'L' &&
    (s.chargerSourcePriority === 0 || s.chargerSourcePriority === 2 || (s.chargerSourcePriority === 1 && solarAvailable === 0));
  const limit = Math.min(s.maxChargingCurrent, accepts);
  const scc = solarMayCharge ? Math.min(limit, solarLeft / vBattery) : 0;
  const ac = utilityMayCharge ? Math.min(s.maxUtilityChargingCurrent, limit - scc) : 0;
  const discharge = fromBattery / vBattery;
  state.sccChargingCurrent = Math.max(0, scc);
  state.acChargingCurrent = Math.max(0, ac);
  state.dischargeCurrent = discharge;

  // What the arrays actually give: only what is used; an unused array sits near open circuit.
  const used = solarAvailable - solarLeft + state.sccChargingCurrent * vBattery;
  const share = solarAvailable > 0 ? Math.min(1, used / solarAvailable) : 0;
  state.pvPower = pv1.power * share;
  state.pv2Power = pv2.power * share;
  state.pvVoltage = pv1.voltage === 0 ? 0 : pv1.voltage * (1.2 - 0.2 * share);
  state.pv2Voltage = pv2.voltage === 0 ? 0 : pv2.voltage * (1.2 - 0.2 * share);

  // The battery.
  const net = state.sccChargingCurrent + state.acChargingCurrent - discharge;
  const ah = (net > 0 ? net * CHARGE_EFFICIENCY : net) * (dtSeconds / 3600);
  state.soc = Math.min(100, Math.max(0, state.soc + (100 * ah) / config.capacityAh));
  if (state.soc >= 98.5) state.floating = true;
  else if (state.soc < 93) state.floating = false;
  // Cells, links and cables of a 48 V bank: about 50 mOhm for 200 Ah.
  const internalOhms = 10 / config.capacityAh;
  const resting = restingVoltage(state.soc);
  if (net > 0) {
    const target = state.floating ? s.floatVoltage : s.bulkVoltage;
    const polarisation = 4 * Math.sqrt(Math.min(1, net / (0.1 * config.capacityAh)));
    const rise = resting + internalOhms * net + polarisation;
    const fill = Math.min(1, Math.max(0, (state.soc - 70) / 28)) ** 2;
    state.batteryVoltage = Math.min(target, rise + (target - rise) * fill);
  } else {
    state.batteryVoltage = resting + internalOhms * net;
  }

  const throughput = load + (state.sccChargingCurrent + state.acChargingCurrent) * vBattery;
  const towards = env.ambientTemperature + 8 + 30 * (throughput / 5000);
  state.heatsinkTemperature += (towards - state.heatsinkTemperature) * (1 - Math.exp(-dtSeconds / 900));

  const hours = dtSeconds / 3600;
  return { pvWh: (state.pvPower + state.pv2Power) * hours, loadWh: load * hours };
}

function acceptanceCurrent(state: PlantState, s: SimSettings, capacityAh: number): number {
  if (state.floating) return state.batteryVoltage < s.floatVoltage ? 0.05 * capacityAh : 0.005 * capacityAh;
  if (state.soc < 80) return 0.25 * capacityAh;
  return capacityAh * (0.25 - (0.24 * (Math.min(state.soc, 100) - 80)) / 20);
}
