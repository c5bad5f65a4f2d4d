import assert from 'node:assert/strict';
import { dayEnergies, pvPower, pvSeries, toCelsius, zoneOf, type PvSystem } from '../../nodes/open-meteo/pv-model';
import { fetchMessages } from '../../nodes/open-meteo/messages';
import { parseForecast } from '../../nodes/open-meteo/response';
import { BERLIN_2026_03_29, BERLIN_2026_10_25, berlinForecast } from './open-meteo-fixtures';

const close = (actual: number | null, expected: number, tolerance = 0.01) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected}`);

const system: PvSystem = { kwp: 5, temperatureCoefficient: -0.4, systemLosses: 14, mounting: 'freestanding' };

describe('open-meteo PV model', () => {
  it('matches a hand computation, free-standing', () => {
    // T_cell = 20 + 800 * 0.9 * (1 - 0.1) / 29 = 20 + 648 / 29 = 42.3448 °C
    // factor = 1 - 0.004 * (42.3448 - 25) = 0.930621
    // P = 5000 W * 800 / 1000 * 0.930621 * (1 - 0.14) = 3201.34 W
    const point = pvPower(system, 800, 20);
    close(point.cellTemperature, 42.3448, 1e-4);
    close(point.powerW, 3201.34);
    assert.equal(point.poa, 800);
  });

  it('matches a hand computation, insulated back', () => {
    // T_cell = 25 + 1000 * 0.81 / 15 = 79 °C; factor = 1 - 0.004 * 54 = 0.784; P = 5000 * 0.784 * 0.86 = 3371.2 W
    const point = pvPower({ ...system, mounting: 'insulated' }, 1000, 25);
    close(point.cellTemperature, 79, 1e-9);
    close(point.powerW, 3371.2, 1e-6);
  });

  it('clamps a negative GTI to 0 and keeps unknowns unknown', () => {
    assert.deepEqual(pvPower(system, -3.2, 10), { poa: 0, cellTemperature: 10, powerW: 0 });
    assert.deepEqual(pvPower(system, null, 10), { poa: null, cellTemperature: null, powerW: null });
    assert.deepEqual(pvPower(system, 500, null), { poa: 500, cellTemperature: null, powerW: null });
  });

  it('reads °F air temperature as °C', () => {
    assert.deepEqual(toCelsius([68, null, 32], '°F'), [20, null, 0]);
    assert.deepEqual(toCelsius([20], '°C'), [20]);
  });

  it('sums a 23-hour DST day in the zone, booking the hour ending at midnight to the day before', () => {
    // 2 kWp, no temperature effect, no losses: 500 W/m² gives 1000 W; 8 such hours are 8 kWh.
    const flat: PvSystem = { kwp: 2, temperatureCoefficient: 0, systemLosses: 0, mounting: 'freestanding' };
    const times = Array.from({ length: 24 }, (_, i) => (BERLIN_2026_03_29 + i * 3600) * 1000);
    const gti = times.map((_, i) => (i >= 9 && i < 17 ? 500 : 0));
    const days = dayEnergies(
      pvSeries(
        flat,
        times,
        gti,
        gti.map(() => 15),
      ),
      3600,
      zoneOf('Europe/Berlin', 3600),
    );
    // Row 0 (00:00 CET) is the hour before midnight: 28 March, one hour of 24, not complete.
    assert.deepEqual(days[0], { date: '2026-03-28', start: Date.parse('2026-03-27T23:00:00Z'), energyWh: 0, complete: false });
    // Rows 1-23 are the whole 23-hour day.
    assert.deepEqual(days[1], { date: '2026-03-29', start: BERLIN_2026_03_29 * 1000, energyWh: 8000, complete: true });
  });

  it('gives today and tomorrow in kWh and one complete-day message per day for the rollup join', () => {
    const body = berlinForecast({
      start: BERLIN_2026_10_25,
      // 25 October (25 hours, DST ends) and 26 October (24 hours).
      hours: 25 + 24,
      gti: (i) => (i % 24 === 12 ? 1000 : i === 30 ? -4 : 0),
      temperature: () => 25,
      days: [BERLIN_2026_10_25, BERLIN_2026_10_25 + 25 * 3600],
      utcOffsetSeconds: 7200,
    });
    const forecast = parseForecast(body);
    const flat: PvSystem = { kwp: 3, temperatureCoefficient: 0, systemLosses: 10, mounting: 'freestanding' };
    const now = Date.parse('2026-10-25T09:00:00Z');
    const out = fetchMessages(forecast, now, { topic: 'open-meteo/home', device: 'home', measurement: 'open_meteo', pv: flat });
    const pv = (out.forecast.payload as { pv: { today_kwh: number; tomorrow_kwh: number; hourly: Record<string, unknown>[] } }).pv;
    // One hour of 1000 W/m² on each day: 3 kW * 0.9 = 2.7 kWh (i = 12 and i = 36 fall on 25 and 26 October).
    assert.equal(pv.today_kwh, 2.7);
    assert.equal(pv.tomorrow_kwh, 2.7);
    assert.equal(pv.hourly[30].poa_irradiance, 0, 'negative GTI clamped');
    assert.deepEqual(
      out.pvDays.map((m) => m.payload),
      [
        { date: '2026-10-25', timestamp: '2026-10-24T22:00:00.000Z', energy_wh: 2700, complete: true },
        { date: '2026-10-26', timestamp: '2026-10-25T23:00:00.000Z', energy_wh: 2700, complete: true },
      ],
    );
    assert.equal(out.pvDays[0].topic, 'open-meteo/home/pv_forecast');
    assert.equal(out.pvDays[0].measurement, 'open_meteo_pv_forecast');
  });
});
