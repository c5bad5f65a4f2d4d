// A poll of the controller: the fewest block reads for what the user asked for, decoded into the
// Wyandata payload shape.
import { planReads, readBlocks, type RegisterBlock, type RegisterValues } from '../common/modbus/block-read';
import type { RegisterDef } from '../common/modbus/register';
import type { ModbusUnit } from '../common/modbus/unit';
import { ANSWERED_RANGES, REALTIME, STATISTICS, STATUS } from './register-map';
import { decodeStatus, type ChargingMode, type ControllerStatus } from './status-bits';

export interface PollOptions {
  /** Decode every status and fault bit into `payload.status`. */
  status: boolean;
  /** Read the statistics block into `payload.energy` and `battery.net_current`. */
  statistics: boolean;
}

export interface WyandataPayload {
  timestamp: string;
  pv_array: { voltage: number; current: number; power: number };
  battery: {
    voltage: number;
    charging_current: number;
    charging_power: number;
    temperature: number;
    soc: number;
    net_current?: number;
  };
  load: { voltage: number; current: number; power: number };
  controller: { temperature: number; charging_mode: ChargingMode; heatsink_temperature: number };
  status?: ControllerStatus;
  energy?: EnergyCounters;
}

export interface EnergyCounters {
  today_kwh: number;
  month_kwh: number;
  year_kwh: number;
  total_kwh: number;
  consumed_today_kwh: number;
  consumed_month_kwh: number;
  consumed_year_kwh: number;
  consumed_total_kwh: number;
  pv_max_voltage_today: number;
  pv_min_voltage_today: number;
  battery_max_voltage_today: number;
  battery_min_voltage_today: number;
}

/** The block reads one poll makes; exported so the benchmark and the tests count the same thing. */
export function pollPlan(options: PollOptions): RegisterBlock[] {
  const defs: RegisterDef[] = [...REALTIME, ...STATUS];
  if (options.statistics) defs.push(...STATISTICS);
  return planReads(defs, ANSWERED_RANGES);
}

export type Values = RegisterValues;

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export function toPayload(v: Values, measuredAt: Date, options: PollOptions): WyandataPayload {
  const status = decodeStatus({
    batteryStatus: v.batteryStatus,
    chargingStatus: v.chargingStatus,
    dischargingStatus: v.dischargingStatus,
  });
  const payload: WyandataPayload = {
    timestamp: measuredAt.toISOString(),
    pv_array: { voltage: v.pvVoltage, current: v.pvCurrent, power: v.pvPower },
    battery: {
      voltage: v.batteryVoltage,
      charging_current: v.batteryChargingCurrent,
      charging_power: v.batteryChargingPower,
      temperature: v.batteryTemperature,
      soc: v.batterySoc,
    },
    load: { voltage: v.loadVoltage, current: v.loadCurrent, power: v.loadPower },
    controller: {
      temperature: v.controllerTemperature,
      charging_mode: status.charging_mode,
      heatsink_temperature: v.heatsinkTemperature,
    },
  };
  if (options.status) payload.status = status;
  if (options.statistics) {
    payload.battery.net_current = v.netBatteryCurrent;
    payload.energy = {
      today_kwh: round(v.generatedEnergyToday),
      month_kwh: round(v.generatedEnergyMonth),
      year_kwh: round(v.generatedEnergyYear),
      total_kwh: round(v.generatedEnergyTotal),
      consumed_today_kwh: round(v.consumedEnergyToday),
      consumed_month_kwh: round(v.consumedEnergyMonth),
      consumed_year_kwh: round(v.consumedEnergyYear),
      consumed_total_kwh: round(v.consumedEnergyTotal),
      pv_max_voltage_today: v.pvMaxVoltageToday,
      pv_min_voltage_today: v.pvMinVoltageToday,
      battery_max_voltage_today: v.batteryMaxVoltageToday,
      battery_min_voltage_today: v.batteryMinVoltageToday,
    };
  }
  return payload;
}

export async function readPayload(unit: ModbusUnit, options: PollOptions, now: () => Date = () => new Date()): Promise<WyandataPayload> {
  const values = await readBlocks(unit, pollPlan(options));
  return toPayload(values, now(), options);
}
