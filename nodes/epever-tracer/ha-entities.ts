// What Home Assistant shows of an Epever Tracer (ha-discovery reads this file by the readings' type). Fields
// not named here (PV, battery and load voltage, current and power, energy counters) get ha-discovery's guess
// from their names. The status entities come from the same table that decodes the status words (status-bits.ts).
import type { DeviceDescriptor, EntityHint } from '../ha-discovery/descriptor';
import { switchValue } from '../ha-discovery/descriptor';
import { STATUS_FIELDS } from './status-bits';

/** A multi-bit state's every possible value: the named states, then `unknown_<n>` as status-bits.ts names the rest. */
function statesOf(states: readonly string[], width: number): string[] {
  const all = [...states];
  for (let n = states.length; n < 1 << width; n++) all.push(`unknown_${n}`);
  return all;
}

const RUNNING = new Set(['charging_running', 'discharging_running']);

const statusHints: Record<string, EntityHint> = {};
for (const f of STATUS_FIELDS) {
  statusHints[`status_${f.name}`] =
    'bit' in f
      ? { component: 'binary_sensor', device_class: RUNNING.has(f.name) ? 'running' : 'problem', diagnostic: true }
      : { component: 'sensor', options: statesOf(f.states, f.width), diagnostic: true };
}
const chargingMode = STATUS_FIELDS.find((f) => f.name === 'charging_mode');

export const haEntities: DeviceDescriptor = {
  manufacturer: 'Epever',
  model: 'Tracer charge controller',
  fields: {
    ...statusHints,
    controller_charging_mode: {
      component: 'sensor',
      options: chargingMode && 'states' in chargingMode ? [...chargingMode.states] : undefined,
      icon: 'mdi:battery-charging',
    },
    controller_heatsink_temperature: { diagnostic: true },
    energy_pv_max_voltage_today: { diagnostic: true },
    energy_pv_min_voltage_today: { diagnostic: true },
    energy_battery_max_voltage_today: { diagnostic: true },
    energy_battery_min_voltage_today: { diagnostic: true },
  },
  controls: [
    {
      // Coil 0x0002 "manual control the load" (commands.ts `load`); its state is the discharging-running bit.
      key: 'load',
      component: 'switch',
      name: 'Load output',
      stateField: 'status_discharging_running',
      icon: 'mdi:power-socket',
      command: (value) => ({ command: 'load', payload: switchValue(value) }),
      stateAfter: (value) => switchValue(value),
    },
  ],
};
