import assert from 'node:assert/strict';
import { flattenReading, ReadingError, type RowDefaults } from '../../nodes/timescale-out/row-flatten';

const DEFAULTS: RowDefaults = { deviceColumn: 'device' };

const EPEVER = {
  topic: 'epever-tracer/shed',
  device: 'shed',
  measurement: 'epever_tracer',
  payload: {
    timestamp: '2026-06-21T12:00:00.000Z',
    pv_array: { voltage: 18.21, current: 7.9, power: 143.86 },
    battery: { voltage: 13.62, soc: 81 },
    controller: { temperature: 31.2, charging_mode: 'boost' },
    status: { charging_fault: false },
  },
};

describe('timescale-out: a reading becomes a row', () => {
  it('flattens the Epever payload one level with _ and keeps the types', () => {
    const row = flattenReading(EPEVER, DEFAULTS);
    assert.deepEqual(row, {
      table: 'epever_tracer',
      device: 'shed',
      time: '2026-06-21T12:00:00.000Z',
      fields: {
        pv_array_voltage: 18.21,
        pv_array_current: 7.9,
        pv_array_power: 143.86,
        battery_voltage: 13.62,
        battery_soc: 81,
        controller_temperature: 31.2,
        controller_charging_mode: 'boost',
        status_charging_fault: false,
      },
    });
  });

  it('gives the PS100 columns from a roll-up record, and drops a repeated device key', () => {
    const row = flattenReading(
      {
        device: 'ps100-1',
        measurement: 'ps100_readings_1s',
        payload: {
          timestamp: '2026-06-21T12:00:01.000Z',
          window_start: '2026-06-21T12:00:01.000Z',
          sample_count: 10,
          voltage_avg: 26.1,
          voltage_min: 25.9,
          voltage_max: 26.3,
          voltage_stddev: 0.12,
          power_avg: 90.2,
          energy_wh: 0.025,
          panel_id: 'ps100-1',
        },
      },
      { deviceColumn: 'panel_id' },
    );
    assert.equal(row.table, 'ps100_readings_1s');
    assert.deepEqual(Object.keys(row.fields), [
      'window_start',
      'sample_count',
      'voltage_avg',
      'voltage_min',
      'voltage_max',
      'voltage_stddev',
      'power_avg',
      'energy_wh',
    ]);
  });

  it('takes the table from the node before msg.measurement, and the device from the node when the message has none', () => {
    const row = flattenReading(
      { payload: { timestamp: 0, v: 1 }, measurement: 'ignored' },
      { deviceColumn: 'device', table: 'fixed', device: 'dev' },
    );
    assert.equal(row.table, 'fixed');
    assert.equal(row.device, 'dev');
    assert.equal(row.time, '1970-01-01T00:00:00.000Z');
  });

  it('leaves null, NaN and Infinity empty, stores deeper values as JSON and Dates as ISO text', () => {
    const row = flattenReading(
      {
        device: 'd',
        measurement: 't',
        payload: { timestamp: new Date('2026-01-01T00:00:00Z'), a: 1, b: null, c: Number.NaN, g: { x: Infinity, list: [1, 2], when: new Date(0) } },
      },
      DEFAULTS,
    );
    assert.deepEqual(row.fields, { a: 1, g_list: [1, 2], g_when: '1970-01-01T00:00:00.000Z' });
  });

  it('refuses messages it cannot store, saying why', () => {
    const bad: [unknown, RegExp][] = [
      [{ device: 'd', measurement: 't', payload: 5 }, /msg.payload must be an object/],
      [{ device: 'd', measurement: 't', payload: { timestamp: '2026-06-21T12:00:00', v: 1 } }, /not ISO-8601 with a zone/],
      [{ device: 'd', measurement: 't', payload: { timestamp: 'yesterday', v: 1 } }, /not ISO-8601/],
      [{ device: 'd', measurement: 't', payload: { timestamp: '2026-13-45T12:00:00Z', v: 1 } }, /not a date and time that exists/],
      [{ device: 'd', measurement: 't', payload: { timestamp: true, v: 1 } }, /must be an ISO-8601 string with a zone, a Date or ms since 1970/],
      [{ device: 'd', measurement: 't', payload: { timestamp: 0, mode: 'boost', ok: true } }, /no numeric readings/],
      [{ device: 'd', measurement: 't', payload: { timestamp: 0, 'Battery V': 1 } }, /field name "Battery V" must be lower-case/],
      [{ device: 'd', measurement: 't', payload: { timestamp: 0, time: 1 } }, /time column/],
      [{ device: 'd', measurement: 't', payload: { timestamp: 0, a_b: 1, a: { b: 2 } } }, /"a_b" appears twice/],
      [{ device: 'd', measurement: 't', payload: { timestamp: 0, device: 'other', v: 1 } }, /differs from the device key/],
      [{ measurement: 't', payload: { timestamp: 0, v: 1 } }, /no device key/],
      [{ device: 'd', payload: { timestamp: 0, v: 1 } }, /no table/],
      [
        { device: 'd', measurement: 'Robert"; DROP TABLE x;--', payload: { timestamp: 0, v: 1 } },
        /msg.measurement: table name .* must be lower-case/,
      ],
      [{ device: 'd', measurement: 't', payload: { timestamp: 0, v: 1, f: () => 1 } }, /is a function/],
    ];
    for (const [msg, reason] of bad) {
      assert.throws(
        () => flattenReading(msg as never, DEFAULTS),
        (err: Error) => err instanceof ReadingError && reason.test(err.message),
        String(reason),
      );
    }
  });

  it('stores the arrival time when a reading has no timestamp, as rollup counts it', () => {
    const arrival = Date.parse('2026-06-21T12:00:00.250Z');
    const row = flattenReading({ device: 'd', measurement: 't', payload: { v: 1 } }, DEFAULTS, arrival);
    assert.equal(row.time, '2026-06-21T12:00:00.250Z');
  });
});
