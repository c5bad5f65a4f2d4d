// Reading the space-separated fields of a PI30 reply. Field counts vary with model and firmware, so a reader
// takes what is there, names what it knows, keeps the rest as raw extras and notes anything odd instead of
// throwing.
import { nameOf, type ChoiceTable } from './enums';

export type Pi30Value = number | string | boolean | readonly number[];
/** One group of a payload (`battery`, `grid`, ...): named values, absent ones left undefined until compacted. */
export type Group = Record<string, Pi30Value | undefined>;
/** What one reply adds to a payload: groups, and top-level strings such as `mode`. */
export type Part = Record<string, Group | string | undefined>;

export interface Parsed<T> {
  readonly values: T;
  /** Fields beyond the known ones and fields that could not be read, raw, keyed `<query>_<index>`. */
  readonly extras: Record<string, string>;
  /** What was odd about the reply, in words: too few or too many fields, a field that is not a number. */
  readonly issues: string[];
}

const NUMBER = /^[+-]?\d+(\.\d+)?$/;
/** Some firmware sends "-" for a value it does not have; that is an absent value, not a broken one. */
const NOT_GIVEN = /^-+$/;

export class FieldReader {
  readonly tokens: readonly string[];
  readonly extras: Record<string, string> = {};
  readonly issues: string[] = [];
  private readonly prefix: string;

  constructor(
    readonly query: string,
    text: string,
  ) {
    this.tokens = text
      .trim()
      .split(/\s+/)
      .filter((t) => t.length > 0);
    this.prefix = query.toLowerCase();
  }

  /** The raw field, undefined when the reply is too short or the device says it has none. */
  raw(index: number): string | undefined {
    const token = this.tokens[index];
    return token === undefined || NOT_GIVEN.test(token) ? undefined : token;
  }

  number(index: number, what: string, scale = 1): number | undefined {
    const token = this.raw(index);
    if (token === undefined) return undefined;
    if (!NUMBER.test(token)) {
      this.unreadable(index, what, token, 'is not a number');
      return undefined;
    }
    // Scaling by a power of ten must not leave 0.30000000000000004 behind.
    return scale === 1 ? Number(token) : Number((Number(token) * scale).toFixed(6));
  }

  /** A numbered option by its table's name, or `unknown_<n>` for a number the table does not know. */
  option(index: number, what: string, table: ChoiceTable): string | undefined {
    const token = this.raw(index);
    if (token === undefined) return undefined;
    if (!/^\d+$/.test(token)) {
      this.unreadable(index, what, token, 'is not an option number');
      return undefined;
    }
    return nameOf(table, Number(token)) ?? `unknown_${token}`;
  }

  /** An option given as a code string (`"01"`, `"B"`) by its table's name, or `unknown_<code>`. */
  keyed(index: number, table: ChoiceTable<string>): string | undefined {
    const token = this.raw(index);
    if (token === undefined) return undefined;
    return nameOf(table, token) ?? `unknown_${token}`;
  }

  /** "0"/"1" as false/true. */
  flag(index: number, what: string): boolean | undefined {
    const token = this.raw(index);
    if (token === undefined) return undefined;
    if (token !== '0' && token !== '1') {
      this.unreadable(index, what, token, 'is not 0 or 1');
      return undefined;
    }
    return token === '1';
  }

  /** A string of 0/1 characters, first character first, named by `names`; unnamed set bits are reported. */
  bits(index: number, what: string, names: readonly (string | undefined)[]): Record<string, boolean> {
    const token = this.raw(index);
    if (token === undefined) return {};
    if (!/^[01]+$/.test(token)) {
      this.unreadable(index, what, token, 'is not a string of 0 and 1');
      return {};
    }
    return namedBits(token, names);
  }

  text(index: number): string | undefined {
    return this.raw(index);
  }

  /**
   * Closes the reading: fields from `known` on are kept as extras, and a reply shorter than `minimum`
   * fields (the count every model of the protocol sends) or longer than `known` is reported.
   */
  finish(minimum: number, known: number): void {
    const count = this.tokens.length;
    if (count < minimum) this.issues.push(`${this.query}: ${count} of ${minimum} fields (reply cut short or an older model)`);
    for (let i = known; i < count; i++) this.extras[`${this.prefix}_${i}`] = this.tokens[i];
    if (count > known) this.issues.push(`${this.query}: ${count - known} field(s) more than the ${known} known, kept in extras`);
  }

  result<T>(values: T): Parsed<T> {
    return { values, extras: this.extras, issues: this.issues };
  }

  private unreadable(index: number, what: string, token: string, why: string): void {
    this.extras[`${this.prefix}_${index}`] = token;
    this.issues.push(`${this.query}: field ${index + 1} (${what}) ${why}: ${JSON.stringify(token)}`);
  }
}

/** Bits of a 0/1 string by name; bits without a name appear only when set, as `bit_<n>`. */
export function namedBits(bits: string, names: readonly (string | undefined)[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (let i = 0; i < bits.length; i++) {
    const name = names[i];
    const set = bits[i] === '1';
    if (name) out[name] = set;
    else if (set) out[`bit_${i}`] = true;
  }
  return out;
}

/** A copy without undefined values and without empty groups, as it goes into a message. */
export function compactPart(part: Part): Record<string, Record<string, Pi30Value> | string> {
  const out: Record<string, Record<string, Pi30Value> | string> = {};
  for (const [key, value] of Object.entries(part)) {
    if (value === undefined) continue;
    if (typeof value === 'string') {
      out[key] = value;
      continue;
    }
    const group: Record<string, Pi30Value> = {};
    for (const [name, v] of Object.entries(value)) if (v !== undefined) group[name] = v;
    if (Object.keys(group).length > 0) out[key] = group;
  }
  return out;
}
