import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRollupConfig } from '../../nodes/rollup/node-config';
import { FieldReader, readSample, type ReadingOptions } from '../../nodes/rollup/reading-fields';

const NOW = Date.parse('2026-06-21T12:00:00Z');

const EPEVER = {
  timestamp: '2026-06-21T11:59:58.250Z',
  pv_array: { voltage: 18.21, current: 7.9, power: 143.86 },
  battery: { voltage: 13.62, charging_current: 10.31, charging_power: 140.42, temperature: 24.5, soc: 81 },
  load: { voltage: 13.62, current: 1.2, power: 16.34 },
  controller: { temperature: 31.2, charging_mode: 'boost', heatsink_temperature: 33.9 },
  status: { load_short: false, deep: { ignored: 1 } },
};

describe('rollup reading fields', () => {
  it('flattens one level with _ and keeps only finite numbers', () => {
    const s = readSample(EPEVER, NOW);
    assert.equal(s.time, Date.parse('2026-06-21T11:59:58.250Z'));
    assert.deepEqual(
      [...s.fields.keys()],
      [
        'pv_array_voltage',
        'pv_array_current',
        'pv_array_power',
        'battery_voltage',
        'battery_charging_current',
        'battery_charging_power',
        'battery_temperature',
        'battery_soc',
        'load_voltage',
        'load_current',
        'load_power',
        'controller_temperature',
        'controller_heatsink_temperature',
      ],
    );
    assert.equal(s.fields.get('pv_array_power'), 143.86);
    assert.equal(readSample({ a: Number.NaN, b: Infinity, c: 1 }, NOW).fields.size, 1);
  });

  it('keeps only the chosen fields when given', () => {
    const s = readSample(EPEVER, NOW, { only: new Set(['pv_array_power', 'battery_voltage', 'not_there']) });
    assert.deepEqual(Object.fromEntries(s.fields), { pv_array_power: 143.86, battery_voltage: 13.62 });
  });

  it('takes the time from payload.timestamp as ISO, ms or Date, else now', () => {
    assert.equal(readSample({ p: 1, timestamp: 1_700_000_000_000 }, NOW).time, 1_700_000_000_000);
    assert.equal(readSample({ p: 1, timestamp: new Date(5000) }, NOW).time, 5000);
    assert.equal(readSample({ p: 1 }, NOW).time, NOW);
    assert.equal(readSample(42.5, NOW).fields.get('value'), 42.5);
  });

  it('says what is wrong with a payload', () => {
    assert.throws(() => readSample({ p: 1, timestamp: 'yesterday-ish' }, NOW), /payload.timestamp "yesterday-ish" is not ISO-8601 with a zone/);
    assert.throws(() => readSample('13.2 V', NOW), /payload must be a reading object or a number, got string/);
    assert.throws(() => readSample(null, NOW), /got null/);
    assert.throws(() => readSample({ mode: 'float', ok: true }, NOW), /payload has no numeric field/);
    assert.throws(() => readSample(EPEVER, NOW, { only: new Set(['x_power']) }), /payload has none of the fields x_power/);
  });
});

/** What the node's reader makes of a payload, as readSample's shape (or the error it throws). */
function viaReader(reader: FieldReader, names: string[], payload: unknown, now: number): { time: number; fields: Map<string, number> } | string {
  try {
    reader.read(payload, now);
  } catch (err) {
    return (err as Error).message;
  }
  const fields = new Map<string, number>();
  for (let i = 0; i < reader.count; i++) {
    // The engine takes each field once per reading.
    if (fields.has(names[reader.ids[i]])) return `${names[reader.ids[i]]} twice`;
    fields.set(names[reader.ids[i]], reader.values[i]);
  }
  return { time: reader.time, fields };
}

function viaReadSample(payload: unknown, now: number, options: ReadingOptions) {
  try {
    const { time, fields } = readSample(payload, now, options);
    return { time, fields: new Map(fields) };
  } catch (err) {
    return (err as Error).message;
  }
}

