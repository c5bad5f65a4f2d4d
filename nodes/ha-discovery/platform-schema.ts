// What Home Assistant accepts in an MQTT discovery config, as data: the engine checks every entity it builds
// against it (a unit HA would reject drops the device class instead of the entity) and the tests check every
// published config against it.
//
// Sources:
// - home-assistant/core homeassistant/components/sensor/const.py: SensorDeviceClass (units in each docstring),
//   DEVICE_CLASS_UNITS and DEVICE_CLASS_STATE_CLASSES, SensorStateClass; only the classes this package can emit
//   are copied, with every unit HA lists for them.
// - home-assistant/core homeassistant/components/binary_sensor/__init__.py: BinarySensorDeviceClass.
// - home-assistant/core homeassistant/const.py EntityCategory: "config", "diagnostic".
// - home-assistant/home-assistant.io source/_integrations/sensor.mqtt.markdown, binary_sensor.mqtt.markdown,
//   switch.mqtt.markdown, select.mqtt.markdown: the keys of each platform and which are required (sensor and
//   binary_sensor: state_topic; switch: command_topic; select: command_topic and options); mqtt.markdown
//   "Discovery topic": `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`, ids [a-zA-Z0-9_-].
// - home-assistant/core homeassistant/components/mqtt/sensor.py validate_sensor_state_and_device_class_config:
//   last_reset_value_template only with state_class total; options only with device_class enum and neither unit
//   nor state class; a unit outside DEVICE_CLASS_UNITS of the class is refused.
// - home-assistant/core homeassistant/components/mqtt/schemas.py MQTT_ENTITY_DEVICE_INFO_SCHEMA: the device
//   block's keys, and at least one of identifiers or connections.

export type Component = 'sensor' | 'binary_sensor' | 'switch' | 'select';
export const COMPONENTS: readonly Component[] = ['sensor', 'binary_sensor', 'switch', 'select'];

export type StateClass = 'measurement' | 'total' | 'total_increasing';
export const STATE_CLASSES: readonly StateClass[] = ['measurement', 'total', 'total_increasing'];

const MEASUREMENT: readonly StateClass[] = ['measurement'];
const TOTALS: readonly StateClass[] = ['total', 'total_increasing'];
const ANY: readonly StateClass[] = STATE_CLASSES;
const ENERGY_UNITS = ['J', 'kJ', 'MJ', 'GJ', 'mWh', 'Wh', 'kWh', 'MWh', 'GWh', 'TWh', 'cal', 'kcal', 'Mcal', 'Gcal'];

export interface SensorClassRule {
  /** Units HA accepts for the class; `null` is "no unit". */
  readonly units: readonly (string | null)[];
  readonly stateClasses: readonly StateClass[];
}

