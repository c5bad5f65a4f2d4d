// Positional field tables: [index, name, type, unit] for each space-separated field of a reply. A firmware
// family's table is its base table with some positions replaced or added (`extendTable` copies, never mutates),
// so what differs between PI30, PI30MAX and Revo is written down once, next to its source. The same table
// reads a reply (readTable) and writes one (renderTable, for the simulator), so a position exists once.
import { choiceNamed, type ChoiceTable } from './enums';
import { FieldReader, type Pi30Value, type Group, type Parsed, type Part } from './fields';

export type FieldType =
  | 'number'
  | 'text'
  /** "0"/"1" as false/true. */
  | 'flag'
  /** Defined as reserved by the family's specification: read past, never reported. */
  | 'reserved'
  | { readonly option: ChoiceTable }
  | { readonly keyed: ChoiceTable<string> }
  /** A string of 0/1 characters, first character first; undefined names are reserved bits. */
  | { readonly bits: readonly (string | undefined)[] }
  /** A number the device sends in other units (tens of mV): multiplied by `scale`. */
  | { readonly scale: number };

/** `name` is `group.field` (or the group alone for bits, merged into it). `unit` documents the value. */
export type FieldSpec = readonly [index: number, name: string, type: FieldType, unit?: string];
export type FieldTable = readonly FieldSpec[];

/** The base table with `changes` put in place of the same positions and added after it, in index order. */
export function extendTable(base: FieldTable, changes: FieldTable): FieldTable {
  const byIndex = new Map<number, FieldSpec>(base.map((spec) => [spec[0], spec]));
  for (const spec of changes) byIndex.set(spec[0], spec);
  return Object.freeze([...byIndex.values()].sort((a, b) => a[0] - b[0]));
}

/** Fields a table knows: one past its highest index. */
export function knownFields(table: FieldTable): number {
  return table.reduce((n, [index]) => Math.max(n, index + 1), 0);
}

/** The field spec at a name (`pv.power`), for help texts and tests. */
export function specNamed(table: FieldTable, name: string): FieldSpec | undefined {
  return table.find((spec) => spec[1] === name);
}

/** "battery.discharge_current" as "battery discharge current", for issues. */
function describe(name: string): string {
  return name.replace(/[._]/g, ' ');
}

function readField(
  r: FieldReader,
  index: number,
  name: string,
  type: Exclude<FieldType, 'reserved'>,
): Pi30Value | Record<string, boolean> | undefined {
  const what = describe(name);
  if (type === 'number') return r.number(index, what);
  if (type === 'text') return r.text(index);
  if (type === 'flag') return r.flag(index, what);
  if ('option' in type) return r.option(index, what, type.option);
  if ('keyed' in type) return r.keyed(index, type.keyed);
  if ('bits' in type) return r.bits(index, what, type.bits);
  return r.number(index, what, type.scale);
}

/**
 * Reads every field of `table` into groups. A reply shorter than `minimum` fields, or longer than the table
 * knows, is reported; fields past the table are kept as extras.
 */
export function readTable(query: string, text: string, table: FieldTable, minimum: number): Parsed<Part> & { reader: FieldReader } {
  const r = new FieldReader(query, text);
  const part: Record<string, Group> = {};
  for (const [index, name, type] of table) {
    if (type === 'reserved') continue;
    const value = readField(r, index, name, type);
    const dot = name.indexOf('.');
    const group = dot < 0 ? name : name.slice(0, dot);
    part[group] ??= {};
    if (dot < 0) Object.assign(part[group], value);
    else part[group][name.slice(dot + 1)] = value as Pi30Value | undefined;
  }
  r.finish(minimum, knownFields(table));
  return { ...r.result(part as Part), reader: r };
}

/** How a number is printed: `decimals` after the point, zero-padded to `width` characters ("BBB.B" is 5, 1). */
export interface NumberFormat {
  readonly width?: number;
  readonly decimals?: number;
}

export interface RenderOptions {
  /** By field name (`grid.voltage`); a number without one is printed whole. */
  readonly formats?: Readonly<Record<string, NumberFormat>>;
  /** What a reserved position sends, by index; "0" when not given. */
  readonly reserved?: Readonly<Record<number, string>>;
}

/** A number as the inverter prints it. */
export function formatNumber(value: number, format: NumberFormat = {}): string {
  const { width = 0, decimals = 0 } = format;
  const digits = decimals > 0 ? Math.abs(value).toFixed(decimals) : String(Math.round(Math.abs(value)));
  return value < 0 ? `-${digits.padStart(width - 1, '0')}` : digits.padStart(width, '0');
}

/**
 * The code of an option given by its name (as the reader names it) or by its code; `unknown_<code>`, what the
 * reader makes of a code it does not know, gives that code back.
 */
function codeOf(table: ChoiceTable<number | string>, value: unknown, what: string): string {
  if (typeof value === 'number' || table.some((c) => c.code === value)) return String(value);
  const name = String(value);
  const choice = choiceNamed(table, name);
  if (choice) return String(choice.code);
  if (name.startsWith('unknown_')) return name.slice('unknown_'.length);
  throw new RangeError(`${what}: no code for ${JSON.stringify(name)}`);
}

function renderField(type: Exclude<FieldType, 'reserved'>, value: unknown, what: string, format: NumberFormat | undefined): string {
  if (typeof type === 'object' && 'bits' in type) {
    const bits = (value ?? {}) as Record<string, unknown>;
    return type.bits.map((name) => (name !== undefined && bits[name] === true ? '1' : '0')).join('');
  }
  if (value === undefined) throw new RangeError(`${what}: no value to send`);
  if (type === 'text') return String(value);
  if (type === 'flag') return value ? '1' : '0';
  if (type === 'number') return formatNumber(value as number, format);
  if ('option' in type) return codeOf(type.option, value, what);
  if ('keyed' in type) return codeOf(type.keyed, value, what);
  // The device sends the unscaled number: tens of mV for a value in V.
  return formatNumber(Number(((value as number) / type.scale).toFixed(6)), format);
}

/**
 * The reply text a device holding `values` sends, field by field from the same table `readTable` reads it
 * with: readTable(renderTable(table, v)) gives v back. Options may be given by name or by code; bits absent from
 * `values` are sent as 0.
 */
export function renderTable(table: FieldTable, values: Part, options: RenderOptions = {}): string {
  const fields = new Array<string>(knownFields(table)).fill('0');
  for (const [index, name, type] of table) {
    if (type === 'reserved') {
      fields[index] = options.reserved?.[index] ?? '0';
      continue;
    }
    const dot = name.indexOf('.');
    const group = values[dot < 0 ? name : name.slice(0, dot)];
    const value = dot < 0 || typeof group !== 'object' ? group : group[name.slice(dot + 1)];
    fields[index] = renderField(type, value, describe(name), options.formats?.[name]);
  }
  return fields.join(' ');
}