function newReader(options: ReadingOptions = {}): { reader: FieldReader; names: string[] } {
  const names: string[] = [];
  const ids = new Map<string, number>();
  const id = (name: string) => {
    if (options.only !== undefined && !options.only.has(name)) return -1;
    if (!ids.has(name)) ids.set(name, names.push(name) - 1);
    return ids.get(name)!;
  };
  return { reader: new FieldReader(id, options), names };
}

describe("rollup reading fields: the node's reader", () => {
  it('reads what readSample reads, in the same order, with the same errors, reading after reading', () => {
    const name = fc.constantFrom('a', 'b', 'a_b', 'pv', 'power', 'timestamp', 'constructor');
    const leaf = fc.oneof(
      fc.double({ noNaN: false }),
      fc.integer(),
      fc.constantFrom(null, 'x', true, Infinity, Number.NaN),
      fc.constantFrom('2026-06-21T12:00:00Z', '2026-06-21T12:00:01.5+02:00', 'soon'),
    );
    const group = fc.dictionary(name, fc.oneof(leaf, fc.dictionary(name, leaf, { maxKeys: 3 })), { maxKeys: 5 });
    const payload = fc.oneof({ weight: 8, arbitrary: group }, { weight: 1, arbitrary: leaf }, { weight: 1, arbitrary: fc.array(fc.integer()) });
    for (const options of [{}, { only: new Set(['a', 'a_b', 'pv_power']) }]) {
      const { reader, names } = newReader(options);
      fc.assert(
        fc.property(fc.array(payload, { minLength: 1, maxLength: 5 }), (payloads) => {
          for (const p of payloads) assert.deepEqual(viaReader(reader, names, p, NOW), viaReadSample(p, NOW, options));
        }),
      );
    }
  });

  it('keeps the later of two values that flatten to one name, as a Map does', () => {
    const { reader, names } = newReader();
    assert.deepEqual(viaReader(reader, names, { a_b: 1, x: 5, a: { b: 2 } }, NOW), {
      time: NOW,
      fields: new Map([
        ['a_b', 2],
        ['x', 5],
      ]),
    });
    assert.deepEqual(viaReader(reader, names, EPEVER, NOW), viaReadSample(EPEVER, NOW, {}));
  });
});

describe('rollup settings', () => {
  it('has defaults for everything', () => {
    const c = parseRollupConfig({});
    assert.deepEqual(
      c.windows.map((w) => w.name),
      ['1m', '1h', 'day', 'month', 'year', 'lifetime'],
    );
    assert.equal(c.keyProperty, 'device');
    assert.equal(c.fields, undefined);
    assert.equal(c.graceMs, 5000);
    assert.equal(c.maxGapMs, 300_000);
    assert.equal(c.topic, 'rollup/{key}');
    assert.equal(c.measurement, '');
    assert.equal(c.store, undefined);
    assert.equal(c.isPowerField('pv_array_power'), true);
    assert.equal(c.isPowerField('battery_voltage'), false);
  });

  it('reads the editor fields', () => {
    const c = parseRollupConfig({
      windows: '1s',
      zone: 'Europe/Berlin',
      keyProperty: 'topic',
      fields: 'a_power, b',
      powerFields: 'b',
      grace: '0.5',
      maxGap: '60',
      store: 'file',
    });
    assert.equal(c.zone, 'Europe/Berlin');
    assert.equal(c.keyProperty, 'topic');
    assert.deepEqual([...c.fields!], ['a_power', 'b']);
    assert.equal(c.isPowerField('b'), true);
    assert.equal(c.isPowerField('a_power'), false, 'a list replaces the naming rule');
    assert.equal(c.graceMs, 500);
    assert.equal(c.maxGapMs, 60_000);
    assert.equal(c.store, 'file');
  });

  it('refuses bad settings with the field named', () => {
    assert.throws(() => parseRollupConfig({ windows: '1w' }), /window "1w"/);
    assert.throws(() => parseRollupConfig({ zone: 'Berlin' }), /time zone "Berlin"/);
    assert.throws(() => parseRollupConfig({ grace: '-1' }), /grace must be a number of seconds from 0/);
    assert.throws(() => parseRollupConfig({ maxGap: 'lots' }), /max gap must be a number/);
  });
});
