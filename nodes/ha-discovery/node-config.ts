// The editor's settings read through the node's schema into the bridge's options; each error names the field.
import type { RawConfig } from '../common/config-fields';
import { readSettings } from '../common/settings-schema';
import type { BridgeOptions } from './bridge';
import { INSTANCE_RULE, settingsSchema, TOPIC_RULE } from './ha-discovery-schema';

function topicOf(value: string, what: string): string {
  const topic = value.replace(/\/+$/, '');
  if (!TOPIC_RULE.test(topic)) throw new RangeError(`${what} must be an MQTT topic without wildcards or spaces, got ${JSON.stringify(value)}`);
  return topic;
}

export function parseHaConfig(raw: RawConfig): BridgeOptions {
  const s = readSettings(settingsSchema, raw);
  const base = topicOf(s.base, 'base topic');
  if (!INSTANCE_RULE.test(s.instance)) throw new RangeError(`instance must be letters, digits, _ and -, got ${JSON.stringify(s.instance)}`);
  return {
    prefix: topicOf(s.prefix, 'discovery prefix'),
    base,
    instanceTopic: topicOf(s.instanceTopic || `${base}/${s.instance}/status`, 'instance topic'),
    instance: s.instance,
    discovery: s.discovery,
    plainFields: s.plainFields,
    controls: s.controls,
    expireAfterS: s.expireAfter,
    qos: s.qos,
  };
}
