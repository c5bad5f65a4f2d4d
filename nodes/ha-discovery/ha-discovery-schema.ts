// The ha-discovery node's settings: what the editor offers (built into ha-discovery.html) and node-config.ts reads.
import type { Schema } from '../common/settings-schema';

/** An MQTT topic to publish under: no wildcards, no spaces (MQTT 3.1.1, 4.7.1); node-config.ts applies the same rule. */
export const TOPIC_RULE = /^[^#+\s]+$/;
/** The instance names a device identifier and a topic level. */
export const INSTANCE_RULE = /^[a-zA-Z0-9_-]+$/;

const topic = { editor: `return s === '' || ${String(TOPIC_RULE)}.test(s);` };

export const settingsSchema = {
  name: { kind: 'text', default: '' },
  base: { kind: 'text', default: 'solar', check: topic },
  discovery: { kind: 'flag', default: true },
  prefix: { kind: 'text', default: 'homeassistant', check: topic },
  instance: { kind: 'text', default: 'node-red', check: { editor: `return s === '' || ${String(INSTANCE_RULE)}.test(s);` } },
  // Empty: `<base>/<instance>/status` (the editor shows it as the placeholder).
  instanceTopic: { kind: 'text', default: '', check: topic, what: 'instance topic' },
  expireAfter: { kind: 'whole', default: 0, min: 0, max: 86400, what: 'expire after' },
  controls: { kind: 'flag', default: false },
  plainFields: { kind: 'flag', default: false },
  qos: { kind: 'choice', options: [0, 1, 2], default: 0 },
} as const satisfies Schema;
