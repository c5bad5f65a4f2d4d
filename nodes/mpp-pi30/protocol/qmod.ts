// QMOD: the operating mode, one letter.
import { choiceNamed, MODES, nameOf } from './enums';
import type { Parsed } from './fields';

export type QmodValues = { mode?: string };

export function parseQmod(text: string): Parsed<QmodValues> {
  const letter = text.trim();
  if (!/^[A-Z]$/.test(letter)) {
    return { values: {}, extras: { qmod_0: letter }, issues: [`QMOD: expected one mode letter, got ${JSON.stringify(letter.slice(0, 40))}`] };
  }
  return { values: { mode: nameOf(MODES, letter) ?? `unknown_${letter}` }, extras: {}, issues: [] };
}

/** The QMOD reply for a mode name. */
export function renderQmod(values: QmodValues): string {
  const letter = values.mode === undefined ? undefined : choiceNamed(MODES, values.mode)?.code;
  if (letter === undefined) throw new RangeError(`QMOD: no letter for mode ${JSON.stringify(values.mode)}`);
  return letter;
}
