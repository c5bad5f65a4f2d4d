// The simulated inverter's energy counters (PI30MAX's QET/QEY/QEM/QED and QLT/QLY/QLM/QLD): PV generated and
// load consumed, Wh, per day of the device clock, with a plausible history before the simulation started.

export interface EnergyTotals {
  pvWh: number;
  loadWh: number;
}

/** yyyymmdd of a UTC moment: the simulated device keeps UTC. */
export function dayKeyOf(t: Date): string {
  return t.toISOString().slice(0, 10).replace(/-/g, '');
}

export class EnergyLedger {
  private readonly days = new Map<string, EnergyTotals>();
  private readonly history: EnergyTotals;
  private readonly startKey: string;

  /** `typical` is a day's PV and load; the history before `start` is that many typical days. */
  constructor(
    start: Date,
    private readonly typical: EnergyTotals,
  ) {
    this.startKey = dayKeyOf(start);
    this.history = { pvWh: 400 * typical.pvWh, loadWh: 400 * typical.loadWh };
  }

  add(at: Date, pvWh: number, loadWh: number): void {
    const key = dayKeyOf(at);
    const day = this.days.get(key) ?? { pvWh: 0, loadWh: 0 };
    day.pvWh += pvWh;
    day.loadWh += loadWh;
    this.days.set(key, day);
  }

  /** Wh over the days whose key starts with `prefix` ('' for the total), history included. */
  sum(prefix: string, which: keyof EnergyTotals): number {
    let wh = 0;
    for (const [key, day] of this.days) if (key.startsWith(prefix)) wh += day[which];
    if (prefix === '') return wh + this.history[which];
    // Days of the same year or month before the start count as typical days.
    if (prefix.length < 8 && this.startKey.startsWith(prefix)) {
      const dayOfStart = prefix.length === 6 ? Number(this.startKey.slice(6)) : dayOfYear(this.startKey);
      wh += (dayOfStart - 1) * this.typical[which];
    }
    return wh;
  }
}

function dayOfYear(key: string): number {
  const t = Date.UTC(Number(key.slice(0, 4)), Number(key.slice(4, 6)) - 1, Number(key.slice(6)));
  return Math.floor((t - Date.UTC(Number(key.slice(0, 4)), 0, 1)) / 86_400_000) + 1;
}
