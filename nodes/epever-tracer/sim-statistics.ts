// The controller's statistics: energy counters that restart each day, month and year of the device clock,
// and today's highest and lowest voltages.
import type { Statistics } from './register-map';
import type { WallClock } from './clock';

/** A common grid-emission factor for the CO2 figure: 0.997 kg saved per kWh generated. */
const CO2_TONS_PER_KWH = 0.997 / 1000;

interface EnergyPeriods {
  today: number;
  month: number;
  year: number;
  total: number;
}

export class StatisticsLedger {
  private readonly consumed: EnergyPeriods;
  private readonly generated: EnergyPeriods;
  private day: string;
  private month: string;
  private year: number;
  private pvMax = 0;
  private pvMin = Infinity;
  private batteryMax = 0;
  private batteryMin = Infinity;

  /**
   * Starts at the beginning of `clock`'s day with a history made up from typical daily figures, so the
   * month, year and total counters look like those of a controller that has been running for years.
   */
  constructor(clock: WallClock, typicalGeneratedKwhPerDay: number, typicalConsumedKwhPerDay: number) {
    const daysOfYearBefore = Math.floor((Date.UTC(clock.year, clock.month - 1, clock.day) - Date.UTC(clock.year, 0, 1)) / 86_400_000);
    const history = (perDay: number): EnergyPeriods => {
      const year = daysOfYearBefore * perDay;
      return { today: 0, month: (clock.day - 1) * perDay, year, total: year + 3 * 365 * perDay };
    };
    this.generated = history(typicalGeneratedKwhPerDay);
    this.consumed = history(typicalConsumedKwhPerDay);
    this.day = dayKey(clock);
    this.month = monthKey(clock);
    this.year = clock.year;
  }

  /** Restarts the counters whose period has ended by `clock`. */
  rollOver(clock: WallClock): void {
    if (clock.year !== this.year) {
      this.year = clock.year;
      this.generated.year = this.consumed.year = 0;
    }
    if (monthKey(clock) !== this.month) {
      this.month = monthKey(clock);
      this.generated.month = this.consumed.month = 0;
    }
    if (dayKey(clock) !== this.day) {
      this.day = dayKey(clock);
      this.generated.today = this.consumed.today = 0;
      this.pvMax = this.batteryMax = 0;
      this.pvMin = this.batteryMin = Infinity;
    }
  }

  add(generatedWh: number, consumedWh: number, pvVoltage: number, batteryVoltage: number): void {
    for (const period of ['today', 'month', 'year', 'total'] as const) {
      this.generated[period] += generatedWh / 1000;
      this.consumed[period] += consumedWh / 1000;
    }
    this.pvMax = Math.max(this.pvMax, pvVoltage);
    this.pvMin = Math.min(this.pvMin, pvVoltage);
    this.batteryMax = Math.max(this.batteryMax, batteryVoltage);
    this.batteryMin = Math.min(this.batteryMin, batteryVoltage);
  }

  values(netBatteryCurrent: number): Statistics {
    const finite = (v: number) => (Number.isFinite(v) ? v : 0);
    return {
      pvMaxVoltageToday: this.pvMax,
      pvMinVoltageToday: finite(this.pvMin),
      batteryMaxVoltageToday: this.batteryMax,
      batteryMinVoltageToday: finite(this.batteryMin),
      consumedEnergyToday: this.consumed.today,
      consumedEnergyMonth: this.consumed.month,
      consumedEnergyYear: this.consumed.year,
      consumedEnergyTotal: this.consumed.total,
      generatedEnergyToday: this.generated.today,
      generatedEnergyMonth: this.generated.month,
      generatedEnergyYear: this.generated.year,
      generatedEnergyTotal: this.generated.total,
      co2ReductionTons: this.generated.total * CO2_TONS_PER_KWH,
      netBatteryCurrent,
    };
  }
}

export function dayKey(c: WallClock): string {
  return `${monthKey(c)}-${String(c.day).padStart(2, '0')}`;
}

function monthKey(c: WallClock): string {
  return `${c.year}-${String(c.month).padStart(2, '0')}`;
}
