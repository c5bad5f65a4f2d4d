// What Home Assistant shows of a PZEM meter (ha-discovery reads this file by the readings' type). Voltage,
// current, power, frequency and power factor get ha-discovery's guess from their names; named here: the energy
// counter (Wh, total_increasing: the meter counts up until reset with 0x42, which Home Assistant takes as a new
// cycle) and the alarm states, as problem binary sensors.
import type { DeviceDescriptor } from '../ha-discovery/descriptor';

const alarm = { component: 'binary_sensor', device_class: 'problem' } as const;

export const haEntities: DeviceDescriptor = {
  manufacturer: 'Peacefair',
  model: 'PZEM meter',
  fields: {
    energy_wh: { device_class: 'energy', unit: 'Wh', state_class: 'total_increasing', precision: 0 },
    high_voltage_alarm: { ...alarm, name: 'High voltage alarm' },
    low_voltage_alarm: { ...alarm, name: 'Low voltage alarm' },
    power_alarm: { ...alarm, name: 'Power alarm' },
  },
};
