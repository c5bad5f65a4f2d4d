import assert from 'node:assert/strict';
import fc from 'fast-check';
import { energyName, isPowerFieldName, shareWh, trapezoidWh } from '../../nodes/rollup/energy';
import { FieldStats } from '../../nodes/rollup/field-stats';

function statsOf(values: number[], times = values.map((_, i) => i * 1000)): FieldStats {
  const s = new FieldStats();
  values.forEach((v, i) => s.add(v, times[i]));
  return s;
}

describe('rollup field statistics', () => {
  it('matches hand-computed figures', () => {
    // 2 4 4 4 5 5 7 9: sum 40, mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32, sample variance 32/7
    const s = statsOf([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.equal(s.count, 8);
    assert.equal(s.sum, 40);
    assert.equal(s.mean, 5);
    assert.equal(s.min, 2);
    assert.equal(s.max, 9);
    assert.equal(s.stddev, Math.sqrt(32 / 7));
    assert.equal(s.first, 2);
    assert.equal(s.last, 9);
  });

  it('uses the sample standard deviation (n - 1), and none for one sample', () => {
    assert.equal(statsOf([12.5]).stddev, null);
    assert.equal(statsOf([1, 3]).stddev, Math.SQRT2);
    assert.equal(statsOf([7, 7, 7]).stddev, 0);
  });

  it('keeps the variance of values far from zero (no sum-of-squares cancellation)', () => {
    const s = statsOf([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
    assert.equal(s.stddev, Math.sqrt(90 / 3));
  });

  it('takes first and last by the time measured, not by arrival', () => {
    const s = statsOf([20, 10, 30, 5], [2000, 1000, 3000, 2500]);
    assert.equal(s.first, 10);
    assert.equal(s.last, 30);
    assert.equal(s.firstTime, 1000);
    assert.equal(s.lastTime, 3000);
  });

  it('survives a JSON round trip, and refuses anything else', () => {
    const s = statsOf([1.5, -2.25, 8]);
    const back = FieldStats.fromJSON(JSON.parse(JSON.stringify(s)))!;
    assert.deepEqual(
      [back.count, back.mean, back.min, back.max, back.stddev, back.first, back.last, back.sum],
      [s.count, s.mean, s.min, s.max, s.stddev, s.first, s.last, s.sum],
    );
    back.add(4, 9000);
    const whole = statsOf([1.5, -2.25, 8, 4], [0, 1000, 2000, 9000]);
    assert.equal(back.stddev, whole.stddev);
    assert.equal(FieldStats.fromJSON([1, 2, 3]), undefined);
    assert.equal(FieldStats.fromJSON(JSON.parse(JSON.stringify(new FieldStats()))), undefined, 'an empty accumulator is not saved state');
    assert.equal(FieldStats.fromJSON('nonsense'), undefined);
  });

  it('equals the naive computation for any samples', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
        const s = statsOf(values);
        const sum = values.reduce((a, b) => a + b, 0);
        const mean = sum / values.length;
        assert.equal(s.count, values.length);
        assert.equal(s.sum, sum);
        assert.equal(s.mean, mean);
        assert.equal(s.min, Math.min(...values));
        assert.equal(s.max, Math.max(...values));
        if (values.length > 1) {
          const naive = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
          assert.ok(Math.abs(s.stddev! - naive) <= 1e-9 * Math.max(1, naive), `stddev ${s.stddev} vs ${naive}`);
        }
      }),
    );
  });
});

describe('rollup energy', () => {
  it('integrates with the trapezoidal rule, in Wh', () => {
    assert.equal(trapezoidWh({ time: 0, watts: 100 }, { time: 3_600_000, watts: 100 }), 100);
    assert.equal(trapezoidWh({ time: 0, watts: 0 }, { time: 1_800_000, watts: 200 }), 50);
  });

  it('gives a window the part of an interval it shares, in proportion to time', () => {
    const a = { time: 50_000, watts: 100 };
    const b = { time: 70_000, watts: 200 };
    const wh = trapezoidWh(a, b);
    assert.equal(shareWh(a, b, wh, 0, 60_000), wh / 2, 'half the time, half the energy');
    assert.equal(shareWh(a, b, wh, 60_000, 120_000), wh / 2);
    assert.equal(shareWh(a, b, wh, 55_000, 60_000), wh / 4);
    assert.equal(shareWh(a, b, wh, 0, 100_000), wh, 'a window holding the whole interval');
    assert.equal(shareWh(a, b, wh, 70_000, 80_000), 0, 'none after it');
    assert.equal(shareWh(a, b, wh, 0, 50_000), 0, 'none before it');
  });

  it('knows power fields by name and names their energy', () => {
    for (const name of ['pv_array_power', 'power', 'battery_charging_power', 'load_w', 'AC_POWER']) assert.equal(isPowerFieldName(name), true, name);
    for (const name of ['battery_voltage', 'powerful_thing', 'watts', 'energy_today_kwh']) assert.equal(isPowerFieldName(name), false, name);
    assert.equal(energyName('pv_array_power'), 'pv_array_energy_wh');
    assert.equal(energyName('battery_charging_power'), 'battery_charging_energy_wh');
    assert.equal(energyName('power'), 'energy_wh');
    assert.equal(energyName('load_w'), 'load_wh');
    assert.equal(energyName('p_ac'), 'p_ac_energy_wh');
  });
});
