// What Home Assistant shows of an Open-Meteo forecast (ha-discovery reads this file by the readings' type). The
// current block's variables keep ha-discovery's guess from their names where it has one (temperature_2m,
// relative_humidity_2m, global_tilted_irradiance); the rest are named here with Open-Meteo's default units
// (open-meteo-website, the forecast API's "Settings": km/h, mm, hPa). A forecast is no meter: its energy has no
// state class, so it never enters the Energy dashboard.
import type { DeviceDescriptor, EntityHint } from '../ha-discovery/descriptor';

const forecastEnergy = (unit: 'kWh' | 'Wh'): EntityHint => ({
  device_class: 'energy',
  unit,
  state_class: undefined,
  precision: unit === 'kWh' ? 2 : 0,
  icon: 'mdi:solar-power-variant',
});

export const haEntities: DeviceDescriptor = {
  manufacturer: 'Open-Meteo',
  model: 'weather and PV forecast',
  fields: {
    fetched_at: { device_class: 'timestamp', diagnostic: true },
    current_time: { device_class: 'timestamp', diagnostic: true },
    current_interval: { device_class: 'duration', unit: 's', diagnostic: true, state_class: undefined },
    current_is_day: { state_class: undefined, diagnostic: true },
    current_weather_code: { state_class: undefined, icon: 'mdi:weather-partly-cloudy' },
    pv_today_kwh: { ...forecastEnergy('kWh'), name: 'PV forecast today' },
    pv_tomorrow_kwh: { ...forecastEnergy('kWh'), name: 'PV forecast tomorrow' },
    // The per-day message (output 3) of the same device: the forecast day's energy.
    energy_wh: { ...forecastEnergy('Wh'), name: 'PV forecast day' },
    date: { device_class: 'date', diagnostic: true },
    complete: { diagnostic: true },
  },
  patterns: [
    { match: /^location_/, hint: { diagnostic: true, state_class: undefined, device_class: undefined, unit: undefined } },
    { match: /^current_wind_speed/, hint: { device_class: 'wind_speed', unit: 'km/h', state_class: 'measurement', precision: 1 } },
    { match: /^current_wind_direction/, hint: { device_class: 'wind_direction', unit: '°', state_class: undefined, precision: 0 } },
    {
      match: /^current_(precipitation|rain|showers|snowfall)$/,
      hint: { device_class: 'precipitation', unit: 'mm', state_class: 'measurement', precision: 1 },
    },
    {
      match: /^current_(pressure_msl|surface_pressure)$/,
      hint: { device_class: 'atmospheric_pressure', unit: 'hPa', state_class: 'measurement', precision: 0 },
    },
  ],
};
