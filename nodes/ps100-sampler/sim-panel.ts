// Simulated PS100 panels: output follows the sun over the day (common/simulator/day.ts), with passing cloud shadows
// that reach each panel a few seconds after the one before, and a little measurement noise.
import { panelIrradiance, type Site } from '../common/simulator/day';
import type { ElectricalState } from './sim-chip';

export interface SimPanelOptions {
  readonly ratedPowerW: number;
  readonly site: Site;
  /** The panel's place in the row: its shadows come this many times `shadowLagMs` later. */
  readonly index: number;
  /** Wall time (ms since 1970) the simulator's monotonic time 0 stands for. */
  readonly epochAtZero: number;
  /** The moment whose sun position counts, from the wall time; default the wall time (the real sun). */
  readonly sunTime?: (wallMs: number) => number;
}

/** A 100 W panel loaded near its maximum power point: about 18-20 V (UNVERIFIED for the PS100: check its label). */
const VOLTS_AT_MPP = 19.5;
const SHADOW_LAG_MS = 4000;
const SHADOW_PERIOD_MS = 97_000;

/** A cloud's edge passing: full light most of the time, a dip to 30 % for about a fifth of each period. */
export function cloudShade(timeMs: number): number {
  const phase = (((timeMs % SHADOW_PERIOD_MS) + SHADOW_PERIOD_MS) % SHADOW_PERIOD_MS) / SHADOW_PERIOD_MS;
  if (phase < 0.78) return 1;
  const depth = Math.sin(((phase - 0.78) / 0.22) * Math.PI);
  return 1 - 0.7 * depth;
}

/** Deterministic noise in [-1, 1] from a time and a salt. */
function noise(timeMs: number, salt: number): number {
  let x = Math.imul(Math.floor(timeMs) ^ Math.imul(salt + 1, 0x9e3779b1), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x ^= x >>> 16;
  return ((x >>> 0) / 0x1_0000_0000) * 2 - 1;
}

export function simPanel(options: SimPanelOptions): (monotonicMs: number) => ElectricalState {
  const mismatch = 1 - 0.03 * (options.index % 3);
  return (monotonicMs) => {
    const wall = options.epochAtZero + monotonicMs;
    const sun =
      panelIrradiance(new Date(options.sunTime ? options.sunTime(wall) : wall), options.site) *
      cloudShade(wall - options.index * SHADOW_LAG_MS) *
      mismatch;
    if (sun <= 0.001) return { volts: 0.4 * sun * 1000, amps: 0 };
    const watts = Math.min(options.ratedPowerW, options.ratedPowerW * sun) * (1 + 0.005 * noise(wall, options.index));
    const volts = VOLTS_AT_MPP * (0.92 + 0.08 * Math.min(1, sun)) * (1 + 0.002 * noise(wall, options.index + 100));
    return { volts, amps: watts / volts };
  };
}
