// What Home Assistant shows of a rollup record (ha-discovery reads this file by type; each device and window is
// a device of its own, `<device>_<window>`). A statistic keeps its field's guess (`pv_array_power_avg` is W);
// energy per window is a `total` that restarts at `window_start` (record-message.ts).
import type { DeviceDescriptor } from '../ha-discovery/descriptor';

export const haEntities: DeviceDescriptor = {
  manufacturer: 'node-red-contrib-solar-telemetry',
  model: 'rollup',
  fields: {
    window_start: { component: 'sensor', device_class: 'timestamp', diagnostic: true },
    window_end: { component: 'sensor', device_class: 'timestamp', diagnostic: true },
    sample_count: { diagnostic: true, state_class: 'measurement' },
    late_samples: { diagnostic: true, state_class: 'measurement' },
  },
  patterns: [
    { match: /_wh$/, hint: { device_class: 'energy', unit: 'Wh', state_class: 'total', precision: 1, last_reset_field: 'window_start' } },
    // The sum of samples and their count describe the window, not the plant.
    { match: /_sum$/, hint: { skip: true } },
    { match: /_count$/, hint: { diagnostic: true, device_class: undefined, unit: undefined, state_class: 'measurement' } },
    { match: /_(stddev|first)$/, hint: { diagnostic: true } },
  ],
};
