// What the inverter says about itself: serial number (QID), firmware versions (QVFW, QVFW2), protocol (QPI)
// and model name (QMN), all in the `inverter` group.
import type { Parsed } from './fields';

export type Identity = { serial_number?: string; firmware_main?: string; firmware_secondary?: string; protocol?: string; model?: string };
export type IdentityValues = { inverter: Identity };

type Field = keyof Identity;

function single(query: string, field: Field, text: string, prefix?: RegExp): Parsed<IdentityValues> {
  const value = text.trim().replace(prefix ?? /^$/, '');
  if (value === '' || /\s/.test(value)) {
    const issue = value === '' ? `${query}: empty reply` : `${query}: expected one value, got ${JSON.stringify(value.slice(0, 40))}`;
    return { values: { inverter: {} }, extras: value === '' ? {} : { [`${query.toLowerCase()}_0`]: value }, issues: [issue] };
  }
  return { values: { inverter: { [field]: value } }, extras: {}, issues: [] };
}

export const parseQid = (text: string) => single('QID', 'serial_number', text);
export const parseQvfw = (text: string) => single('QVFW', 'firmware_main', text, /^VERFW:/);
export const parseQvfw2 = (text: string) => single('QVFW2', 'firmware_secondary', text, /^VERFW2:/);
export const parseQpi = (text: string) => single('QPI', 'protocol', text);
export const parseQmn = (text: string) => single('QMN', 'model', text);
