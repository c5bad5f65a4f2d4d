// The settings every device node has (name, device id, topic, measurement, poll interval, allow writes), read
// the same way for all, so a device node's parser adds only its own fields.
import { type RawConfig } from './config-fields';
import { readingTopic, type ReadingMessage } from './reading';
import { readSettings } from './settings-schema';

export interface DeviceConfig {
  /** The node type: the default topic's first part. */
  type: string;
  /** The device id the user set, else one from the node's name (unless it only repeats the type), else the node's fallback (may be empty). */
  deviceId: string;
  /** True when the user set the device id: nothing the device says about itself replaces it. */
  deviceIdSet: boolean;
  /** The topic the user set; empty for `<type>/<device id>` (see topicOf). */
  topic: string;
  measurement: string;
  /** 0: only on input. */
  intervalMs: number;
  allowWrites: boolean;
}

export interface DeviceDefaults {
  type: string;
  measurement: string;
  intervalS: number;
  /** The device id when neither the field nor the node's name gives one. */
  deviceId: string;
}

const MIN_INTERVAL_S = 1;

/** The fields every device node has, as a schema fragment a device's own schema spreads into its own. */
export function deviceFields(defaults: Pick<DeviceDefaults, 'measurement' | 'intervalS'>) {
  return {
    name: { kind: 'text', default: '' },
    deviceId: { kind: 'text', default: '' },
    topic: { kind: 'text', default: '' },
    measurement: { kind: 'text', default: defaults.measurement },
    interval: { kind: 'interval', default: defaults.intervalS, min: MIN_INTERVAL_S, what: 'poll interval' },
    allowWrites: { kind: 'flag', default: false },
  } as const;
}

/** "Shed Controller" -> "shed-controller": a name made fit for a device id and a topic. */
export function slug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * The device id a node's name gives: its slug, unless the name only repeats the node type ("Epever tracer" on an
 * epever-tracer node), which would make the topic `epever-tracer/epever-tracer` and tell two devices apart by
 * nothing.
 */
function idFromName(name: string, type: string): string {
  const id = slug(name);
  return id.replace(/-/g, '') === type.replace(/-/g, '') ? '' : id;
}

export function parseDeviceConfig(raw: RawConfig, defaults: DeviceDefaults): DeviceConfig {
  const read = readSettings(deviceFields(defaults), raw);
  return {
    type: defaults.type,
    deviceId: read.deviceId || idFromName(read.name, defaults.type) || defaults.deviceId,
    deviceIdSet: read.deviceId !== '',
    topic: read.topic,
    measurement: read.measurement,
    intervalMs: read.interval,
    allowWrites: read.allowWrites,
  };
}

/** The topic the user set, or `<type>/<device id>`. */
export function topicOf(config: DeviceConfig, deviceId = config.deviceId): string {
  return config.topic || readingTopic(config.type, deviceId);
}

/** A reading as the node sends it: topic, payload, device and measurement from the shared settings. */
export function readingMessage<P extends ReadingMessage['payload']>(
  config: DeviceConfig,
  payload: P,
  deviceId = config.deviceId,
): ReadingMessage & { payload: P } {
  return { topic: topicOf(config, deviceId), payload, device: deviceId, measurement: config.measurement };
}
