// QFLAG: `E` followed by the letters of enabled settings, `D` followed by the disabled ones ("EakxyDbjuvz").
import { choicesFor, FLAG_LETTERS, flagName } from './enums';
import type { Parsed } from './fields';
import type { Variant } from './variants';

export type QflagValues = { flags: Record<string, boolean> };

export function parseQflag(text: string): Parsed<QflagValues> {
  const flags: Record<string, boolean> = {};
  const issues: string[] = [];
  const extras: Record<string, string> = {};
  let enabled: boolean | undefined;
  const stray: string[] = [];
  for (const char of text.replace(/\s+/g, '')) {
    if (char === 'E' || char === 'D') {
      enabled = char === 'E';
    } else if (enabled === undefined || !/[a-z]/.test(char)) {
      stray.push(char);
    } else {
      flags[flagName(char) ?? `flag_${char}`] = enabled;
    }
  }
  if (stray.length > 0) {
    extras.qflag_stray = stray.join('');
    issues.push(`QFLAG: characters outside an E or D list: ${JSON.stringify(stray.join(''))}`);
  }
  if (Object.keys(flags).length === 0) issues.push('QFLAG: no flags in the reply');
  return { values: { flags }, extras, issues };
}

/** The QFLAG reply of a device with these flags: every letter the family has, enabled ones after E. */
export function renderQflag(values: QflagValues, variant: Variant): string {
  const letters = choicesFor(FLAG_LETTERS, variant);
  const listed = (on: boolean) => letters.filter((f) => (values.flags[f.name] === true) === on).map((f) => f.code);
  return `E${listed(true).join('')}D${listed(false).join('')}`;
}