/** sensor/const.py DEVICE_CLASS_UNITS and DEVICE_CLASS_STATE_CLASSES for the classes used here. */
export const SENSOR_DEVICE_CLASSES: Readonly<Record<string, SensorClassRule>> = {
  apparent_power: { units: ['VA', 'mVA', 'kVA'], stateClasses: MEASUREMENT },
  battery: { units: ['%'], stateClasses: MEASUREMENT },
  current: { units: ['A', 'mA'], stateClasses: MEASUREMENT },
  duration: { units: ['d', 'h', 'min', 's', 'ms'], stateClasses: ANY },
  energy: { units: ENERGY_UNITS, stateClasses: TOTALS },
  energy_storage: { units: ENERGY_UNITS, stateClasses: MEASUREMENT },
  frequency: { units: ['Hz', 'kHz', 'MHz', 'GHz'], stateClasses: MEASUREMENT },
  humidity: { units: ['%'], stateClasses: MEASUREMENT },
  irradiance: { units: ['W/m²', 'BTU/(h⋅ft²)'], stateClasses: MEASUREMENT },
  power: { units: ['mW', 'W', 'kW', 'MW', 'GW', 'TW', 'BTU/h'], stateClasses: MEASUREMENT },
  power_factor: { units: ['%', null], stateClasses: MEASUREMENT },
  precipitation: { units: ['cm', 'in', 'mm'], stateClasses: ANY },
  precipitation_intensity: { units: ['in/d', 'in/h', 'mm/d', 'mm/h'], stateClasses: MEASUREMENT },
  atmospheric_pressure: { units: ['Pa', 'hPa', 'kPa', 'bar', 'cbar', 'mbar', 'mmHg', 'inHg', 'psi'], stateClasses: MEASUREMENT },
  pressure: { units: ['Pa', 'hPa', 'kPa', 'bar', 'cbar', 'mbar', 'mmHg', 'inHg', 'psi'], stateClasses: MEASUREMENT },
  temperature: { units: ['°C', '°F', 'K'], stateClasses: MEASUREMENT },
  voltage: { units: ['V', 'mV', 'µV', 'kV', 'MV'], stateClasses: MEASUREMENT },
  wind_direction: { units: ['°'], stateClasses: [] },
  wind_speed: { units: ['Beaufort', 'ft/s', 'km/h', 'kn', 'm/s', 'mph'], stateClasses: MEASUREMENT },
  // Non-numeric classes: no unit and no state class (NON_NUMERIC_DEVICE_CLASSES; DEVICE_CLASS_STATE_CLASSES is empty).
  enum: { units: [null], stateClasses: [] },
  timestamp: { units: [null], stateClasses: [] },
  date: { units: [null], stateClasses: [] },
};

/** binary_sensor/__init__.py BinarySensorDeviceClass. */
export const BINARY_SENSOR_DEVICE_CLASSES: readonly string[] = [
  'battery',
  'battery_charging',
  'carbon_monoxide',
  'cold',
  'connectivity',
  'door',
  'garage_door',
  'gas',
  'heat',
  'light',
  'lock',
  'moisture',
  'motion',
  'moving',
  'occupancy',
  'opening',
  'plug',
  'power',
  'presence',
  'problem',
  'running',
  'safety',
  'smoke',
  'sound',
  'tamper',
  'update',
  'vibration',
  'window',
];

/** switch/__init__.py SwitchDeviceClass. */
export const SWITCH_DEVICE_CLASSES: readonly string[] = ['outlet', 'switch'];

export const ENTITY_CATEGORIES: readonly string[] = ['config', 'diagnostic'];

/** Discovery topic ids: mqtt.markdown, "Discovery topic" (node_id and object_id are [a-zA-Z0-9_-]). */
export const DISCOVERY_ID = /^[a-zA-Z0-9_-]+$/;

// Keys every platform takes (availability, device, entity options) and each platform's own, from the
// platform pages' configuration blocks. Only full names are used: the node never abbreviates.
const COMMON_KEYS = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'device',
  'enabled_by_default',
  'entity_category',
  'icon',
  'json_attributes_template',
  'json_attributes_topic',
  'name',
  'object_id',
  'origin',
  'payload_available',
  'payload_not_available',
  'platform',
  'qos',
  'unique_id',
];

export const COMPONENT_KEYS: Readonly<Record<Component, readonly string[]>> = {
  sensor: [
    ...COMMON_KEYS,
    'device_class',
    'expire_after',
    'force_update',
    'last_reset_value_template',
    'options',
    'state_class',
    'state_topic',
    'suggested_display_precision',
    'unit_of_measurement',
    'value_template',
  ],
  binary_sensor: [
    ...COMMON_KEYS,
    'device_class',
    'expire_after',
    'force_update',
    'off_delay',
    'payload_off',
    'payload_on',
    'state_topic',
    'value_template',
  ],
  switch: [
    ...COMMON_KEYS,
    'command_template',
    'command_topic',
    'device_class',
    'optimistic',
    'payload_off',
    'payload_on',
    'retain',
    'state_off',
    'state_on',
    'state_topic',
    'value_template',
  ],
  select: [...COMMON_KEYS, 'command_template', 'command_topic', 'optimistic', 'options', 'retain', 'state_topic', 'value_template'],
};

export const REQUIRED_KEYS: Readonly<Record<Component, readonly string[]>> = {
  sensor: ['state_topic'],
  binary_sensor: ['state_topic'],
  switch: ['command_topic'],
  select: ['command_topic', 'options'],
};

