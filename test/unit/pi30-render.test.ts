// One field table per reply and family, read by the parser and written by the simulator: a reply rendered from
// known values parses back to the same values, for every table of every family.
import assert from 'node:assert/strict';
import { choicesFor, FLAG_LETTERS, MODES, type ChoiceTable } from '../../nodes/mpp-pi30/protocol/enums';
import { formatNumber, renderTable, type FieldTable, type FieldType, type NumberFormat } from '../../nodes/mpp-pi30/protocol/field-table';
import type { Pi30Value, Parsed, Part } from '../../nodes/mpp-pi30/protocol/fields';
import { parseQflag, renderQflag } from '../../nodes/mpp-pi30/protocol/qflag';
import { parseQmod, renderQmod } from '../../nodes/mpp-pi30/protocol/qmod';
import { parseQpigs, parseQpigs2, QPIGS2_TABLES, QPIGS_TABLES } from '../../nodes/mpp-pi30/protocol/qpigs';
import { parseQdi, parseQpiri, QDI_TABLES, QPIRI_TABLES } from '../../nodes/mpp-pi30/protocol/qpiri';
import { parseQpiws, QPIWS_TABLES, renderQpiws } from '../../nodes/mpp-pi30/protocol/qpiws';
import { VARIANTS, type Variant } from '../../nodes/mpp-pi30/protocol/variants';

type Value = Pi30Value | Record<string, boolean>;

/** A value for each field, different from field to field, that the field's type can carry. */
function knownValue(index: number, type: Exclude<FieldType, 'reserved'>, variant: Variant): { value: Value; format?: NumberFormat } {
  const pick = (table: ChoiceTable<number | string>) => {
    const choices = choicesFor(table, variant);
    return (choices.length > 0 ? choices : table)[index % Math.max(1, choices.length || table.length)].name;
  };
  if (type === 'number') {
    const decimals = index % 3;
    return { value: Number((index * 1.25 + 3).toFixed(decimals)), format: { width: 3 + decimals, decimals } };
  }
  if (type === 'text') return { value: `T${index}` };
  if (type === 'flag') return { value: index % 2 === 0 };
  if ('option' in type) return { value: pick(type.option) };
  if ('keyed' in type) return { value: pick(type.keyed) };
  if ('bits' in type) {
    const bits: Record<string, boolean> = {};
    type.bits.forEach((name, i) => name !== undefined && (bits[name] = (i + index) % 2 === 0));
    return { value: bits };
  }
  return { value: Number(((index + 1) * type.scale).toFixed(6)) };
}

/** Known values for every field of a table, grouped as the parser groups them, and the formats they print with. */
function knownState(table: FieldTable, variant: Variant): { values: Record<string, Record<string, Value>>; formats: Record<string, NumberFormat> } {
  const values: Record<string, Record<string, Value>> = {};
  const formats: Record<string, NumberFormat> = {};
  for (const [index, name, type] of table) {
    if (type === 'reserved') continue;
    const { value, format } = knownValue(index, type, variant);
    const [group, field] = name.split('.');
    values[group] ??= {};
    if (field === undefined) Object.assign(values[group], value);
    else values[group][field] = value;
    if (format) formats[name] = format;
  }
  return { values, formats };
}

interface Reply {
  query: string;
  tables: Readonly<Record<Variant, FieldTable>>;
  parse(text: string, variant: Variant): Parsed<unknown>;
  /** The parser's values as the table names them (QDI turns "silenced" into `buzzer`). */
  asTable?(values: Record<string, Record<string, Value>>): Record<string, Record<string, Value>>;
}

const REPLIES: Reply[] = [
  { query: 'QPIGS', tables: QPIGS_TABLES, parse: parseQpigs },
  { query: 'QPIGS2', tables: QPIGS2_TABLES, parse: parseQpigs2 },
  { query: 'QPIRI', tables: QPIRI_TABLES, parse: parseQpiri },
  {
    query: 'QDI',
    tables: QDI_TABLES,
    parse: parseQdi,
    asTable: ({ defaults }) => ({ defaults, silenced: { buzzer: !defaults.buzzer } }),
  },
];

