// Energy from power samples: the trapezoidal rule between two samples, in Wh, and which fields are power.

/** A power reading: W at a moment in ms since the epoch. */
export interface PowerPoint {
  readonly time: number;
  readonly watts: number;
}

const MS_PER_HOUR = 3_600_000;

/** Wh between two samples, the power taken to change linearly from one to the other. */
export function trapezoidWh(a: PowerPoint, b: PowerPoint): number {
  return ((a.watts + b.watts) / 2) * ((b.time - a.time) / MS_PER_HOUR);
}

/**
 * The part of the interval from `a` to `b` that falls between `from` and `to`, in proportion to time: the
 * interval's energy spread evenly over it, so a window never gets more than the interval's mean power over
 * the time it shares with it, and the parts of all windows add up to the whole.
 */
export function shareWh(a: PowerPoint, b: PowerPoint, wh: number, from: number, to: number): number {
  const overlap = Math.min(to, b.time) - Math.max(from, a.time);
  return overlap <= 0 ? 0 : (wh * overlap) / (b.time - a.time);
}

/** By name: `pv_array_power`, `power`, `load_w`. */
export function isPowerFieldName(field: string): boolean {
  return /power$/i.test(field) || /_w$/i.test(field);
}

/**
 * The output name of a power field's energy: a trailing `power` becomes `energy_wh` (`pv_array_power` ->
 * `pv_array_energy_wh`), a trailing `_w` becomes `_wh` (`load_w` -> `load_wh`), anything else gets `_energy_wh`.
 */
export function energyName(field: string): string {
  if (/power$/i.test(field)) return `${field.slice(0, -'power'.length)}energy_wh`;
  if (/_w$/i.test(field)) return `${field.slice(0, -2)}_wh`;
  return `${field}_energy_wh`;
}
