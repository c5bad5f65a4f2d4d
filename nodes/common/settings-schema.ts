// One description of a node's settings: the runtime parser reads a flow's raw config through it, and the build
// turns it into the editor's `defaults` (values and validators), so the editor and the runtime cannot disagree.
import { flag, intervalMs, modbusUnitId, oneOf, text, wholeNumber, type RawConfig } from './config-fields';

/** The field applies only while another field (a choice) has one of these values, e.g. serial-only fields. */
export interface Condition {
  field: string;
  in: readonly string[];
}

interface FieldBase {
  when?: Condition;
  /** How an error names the field, when not by its key. */
  what?: string;
}

export interface TextField extends FieldBase {
  kind: 'text';
  default: string;
  /** Empty is refused (while `when` holds). */
  required?: boolean;
  /**
   * A rule the editor marks and the node's parser enforces itself (it needs more than this file knows): one of
   * the shared checks, or the body of a validator (`s` is the trimmed text) the node's schema builds from its rule.
   */
  check?: EditorCheck | { editor: string };
  /** An empty field means "none" rather than the default; only a field missing from the flow takes the default. */
  emptyMeansNone?: boolean;
}

export interface WholeField extends FieldBase {
  kind: 'whole';
  default: number;
  min: number;
  max: number;
  /** A default that follows another field's choice (the editor switches it with that choice too). */
  defaultBy?: { field: string; values: Readonly<Record<string, number>> };
}

/** A Modbus device's unit id, 1-247 (see modbusUnitId); 1 when empty. */
export interface ModbusUnitField extends FieldBase {
  kind: 'modbusUnit';
  default: 1;
}

/** Seconds, fractions allowed, at least `min`. */
export interface SecondsField extends FieldBase {
  kind: 'seconds';
  default: number;
  min: number;
}

/** A poll interval in seconds: 0 for "only on input", otherwise at least `min`; read as milliseconds. */
export interface IntervalField extends FieldBase {
  kind: 'interval';
  default: number;
  min: number;
}

export interface ChoiceField<T extends string | number = string | number> extends FieldBase {
  kind: 'choice';
  options: readonly T[];
  default: T;
}

export interface FlagField extends FieldBase {
  kind: 'flag';
  default: boolean;
}

/** A list of words from `options` (spaces or commas, any case), read as the options' own spelling. */
export interface WordsField<T extends string = string> extends FieldBase {
  kind: 'words';
  options: readonly T[];
  default: string;
}

/** A config node this node uses (a bus, a port, a database). */
export interface LinkField extends FieldBase {
  kind: 'link';
  nodeType: string;
}

export type Field = TextField | WholeField | ModbusUnitField | SecondsField | IntervalField | ChoiceField | FlagField | WordsField | LinkField;
export type Schema = Readonly<Record<string, Field>>;

/** Editor checks for text fields whose runtime rule lives in the node's parser. */
export type EditorCheck = 'timeZone' | 'hidDevice' | 'windows';

type ValueOf<F> =
  F extends ChoiceField<infer T>
    ? T
    : F extends WordsField<infer T>
      ? T[]
      : F extends FlagField
        ? boolean
        : F extends WholeField | ModbusUnitField | SecondsField | IntervalField
          ? number
          : string;

export type SettingsOf<S extends Schema> = { -readonly [K in keyof S]: ValueOf<S[K]> };

/** Splits "QPIGS QMOD, energy" into words; the editor uses the same split (see editorValidator). */
export function wordsOf(given: unknown): string[] {
  return String(given ?? '')
    .split(/[\s,]+/)
    .filter((w) => w.length > 0);
}

function applies(field: Field, values: Record<string, unknown>): boolean {
  return !field.when || field.when.in.includes(String(values[field.when.field]));
}

function readField(raw: RawConfig, key: string, field: Field, values: Record<string, unknown>, checkRequired: boolean): unknown {
  const name = field.what ?? key;
  switch (field.kind) {
    case 'text': {
      if (field.emptyMeansNone) return raw[key] === undefined ? field.default : text(raw, key);
      if (!field.required) return text(raw, key, field.default);
      // A required field's default is the editor's suggestion; an empty one in a flow is refused, not replaced.
      const value = text(raw, key);
      if (value !== '' || !applies(field, values)) return value;
      if (checkRequired) throw new RangeError(`${name} is empty`);
      return field.default;
    }
    case 'whole': {
      const fallback = field.defaultBy ? (field.defaultBy.values[String(values[field.defaultBy.field])] ?? field.default) : field.default;
      return applies(field, values) ? wholeNumber(raw, key, fallback, field.min, field.max) : fallback;
    }
    case 'modbusUnit':
      return modbusUnitId(raw, key);
    case 'seconds': {
      const given = raw[key];
      const value = given === '' || given === undefined || given === null ? field.default : Number(given);
      if (!Number.isFinite(value) || value < field.min)
        throw new RangeError(`${name} must be a number of seconds from ${field.min}, got ${String(given)}`);
      return value;
    }
    case 'interval':
      return intervalMs(raw, key, field.default, field.min);
    case 'choice':
      return oneOf(raw, key, field.options, field.default);
    case 'flag':
      // A ticked box is true, an unticked one false; a flow saved before the field existed gets the default.
      return raw[key] === undefined || raw[key] === '' ? field.default : flag(raw, key);
    case 'words': {
      const words = wordsOf(raw[key]);
      const chosen: string[] = [];
      for (const word of words.length > 0 ? words : wordsOf(field.default)) {
        const option = field.options.find((o) => o.toLowerCase() === word.toLowerCase());
        if (!option) throw new RangeError(`unknown ${name} ${JSON.stringify(word)}; choose from ${field.options.join(', ')}`);
        if (!chosen.includes(option)) chosen.push(option);
      }
      return chosen;
    }
    case 'link':
      return text(raw, key);
  }
}

