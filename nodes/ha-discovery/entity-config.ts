// One entity's discovery config, built from a field's hint (descriptor or guess) and checked against the
// platform's documented schema (platform-schema.ts): a unit or state class HA would refuse loses the device class or
// the state class rather than the whole entity. Full key names throughout; no abbreviations.
import type { ControlDescriptor, EntityHint } from './descriptor';
import { entityName } from './fallback';
import { SENSOR_DEVICE_CLASSES, stateClassFits, unitFits, type Component } from './platform-schema';
import { availabilityTopic, commandTopic, stateTopic, type TopicLayout } from './topics';

export type Config = Record<string, unknown>;

export interface EntityPlan {
  readonly component: Component;
  /** The discovery topic's object id: the field name or the control key. */
  readonly objectId: string;
  readonly config: Config;
}

export interface EntityContext {
  readonly topics: TopicLayout;
  readonly device: string;
  /** The device block (the same object for every entity of the device). */
  readonly deviceBlock: Config;
  /** Seconds without a new state after which HA shows the entity unavailable; 0 for never. */
  readonly expireAfterS: number;
}

/** The stable id of a device's entity: device key and field, nothing that changes on a redeploy. */
export function uniqueId(device: string, objectId: string): string {
  return `solar_telemetry_${device}_${objectId}`.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** Jinja's view of one field of the state JSON; bracketed, so any field name works. */
const valueOf = (field: string) => `value_json[${JSON.stringify(field)}]`;

function common(ctx: EntityContext, objectId: string, name: string): Config {
  return {
    name,
    unique_id: uniqueId(ctx.device, objectId),
    device: ctx.deviceBlock,
    // The device's own availability and the Node-RED instance's (the broker's will): both must be online.
    availability: [{ topic: availabilityTopic(ctx.topics, ctx.device) }, { topic: ctx.topics.instanceTopic }],
    availability_mode: 'all',
  };
}

/** A field as a sensor or binary sensor; undefined when the hint skips it. */
export function fieldEntity(ctx: EntityContext, field: string, hint: EntityHint): EntityPlan | undefined {
  if (hint.skip) return undefined;
  const component = hint.component ?? 'sensor';
  const config: Config = { ...common(ctx, field, hint.name ?? entityName(field)), state_topic: stateTopic(ctx.topics, ctx.device) };
  if (component === 'binary_sensor') {
    config.value_template = `{{ 'ON' if ${valueOf(field)} else 'OFF' }}`;
    if (hint.device_class) config.device_class = hint.device_class;
  } else if (hint.options) {
    config.value_template = `{{ ${valueOf(field)} }}`;
    config.device_class = 'enum';
    config.options = [...hint.options];
  } else {
    config.value_template = `{{ ${valueOf(field)} }}`;
    let deviceClass = hint.device_class;
    if (deviceClass !== undefined && (SENSOR_DEVICE_CLASSES[deviceClass] === undefined || !unitFits(deviceClass, hint.unit))) deviceClass = undefined;
    if (deviceClass) config.device_class = deviceClass;
    if (hint.unit) config.unit_of_measurement = hint.unit;
    if (hint.state_class && stateClassFits(deviceClass, hint.state_class)) config.state_class = hint.state_class;
    if (hint.precision !== undefined && hint.unit !== undefined) config.suggested_display_precision = hint.precision;
    if (hint.last_reset_field && config.state_class === 'total') config.last_reset_value_template = `{{ ${valueOf(hint.last_reset_field)} }}`;
  }
  if (hint.diagnostic) config.entity_category = 'diagnostic';
  if (hint.icon) config.icon = hint.icon;
  if (ctx.expireAfterS > 0) config.expire_after = ctx.expireAfterS;
  return { component, objectId: field, config };
}

/** A control (switch or select) whose commands come back on `<base>/<device>/<key>/set`. */
export function controlEntity(ctx: EntityContext, control: ControlDescriptor): EntityPlan {
  const config: Config = {
    ...common(ctx, control.key, control.name),
    command_topic: commandTopic(ctx.topics, ctx.device, control.key),
    state_topic: stateTopic(ctx.topics, ctx.device),
  };
  if (control.component === 'switch') {
    config.value_template = `{{ 'ON' if ${valueOf(control.stateField)} else 'OFF' }}`;
  } else {
    config.value_template = `{{ ${valueOf(control.stateField)} }}`;
    config.options = [...(control.options ?? [])];
  }
  if (control.icon) config.icon = control.icon;
  return { component: control.component, objectId: control.key, config };
}

/** The state field that says how the last command went. */
export const COMMAND_RESULT = 'command_result';

export function commandResultEntity(ctx: EntityContext): EntityPlan {
  const config: Config = {
    ...common(ctx, COMMAND_RESULT, 'Last command'),
    state_topic: stateTopic(ctx.topics, ctx.device),
    value_template: `{{ ${valueOf(COMMAND_RESULT)} }}`,
    entity_category: 'diagnostic',
    icon: 'mdi:console',
  };
  return { component: 'sensor', objectId: COMMAND_RESULT, config };
}

/**
 * The Node-RED instance as a device of its own, with one connectivity sensor reading the broker's will and birth
 * topic; every device names it in via_device, so Home Assistant shows which instance brings it in.
 */
export function instanceEntity(topics: TopicLayout, instanceBlock: Config, instanceKey: string): EntityPlan {
  return {
    component: 'binary_sensor',
    objectId: 'node_red',
    config: {
      name: 'Connection',
      unique_id: uniqueId(instanceKey, 'node_red'),
      device: instanceBlock,
      state_topic: topics.instanceTopic,
      payload_on: 'online',
      payload_off: 'offline',
      device_class: 'connectivity',
      entity_category: 'diagnostic',
    },
  };
}
