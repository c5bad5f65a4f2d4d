// The MQTT topics the node publishes and listens on, in one place (the README's "Topic layout" lists them):
//   <prefix>/<component>/<device>/<field>/config   discovery config, retained (mqtt.markdown "Discovery topic")
//   <base>/<device>/state                          every field of the device as one JSON object, retained
//   <base>/<device>/availability                   online / offline, retained
//   <base>/<device>/<field>                        one field as plain text (option), retained
//   <base>/<device>/<control>/set                  Home Assistant's commands (switch, select)
//   <instance topic>                               the Node-RED instance's online / offline (the broker's will)
import { DISCOVERY_ID, type Component } from './platform-schema';

export interface TopicLayout {
  /** Home Assistant's discovery prefix, `homeassistant` unless changed in HA's MQTT options. */
  readonly prefix: string;
  /** Where states, availability, plain fields and commands live. */
  readonly base: string;
  /** The Node-RED instance's availability topic: the mqtt-broker node's will and birth topic. */
  readonly instanceTopic: string;
}

/** A device key or field name fit for a topic level and a discovery id: anything else becomes `_`. */
export function topicId(name: string): string {
  const id = name.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (!DISCOVERY_ID.test(id)) throw new Error(`${JSON.stringify(name)} cannot name an MQTT topic level`);
  return id;
}

export const discoveryTopic = (t: TopicLayout, component: Component, device: string, objectId: string): string =>
  `${t.prefix}/${component}/${topicId(device)}/${topicId(objectId)}/config`;
export const stateTopic = (t: TopicLayout, device: string): string => `${t.base}/${topicId(device)}/state`;
export const availabilityTopic = (t: TopicLayout, device: string): string => `${t.base}/${topicId(device)}/availability`;
export const fieldTopic = (t: TopicLayout, device: string, field: string): string => `${t.base}/${topicId(device)}/${topicId(field)}`;
export const commandTopic = (t: TopicLayout, device: string, control: string): string => `${t.base}/${topicId(device)}/${topicId(control)}/set`;
/** Home Assistant's birth and last will topic (mqtt.markdown "Birth and last will messages"). */
export const birthTopic = (t: TopicLayout): string => `${t.prefix}/status`;

/** The device and control a command topic names, or undefined when it is no command topic of this layout. */
export function parseCommandTopic(t: TopicLayout, topic: string): { device: string; control: string } | undefined {
  if (!topic.startsWith(`${t.base}/`) || !topic.endsWith('/set')) return undefined;
  const levels = topic.slice(t.base.length + 1, -'/set'.length).split('/');
  if (levels.length !== 2 || levels.some((l) => l === '')) return undefined;
  return { device: levels[0], control: levels[1] };
}
