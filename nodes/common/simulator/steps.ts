// How simulators catch up lazily: the plant is integrated from where it was to the simulated now, in steps of
// about a minute, bounded so a clock that jumps ahead by years costs a bounded amount of work.

const STEP_MS = 60_000;
const MAX_STEPS_PER_UPDATE = 20_000;
const MAX_CATCH_UP_MS = 400 * 86_400_000;

/**
 * Calls `step(at, dtSeconds)` for the steps from `from` to `target` (ms) and returns the time reached.
 * An injected clock may stand still or go back; physics does not run backwards.
 */
export function stepTowards(from: number, target: number, step: (at: number, dtSeconds: number) => void): number {
  if (target <= from) return from;
  const start = Math.max(from, target - MAX_CATCH_UP_MS);
  const steps = Math.min(MAX_STEPS_PER_UPDATE, Math.ceil((target - start) / STEP_MS));
  const dt = (target - start) / steps;
  for (let i = 1; i <= steps; i++) step(start + dt * i, dt / 1000);
  return target;
}
