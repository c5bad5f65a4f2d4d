// QMCHGCR and QMUCHGCR: the charging currents, A, the inverter offers for MCHGC and MUCHGC.
import { FieldReader, type Parsed } from './fields';

export type CurrentOptions = { max_charging_current?: number[]; max_utility_charging_current?: number[] };
export type CurrentOptionsValues = { options: CurrentOptions };

function parseList(query: string, field: keyof CurrentOptions, text: string): Parsed<CurrentOptionsValues> {
  const r = new FieldReader(query, text);
  const values: number[] = [];
  r.tokens.forEach((_, i) => {
    const value = r.number(i, 'current option');
    if (value !== undefined) values.push(value);
  });
  if (r.tokens.length === 0) r.issues.push(`${query}: empty reply`);
  return r.result({ options: { [field]: values } });
}

export const parseQmchgcr = (text: string) => parseList('QMCHGCR', 'max_charging_current', text);
export const parseQmuchgcr = (text: string) => parseList('QMUCHGCR', 'max_utility_charging_current', text);
