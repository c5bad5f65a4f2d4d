// Expected PV power from the irradiance on the panels' plane (Open-Meteo's GTI), and energy per day.
//
// Model, per interval (an hourly value is the mean of the hour before its time, a 15-minutely one of the 15
// minutes before; open-meteo-website docs, "Solar Radiation"):
//   G      = max(0, GTI)                                  W/m²; GTI below zero is a known data issue
//                                                         (github.com/open-meteo/open-meteo/issues/1355)
//   T_cell = T_air + G · α · (1 − η) / U                  PVsyst's heat-loss model with no wind term, as in
//                                                         pvlib-python pvlib/temperature.py `pvsyst_cell`:
//                                                         α = 0.9 absorption, η = 0.1 module efficiency,
//                                                         U = 29 W/m²K free-standing, 15 W/m²K insulated back
//                                                         (`TEMPERATURE_MODEL_PARAMETERS['pvsyst']`)
//   P      = kWp · 1000 · G / 1000 · (1 + γ · (T_cell − 25 °C)) · (1 − losses)
//                                                         W; γ the power temperature coefficient (%/K, from the
//                                                         module's datasheet, e.g. −0.35), losses the system's
//                                                         (wiring, inverter, soiling, mismatch; e.g. 14 %)
//   E      = P · interval                                 Wh, booked to the local day the interval lies in
// kWp is rated at STC (1000 W/m², 25 °C cell), hence the two reference values. T_air is temperature_2m, an
// instant value at the interval's end (docs: "Instant"), taken for the whole interval.
import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import type { Value } from './response';

export type Mounting = 'freestanding' | 'insulated';

export interface PvSystem {
  /** Peak power at STC, kW. */
  kwp: number;
  /** Power temperature coefficient, % per K (negative for silicon). */
  temperatureCoefficient: number;
  /** System losses, % (0-100). */
  systemLosses: number;
  mounting: Mounting;
}

/** PVsyst heat-loss factors U_c (pvlib TEMPERATURE_MODEL_PARAMETERS['pvsyst']); U_v = 0. */
export const HEAT_LOSS_FACTOR: Readonly<Record<Mounting, number>> = { freestanding: 29, insulated: 15 };
export const ABSORPTION = 0.9;
export const MODULE_EFFICIENCY = 0.1;
const STC_IRRADIANCE = 1000;
const STC_CELL_TEMPERATURE = 25;

export interface PvPoint {
  /** ms: the end of the interval. */
  time: number;
  /** Plane-of-array irradiance after clamping, W/m². */
  poa: number | null;
  cellTemperature: number | null;
  powerW: number | null;
}

export function cellTemperature(poa: number, airTemperature: number, mounting: Mounting): number {
  return airTemperature + (poa * ABSORPTION * (1 - MODULE_EFFICIENCY)) / HEAT_LOSS_FACTOR[mounting];
}

/** Expected AC power in W for one interval's mean irradiance and air temperature (°C); null where either is unknown. */
export function pvPower(system: PvSystem, gti: Value, airTemperature: Value): Omit<PvPoint, 'time'> {
  if (gti === null) return { poa: null, cellTemperature: null, powerW: null };
  const poa = Math.max(0, gti);
  if (airTemperature === null) return { poa, cellTemperature: null, powerW: null };
  const cell = cellTemperature(poa, airTemperature, system.mounting);
  const temperatureFactor = 1 + (system.temperatureCoefficient / 100) * (cell - STC_CELL_TEMPERATURE);
  const power = system.kwp * 1000 * (poa / STC_IRRADIANCE) * temperatureFactor * (1 - system.systemLosses / 100);
  return { poa, cellTemperature: cell, powerW: Math.max(0, power) };
}

export function pvSeries(system: PvSystem, times: readonly number[], gti: readonly Value[], airTemperature: readonly Value[]): PvPoint[] {
  return times.map((time, i) => ({ time, ...pvPower(system, gti[i] ?? null, airTemperature[i] ?? null) }));
}

export interface DayEnergy {
  /** The local date, YYYY-MM-DD. */
  date: string;
  /** ms of the day's local midnight (the start of a rollup `day` window in the same zone). */
  start: number;
  energyWh: number;
  /** True when every interval of the local day (23, 24 or 25 hours) had a known power. */
  complete: boolean;
}

/** The zone days are counted in: the response's IANA name, else its fixed UTC offset. */
export function zoneOf(timezone: string, utcOffsetSeconds: number): Zone {
  return IANAZone.isValidZone(timezone) ? IANAZone.create(timezone) : FixedOffsetZone.instance(Math.round(utcOffsetSeconds / 60));
}

/** Energy per local day; an interval belongs to the day its middle falls in (the hour ending 00:00 is yesterday's). */
export function dayEnergies(points: readonly PvPoint[], intervalS: number, zone: Zone): DayEnergy[] {
  const days = new Map<string, { start: number; wh: number; known: number; expected: number }>();
  for (const point of points) {
    const local = DateTime.fromMillis(point.time - (intervalS * 1000) / 2, { zone });
    const date = local.toISODate() as string;
    let day = days.get(date);
    if (!day) {
      const start = local.startOf('day');
      const hours = start.plus({ days: 1 }).diff(start, 'seconds').seconds;
      day = { start: start.toMillis(), wh: 0, known: 0, expected: Math.round(hours / intervalS) };
      days.set(date, day);
    }
    if (point.powerW === null) continue;
    day.wh += (point.powerW * intervalS) / 3600;
    day.known += 1;
  }
  return [...days.entries()].map(([date, d]) => ({ date, start: d.start, energyWh: d.wh, complete: d.known === d.expected }));
}

/** Air temperature in °C from the unit the server named (`°F` when `temperature_unit=fahrenheit`). */
export function toCelsius(values: readonly Value[], unit: string | undefined): Value[] {
  return unit === '°F' ? values.map((v) => (v === null ? null : ((v - 32) * 5) / 9)) : [...values];
}