describe('PI30 replies rendered from the parsers’ field tables', () => {
  for (const variant of VARIANTS) {
    for (const reply of REPLIES) {
      it(`${reply.query} of ${variant}: rendered from known values, parsed back to the same values`, () => {
        const table = reply.tables[variant];
        const { values, formats } = knownState(table, variant);
        const text = renderTable(table, values as Part, { formats });
        const parsed = reply.parse(text, variant);
        assert.deepEqual(parsed.issues, [], text);
        assert.deepEqual(parsed.extras, {}, text);
        const read =
          reply.asTable?.(parsed.values as Record<string, Record<string, Value>>) ?? (parsed.values as Record<string, Record<string, Value>>);
        for (const [group, fields] of Object.entries(values)) {
          for (const [field, value] of Object.entries(fields))
            assert.deepEqual(read[group]?.[field], value, `${reply.query} ${group}.${field} in ${JSON.stringify(text)}`);
        }
      });
    }

    it(`QPIWS of ${variant}: every named bit, set and clear, parsed back`, () => {
      const names = QPIWS_TABLES[variant];
      for (const offset of [0, 1]) {
        const warnings: Record<string, boolean> = {};
        names.forEach((name, i) => name !== undefined && (warnings[name] = (i + offset) % 2 === 0));
        const text = renderQpiws({ warnings }, variant);
        assert.equal(text.length, names.length);
        const parsed = parseQpiws(text, variant);
        assert.deepEqual(parsed.issues, [], text);
        assert.deepEqual(parsed.values, { warnings }, text);
      }
    });

    if (choicesFor(FLAG_LETTERS, variant).length > 0) {
      it(`QFLAG of ${variant}: every letter the family has, enabled and disabled, parsed back`, () => {
        const flags = Object.fromEntries(choicesFor(FLAG_LETTERS, variant).map((f, i) => [f.name, i % 2 === 0]));
        const text = renderQflag({ flags }, variant);
        assert.deepEqual(parseQflag(text), { values: { flags }, extras: {}, issues: [] }, text);
      });
    }

    it(`QMOD of ${variant}: every mode the family has, parsed back`, () => {
      for (const { name } of choicesFor(MODES, variant)) assert.deepEqual(parseQmod(renderQmod({ mode: name })).values, { mode: name });
    });
  }

  it('QPIWS of PI30MAX: the fault code and the battery-weak bit where the system voltage puts them', () => {
    const warnings = Object.fromEntries(QPIWS_TABLES.pi30max.flatMap((name) => (name === undefined ? [] : [[name, false]])));
    for (const systemVoltage of [24, 48]) {
      const values = {
        warnings: systemVoltage === 48 ? { ...warnings, battery_weak: true } : warnings,
        fault: { code: 7, name: 'overload_time_out' },
      };
      const text = renderQpiws(values, 'pi30max', { systemVoltage });
      assert.equal(text.slice(systemVoltage === 48 ? 32 : 31, systemVoltage === 48 ? 34 : 33), '07', text);
      assert.deepEqual(parseQpiws(text, 'pi30max', { systemVoltage }).values, values, text);
    }
  });

  it('a code the table does not know goes back as it came, and a missing value or an unknown name is refused', () => {
    const known = knownState(QPIRI_TABLES.pi30, 'pi30').values.settings;
    const parsed = parseQpiri(renderTable(QPIRI_TABLES.pi30, { settings: { ...known, battery_type: 'unknown_42' } }), 'pi30');
    assert.equal(parsed.values.settings.battery_type, 'unknown_42');
    assert.throws(() => renderTable(QPIGS2_TABLES.pi30max, { pv2: { current: 1 } }), /pv2 voltage: no value to send/);
    assert.throws(
      () => renderTable(QPIRI_TABLES.pi30, { settings: { ...known, battery_type: 'lead_acid' } }),
      /battery type: no code for "lead_acid"/,
    );
  });

  it('takes an option by the code the inverter sends as well as by its name', () => {
    const text = renderTable(QPIRI_TABLES.pi30max, {
      settings: { ...knownState(QPIRI_TABLES.pi30max, 'pi30max').values.settings, battery_type: 2, machine_type: '10' },
    });
    const { settings } = parseQpiri(text, 'pi30max').values;
    assert.equal(settings.battery_type, 'user');
    assert.equal(settings.machine_type, 'hybrid');
  });

  it('prints numbers as the inverter does: zero-padded, fixed decimals, a sign before the zeros', () => {
    assert.equal(formatNumber(49.96, { width: 4, decimals: 1 }), '50.0');
    assert.equal(formatNumber(7.4, { width: 3 }), '007');
    assert.equal(formatNumber(-5, { width: 4 }), '-005');
    assert.equal(formatNumber(230), '230');
  });
});
