// PI30MAX energy counters: PV generated (QE*) and load consumed (QL*), in total and for a year, month or day
// given in the command (QEY2026, QEM202606, QED20260621). All in Wh, as the names say.
import { FieldReader, type Parsed } from './fields';

export type Energy = {
  pv_total_wh?: number;
  pv_year_wh?: number;
  pv_month_wh?: number;
  pv_day_wh?: number;
  load_total_wh?: number;
  load_year_wh?: number;
  load_month_wh?: number;
  load_day_wh?: number;
  /** The period a year, month or day counter is for: 2026, 2026-06, 2026-06-21. */
  year?: string;
  month?: string;
  day?: string;
};
export type EnergyValues = { energy: Energy };

/** QET, QEY<yyyy>, QEM<yyyymm>, QED<yyyymmdd> and their QL counterparts. */
export const ENERGY_COMMAND = /^Q([EL])(T|Y\d{4}|M\d{6}|D\d{8})$/;

const PERIODS = { T: 'total', Y: 'year', M: 'month', D: 'day' } as const;

export function parseEnergy(command: string, text: string): Parsed<EnergyValues> {
  const match = ENERGY_COMMAND.exec(command);
  const r = new FieldReader(command.slice(0, 3), text);
  const energy: Energy = {};
  if (match) {
    const source = match[1] === 'E' ? 'pv' : 'load';
    const period = PERIODS[match[2][0] as keyof typeof PERIODS];
    const digits = match[2].slice(1);
    energy[`${source}_${period}_wh`] = r.number(0, `${source} energy`);
    if (period === 'year') energy.year = digits;
    if (period === 'month') energy.month = `${digits.slice(0, 4)}-${digits.slice(4)}`;
    if (period === 'day') energy.day = `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6)}`;
  } else {
    r.issues.push(`${command}: not an energy query`);
  }
  r.finish(1, 1);
  return r.result({ energy });
}

/** The commands for a date's year, month and day counters, as the device's calendar names them. */
export function energyCommandsFor(date: { year: number; month: number; day: number }): { year: string; month: string; day: string } {
  const y = String(date.year).padStart(4, '0');
  const m = String(date.month).padStart(2, '0');
  const d = String(date.day).padStart(2, '0');
  return { year: y, month: `${y}${m}`, day: `${y}${m}${d}` };
}
