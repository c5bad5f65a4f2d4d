// What Home Assistant shows of a PS100 panel (ha-discovery reads this file by the readings' type). A record
// covers one record period: its `energy_wh` is the energy of that period, not a meter reading, so it gets no
// state class (Home Assistant would otherwise take each new, smaller value as a meter reset); the statistics
// spread (stddev, min/max) and the sample count are diagnostics. Averages keep ha-discovery's guess from their
// names (`voltage_avg` V, `current_avg` A, `power_avg` W).
import type { DeviceDescriptor } from '../ha-discovery/descriptor';

export const haEntities: DeviceDescriptor = {
  manufacturer: 'Anker',
  model: 'SOLIX PS100 panel (INA219/INA226)',
  fields: {
    energy_wh: { device_class: 'energy', unit: 'Wh', state_class: undefined, precision: 3, name: 'Energy in the last record' },
    efficiency_percent: { unit: '%', state_class: 'measurement', precision: 0, icon: 'mdi:solar-panel' },
    conditions_estimate: { state_class: undefined, icon: 'mdi:weather-partly-cloudy' },
    sample_count: { diagnostic: true, state_class: 'measurement' },
    active_panels: { state_class: 'measurement', icon: 'mdi:solar-panel' },
    alerts: { skip: true },
  },
  patterns: [{ match: /_(stddev|min|max|peak)$/, hint: { diagnostic: true } }],
};
