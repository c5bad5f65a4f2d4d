import assert from 'node:assert/strict';
import { forEachField, parseReading, ReadingError, readingTopic } from '../../nodes/common/reading';
import { readingMessage, parseDeviceConfig } from '../../nodes/common/device-config';
import { readSample } from '../../nodes/rollup/reading-fields';
import { flattenReading } from '../../nodes/timescale-out/row-flatten';

const NOW = Date.parse('2026-06-21T12:00:00Z');
const EPEVER = {
  timestamp: '2026-06-21T11:59:58.250Z',
  pv_array: { voltage: 18.21, power: 143.86 },
  battery: { soc: 81 },
  controller: { charging_mode: 'boost' },
  load_on: true,
};

describe('the reading message: one contract for device nodes, rollup and sinks', () => {
  it('flattens one level with "_" and leaves the timestamp out', () => {
    const seen: string[] = [];
    forEachField({ ...EPEVER, deep: { inner: { ignored: 1 } } }, (name) => seen.push(name));
    assert.deepEqual(seen, ['pv_array_voltage', 'pv_array_power', 'battery_soc', 'controller_charging_mode', 'load_on', 'deep_inner']);
  });

  it('parses device, record kind, time and typed fields, with the fallbacks when the message has none', () => {
    const reading = parseReading({ payload: EPEVER, device: ' shed ', measurement: 'epever_tracer' }, {}, NOW);
    assert.equal(reading.device, 'shed');
    assert.equal(reading.measurement, 'epever_tracer');
    assert.equal(reading.time, Date.parse(EPEVER.timestamp));
    assert.deepEqual([...reading.fields], [
      ['pv_array_voltage', 18.21],
      ['pv_array_power', 143.86],
      ['battery_soc', 81],
      ['controller_charging_mode', 'boost'],
      ['load_on', true],
    ]);
    const fallback = parseReading({ payload: { v: 1, gone: null, nan: Number.NaN } }, { device: 'dev', measurement: 'kind' }, NOW);
    assert.deepEqual([fallback.device, fallback.measurement, fallback.time, [...fallback.fields.keys()]], ['dev', 'kind', NOW, ['v']]);
  });

  it('keeps fields called constructor and __proto__ as ordinary fields', () => {
    const payload = JSON.parse('{"constructor": 1, "__proto__": 2, "g": {"constructor": 3}}') as Record<string, unknown>;
    const reading = parseReading({ payload, device: 'd' }, {}, NOW);
    assert.deepEqual([...reading.fields], [['constructor', 1], ['__proto__', 2], ['g_constructor', 3]]);
  });

  it('refuses what is not a reading, saying why', () => {
    const bad: [unknown, RegExp][] = [
      [{ payload: 5, device: 'd' }, /msg.payload must be an object/],
      [{ payload: { v: 1 } }, /no device key/],
      [{ payload: { v: 1 }, device: 'x'.repeat(201) }, /longer than 200/],
      [{ payload: { a_b: 1, a: { b: 2 } }, device: 'd' }, /"a_b" appears twice/],
      [{ payload: { v: 1, timestamp: '2026-02-30T00:00:00Z' }, device: 'd' }, /does not exist|not a date and time that exists/],
      [{ payload: { f: () => 1 }, device: 'd' }, /is a function/],
    ];
    for (const [msg, reason] of bad) {
      assert.throws(() => parseReading(msg as never, {}, NOW), (err: Error) => err instanceof ReadingError && reason.test(err.message), String(reason));
    }
  });

  it('what a device node sends is what rollup and timescale-out read back', () => {
    const config = parseDeviceConfig({ name: 'Shed Controller' }, { type: 'epever-tracer', measurement: 'epever_tracer', intervalS: 60, deviceId: 'epever-1' });
    const msg = readingMessage(config, EPEVER);
    assert.deepEqual({ ...msg, payload: undefined }, { topic: readingTopic('epever-tracer', 'shed-controller'), payload: undefined, device: 'shed-controller', measurement: 'epever_tracer' });
    const row = flattenReading(msg, { deviceColumn: 'device' }, NOW);
    const sample = readSample(msg.payload, NOW);
    assert.equal(row.table, 'epever_tracer');
    assert.equal(row.device, 'shed-controller');
    assert.equal(Date.parse(row.time), sample.time);
    for (const [name, value] of sample.fields) assert.equal(row.fields[name], value, name);
  });
});