/** The keys of a discovery `device` block (mqtt.markdown, "device" of every platform). */
export const DEVICE_KEYS: readonly string[] = [
  'configuration_url',
  'connections',
  'hw_version',
  'identifiers',
  'manufacturer',
  'model',
  'model_id',
  'name',
  'serial_number',
  'suggested_area',
  'sw_version',
  'via_device',
];

/** Whether HA takes `unit` for a sensor of `deviceClass` (undefined: no class, any unit). */
export function unitFits(deviceClass: string | undefined, unit: string | undefined): boolean {
  if (deviceClass === undefined) return true;
  const rule = SENSOR_DEVICE_CLASSES[deviceClass];
  return rule !== undefined && rule.units.includes(unit ?? null);
}

/** Whether HA takes `stateClass` for a sensor of `deviceClass`. */
export function stateClassFits(deviceClass: string | undefined, stateClass: StateClass | undefined): boolean {
  if (stateClass === undefined) return true;
  if (deviceClass === undefined) return true;
  return SENSOR_DEVICE_CLASSES[deviceClass]?.stateClasses.includes(stateClass) ?? false;
}

/** Every way `config` breaks the platform's documented schema; empty when HA takes it. */
export function schemaProblems(component: Component, config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of REQUIRED_KEYS[component]) if (config[key] === undefined) problems.push(`${component} needs ${key}`);
  for (const key of Object.keys(config)) if (!COMPONENT_KEYS[component].includes(key)) problems.push(`${component} has no key ${key}`);
  const deviceClass = config.device_class as string | undefined;
  const unit = config.unit_of_measurement as string | undefined;
  const stateClass = config.state_class as StateClass | undefined;
  if (component === 'sensor') {
    if (deviceClass !== undefined && SENSOR_DEVICE_CLASSES[deviceClass] === undefined)
      problems.push(`sensor device_class ${deviceClass} unknown here`);
    else if (!unitFits(deviceClass, unit)) problems.push(`sensor ${deviceClass} does not take unit ${String(unit)}`);
    if (stateClass !== undefined && !STATE_CLASSES.includes(stateClass)) problems.push(`unknown state_class ${String(stateClass)}`);
    else if (!stateClassFits(deviceClass, stateClass)) problems.push(`sensor ${deviceClass} does not take state_class ${stateClass}`);
    const options = config.options;
    if (deviceClass === 'enum' && (!Array.isArray(options) || options.length === 0)) problems.push('enum sensor needs options');
    if (options !== undefined && deviceClass !== 'enum') problems.push('options need device_class enum');
    if (options !== undefined && (stateClass !== undefined || unit !== undefined)) problems.push('options take no unit and no state_class');
    if (config.last_reset_value_template !== undefined && stateClass !== 'total') problems.push('last_reset_value_template needs state_class total');
  }
  if (component === 'binary_sensor' && deviceClass !== undefined && !BINARY_SENSOR_DEVICE_CLASSES.includes(deviceClass))
    problems.push(`binary_sensor device_class ${deviceClass} unknown`);
  if (component === 'switch' && deviceClass !== undefined && !SWITCH_DEVICE_CLASSES.includes(deviceClass))
    problems.push(`switch device_class ${deviceClass} unknown`);
  if (component === 'select' && (!Array.isArray(config.options) || config.options.some((o) => typeof o !== 'string')))
    problems.push('select options must be a list of strings');
  const category = config.entity_category;
  if (category !== undefined && !ENTITY_CATEGORIES.includes(category as string)) problems.push(`entity_category ${String(category)} unknown`);
  const device = config.device as Record<string, unknown> | undefined;
  if (device !== undefined) {
    for (const key of Object.keys(device)) if (!DEVICE_KEYS.includes(key)) problems.push(`device has no key ${key}`);
    if (device.identifiers === undefined && device.connections === undefined) problems.push('device needs identifiers or connections');
    if (config.unique_id === undefined) problems.push('a device block only works with unique_id');
  }
  return problems;
}