/**
 * Reads a flow's raw config through the schema; throws a RangeError naming the first bad field. Choices are read
 * first, so fields that depend on one (`when`, `defaultBy`) see it. `checkRequired: false` reads what an empty
 * config would give without refusing empty required fields (the node checklist test compares defaults with it).
 */
export function readSettings<S extends Schema>(schema: S, raw: RawConfig, options: { checkRequired?: boolean } = {}): SettingsOf<S> {
  const values: Record<string, unknown> = {};
  const keys = Object.keys(schema);
  const ordered = [...keys.filter((k) => schema[k].kind === 'choice'), ...keys.filter((k) => schema[k].kind !== 'choice')];
  for (const key of ordered) values[key] = readField(raw, key, schema[key], values, options.checkRequired ?? true);
  return values as SettingsOf<S>;
}

/** The value a new node gets in the editor for each field. */
export function editorValue(field: Field): string | number | boolean {
  switch (field.kind) {
    case 'link':
      return '';
    case 'whole':
    case 'modbusUnit':
    case 'seconds':
    case 'interval':
      // Node-RED 4.1 copies a new config node's default only when it is truthy (editor-client, ui/editor.js,
      // editing_config_node); as text "0" a zero still shows in the dialog, and parses the same.
      return field.default === 0 ? '0' : field.default;
    default:
      return field.default;
  }
}

const EDITOR_CHECKS: Record<EditorCheck, string> = {
  // Same rule as window-spec.ts parseZone: empty is the Node-RED host's zone, else an IANA zone the browser knows.
  timeZone: "if (s === '') return true; try { new Intl.DateTimeFormat('en-US', { timeZone: s }); return true; } catch (e) { return false; }",
  // Same rules as rollup/window-spec.ts parseWindows: durations (s, m, h), calendar units, lifetime, none twice.
  windows:
    "var seen = {}; var words = s.toLowerCase().split(/[\\s,]+/).filter(function (w) { return w !== ''; }); if (words.length === 0) return false; " +
    'for (var i = 0; i < words.length; i++) { var id = words[i]; if (!/^(day|month|year|lifetime)$/.test(id)) { var m = /^(\\d+)(s|m|h)$/.exec(id); ' +
    'if (!m || Number(m[1]) === 0) return false; id = String(Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2]]); } if (seen[id]) return false; seen[id] = true; } return true;',
  // Same rule as pi30-port/port-config.ts parseHidTarget: vendor:product as 4 hex digits each, or a path.
  hidDevice: "return s === '' || /^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/.test(s) || !/:/.test(s);",
};

/** The body of an editor validator (`v` is the value, `s` its trimmed text), the same rule readField applies. */
function validatorBody(field: Field): string | undefined {
  switch (field.kind) {
    case 'text':
      if (field.check) return typeof field.check === 'string' ? EDITOR_CHECKS[field.check] : field.check.editor;
      return field.required ? "return s !== '';" : undefined;
    case 'modbusUnit':
      return "return s === '' || (/^\\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 247);";
    case 'whole':
      return `return s === '' || (/^\\d+$/.test(s) && Number(s) >= ${field.min} && Number(s) <= ${field.max});`;
    case 'seconds':
      return `return s === '' || (/^\\d+(\\.\\d+)?$/.test(s) && Number(s) >= ${field.min});`;
    case 'interval':
      return `return s === '' || (/^\\d+(\\.\\d+)?$/.test(s) && (Number(s) === 0 || Number(s) >= ${field.min}));`;
    case 'choice':
      return `return s === '' || ${JSON.stringify(field.options.map(String))}.indexOf(s) >= 0;`;
    case 'words':
      return `var options = ${JSON.stringify(field.options.map((o) => o.toLowerCase()))}; return s.split(/[\\s,]+/).filter(function (w) { return w.length > 0; }).every(function (w) { return options.indexOf(w.toLowerCase()) >= 0; });`;
    case 'flag':
    case 'link':
      return undefined;
  }
}

/** An editor validator's source; a conditional field passes while its condition does not hold in the dialog. */
function editorValidator(field: Field, inputPrefix: string): string | undefined {
  const body = validatorBody(field);
  if (!body) return undefined;
  const guard = field.when
    ? `var c = $('#${inputPrefix}${field.when.field}').val() || this.${field.when.field}; if (${JSON.stringify(field.when.in)}.indexOf(c) < 0) return true; `
    : '';
  return `function (v) { ${guard}var s = String(v === undefined || v === null ? '' : v).trim(); ${body} }`;
}

/**
 * The editor's `defaults` object as JavaScript source, for RED.nodes.registerType. `inputPrefix` is the
 * dialog's input id prefix: `node-input-` for a flow node, `node-config-input-` for a config node.
 */
export function editorDefaultsSource(schema: Schema, inputPrefix: string): string {
  const lines: string[] = [];
  for (const [key, field] of Object.entries(schema)) {
    const parts = [`value: ${JSON.stringify(editorValue(field))}`];
    if (field.kind === 'link') parts.push(`type: ${JSON.stringify(field.nodeType)}`, 'required: true');
    const validate = editorValidator(field, inputPrefix);
    if (validate) parts.push(`validate: ${validate}`);
    lines.push(`  ${JSON.stringify(key)}: { ${parts.join(', ')} },`);
  }
  return `{\n${lines.join('\n')}\n}`;
}
