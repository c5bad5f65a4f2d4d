// How a device type tells ha-discovery what its fields are. Each device node puts a descriptor beside its
// engine (nodes/<type>/ha-entities.ts, exporting `haEntities`); ha-discovery finds it by the reading's type,
// so a new device node adds one file and nothing here changes. Fields no descriptor names get the generic
// guess from their name (fallback.ts).
import type { Component, StateClass } from './platform-schema';

/** What one field becomes in Home Assistant; every key is optional and overrides the guess. */
export interface EntityHint {
  component?: 'sensor' | 'binary_sensor';
  /** Leave the field out of Home Assistant. */
  skip?: boolean;
  name?: string;
  device_class?: string;
  unit?: string;
  state_class?: StateClass;
  precision?: number;
  /** entity_category diagnostic: shown under the device's diagnostics, not on its main card. */
  diagnostic?: boolean;
  /** An enum sensor's states. */
  options?: readonly string[];
  icon?: string;
  /**
   * A field holding the ISO time the total started from: the sensor is a `total` whose `last_reset` is that
   * field (sensor.mqtt.markdown last_reset_value_template), for energy per time window.
   */
  last_reset_field?: string;
}

/** A field-name rule: a hint for every field whose flattened name matches. */
export interface PatternHint {
  readonly match: RegExp;
  readonly hint: EntityHint;
}

/** What ha-discovery sends the device node for a command from Home Assistant. */
export interface DeviceCommand {
  command: string;
  payload: unknown;
}

/** A setting Home Assistant may change, for device nodes with writes enabled. */
export interface ControlDescriptor {
  /** The control's id: the entity's object id and the command topic's last level. */
  readonly key: string;
  readonly component: Extract<Component, 'switch' | 'select'>;
  readonly name: string;
  /** The state field (flattened name) that shows the control's current value. */
  readonly stateField: string;
  /** A select's options, as the device node names them. */
  readonly options?: readonly string[];
  readonly icon?: string;
  /**
   * The command message for what Home Assistant sent (a switch's "ON"/"OFF", a select's option); throws an
   * Error that says why when the value is not one the control takes.
   */
  command(value: string): DeviceCommand;
  /** The state field's value once the device accepted `value`. */
  stateAfter(value: string): string | number | boolean;
}

export interface DeviceDescriptor {
  readonly manufacturer: string;
  readonly model: string;
  /** Fields that name the device (flattened names), shown in its device block when the device reports them. */
  readonly identity?: { readonly serial?: string; readonly sw_version?: string; readonly model?: string };
  /** Hints by flattened field name. */
  readonly fields?: Readonly<Record<string, EntityHint>>;
  /** Hints by name pattern, tried in order after `fields`. */
  readonly patterns?: readonly PatternHint[];
  readonly controls?: readonly ControlDescriptor[];
}

/** The hint a descriptor gives a field: the exact entry, then the first pattern that matches. */
export function hintFor(descriptor: DeviceDescriptor | undefined, field: string): EntityHint {
  if (!descriptor) return {};
  const exact = descriptor.fields?.[field];
  if (exact) return exact;
  return descriptor.patterns?.find((p) => p.match.test(field))?.hint ?? {};
}

/** "ON"/"OFF" (switch.mqtt.markdown payload_on/payload_off defaults) as a boolean. */
export function switchValue(value: string): boolean {
  if (value === 'ON') return true;
  if (value === 'OFF') return false;
  throw new Error(`a switch sends ON or OFF, got ${JSON.stringify(value)}`);
}

/** A select's value checked against its options. */
export function selectValue(options: readonly string[], value: string): string {
  if (!options.includes(value)) throw new Error(`${JSON.stringify(value)} is not one of ${options.join(', ')}`);
  return value;
}
