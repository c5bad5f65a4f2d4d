// What Home Assistant shows of a PI30 inverter (ha-discovery reads this file by the readings' type). Enum
// sensors take their options from the same choice tables the parsers and setters use (protocol/enums.ts), so
// a mode or priority the inverter reports is always one of the options; QPIWS bits are problem sensors.
// Fields not named here (grid, AC output, battery and PV readings, energy in Wh) get ha-discovery's guess.
import { selectValue, type DeviceDescriptor, type EntityHint } from '../ha-discovery/descriptor';
import {
  BATTERY_TYPES,
  CHARGER_SOURCE_PRIORITIES,
  INPUT_VOLTAGE_RANGES,
  MACHINE_TYPES,
  MODES,
  OPERATION_LOGICS,
  OUTPUT_MODES,
  OUTPUT_SOURCE_PRIORITIES,
  PV_OK_CONDITIONS,
  PV_POWER_BALANCES,
  TOPOLOGIES,
  type ChoiceTable,
} from './protocol/enums';
import type { ChargingSource } from './protocol/qpigs';

const names = (table: ChoiceTable<number | string>): string[] => table.map((c) => c.name);
const setting = (table: ChoiceTable<number | string>): EntityHint => ({ component: 'sensor', options: names(table), diagnostic: true });

const CHARGING_SOURCES: readonly ChargingSource[] = ['none', 'solar', 'utility', 'solar_and_utility'];
const OUTPUT_PRIORITIES = names(OUTPUT_SOURCE_PRIORITIES);
const CHARGER_PRIORITIES = names(CHARGER_SOURCE_PRIORITIES);

export const haEntities: DeviceDescriptor = {
  manufacturer: 'MPP Solar / Voltronic',
  model: 'PI30 inverter',
  // QID, QVFW and QMN, when the node polls them.
  identity: { serial: 'inverter_serial_number', sw_version: 'inverter_firmware_main', model: 'inverter_model' },
  fields: {
    mode: { component: 'sensor', options: names(MODES), name: 'Inverter mode', icon: 'mdi:sine-wave' },
    status_charging_source: { component: 'sensor', options: [...CHARGING_SOURCES], icon: 'mdi:battery-charging' },
    settings_battery_type: setting(BATTERY_TYPES),
    settings_input_voltage_range: setting(INPUT_VOLTAGE_RANGES),
    settings_output_source_priority: setting(OUTPUT_SOURCE_PRIORITIES),
    settings_charger_source_priority: setting(CHARGER_SOURCE_PRIORITIES),
    settings_machine_type: setting(MACHINE_TYPES),
    settings_topology: setting(TOPOLOGIES),
    settings_output_mode: setting(OUTPUT_MODES),
    settings_pv_ok_condition: setting(PV_OK_CONDITIONS),
    settings_pv_power_balance: setting(PV_POWER_BALANCES),
    settings_operation_logic: setting(OPERATION_LOGICS),
    settings_max_parallel_units: { diagnostic: true, state_class: undefined },
    settings_max_cv_charging_time_min: { device_class: 'duration', unit: 'min', diagnostic: true },
    inverter_bus_voltage: { diagnostic: true },
    inverter_eeprom_version: { diagnostic: true },
    inverter_country_code: { diagnostic: true },
    battery_fan_on_voltage_offset: { diagnostic: true },
    energy_day: { device_class: 'date', diagnostic: true },
  },
  patterns: [
    { match: /^warnings_/, hint: { component: 'binary_sensor', device_class: 'problem' } },
    { match: /^fault_/, hint: { component: 'sensor', diagnostic: true, state_class: undefined } },
    { match: /^(settings|flags|status|inverter)_/, hint: { diagnostic: true } },
  ],
  controls: [
    {
      key: 'output_source_priority',
      component: 'select',
      name: 'Output source priority',
      stateField: 'settings_output_source_priority',
      options: OUTPUT_PRIORITIES,
      icon: 'mdi:transmission-tower-export',
      // The node's documented named setter: {command: "set", payload: {output_source_priority: "sbu"}} (POP).
      command: (value) => ({ command: 'set', payload: { output_source_priority: selectValue(OUTPUT_PRIORITIES, value) } }),
      stateAfter: (value) => value,
    },
    {
      key: 'charger_source_priority',
      component: 'select',
      name: 'Charger source priority',
      stateField: 'settings_charger_source_priority',
      options: CHARGER_PRIORITIES,
      icon: 'mdi:battery-charging-high',
      command: (value) => ({ command: 'set', payload: { charger_source_priority: selectValue(CHARGER_PRIORITIES, value) } }),
      stateAfter: (value) => value,
    },
  ],
};
