// The editor's settings read into the bridge's options; each error names the field that is wrong.
import { flag, oneOf, text, wholeNumber, type RawConfig } from '../common/config-fields';
import type { BridgeOptions, Qos } from './bridge';

const TOPIC_BASE = /^[^#+\s]+$/;

function topicSetting(raw: RawConfig, key: string, fallback: string): string {
  const value = text(raw, key, fallback).replace(/\/+$/, '');
  if (!TOPIC_BASE.test(value)) throw new RangeError(`${key} must be an MQTT topic without wildcards or spaces, got ${JSON.stringify(value)}`);
  return value;
}

export function parseHaConfig(raw: RawConfig): BridgeOptions {
  const base = topicSetting(raw, 'base', 'solar');
  const instance = text(raw, 'instance', 'node-red');
  if (!/^[a-zA-Z0-9_-]+$/.test(instance)) throw new RangeError(`instance must be letters, digits, _ and -, got ${JSON.stringify(instance)}`);
  return {
    prefix: topicSetting(raw, 'prefix', 'homeassistant'),
    base,
    instanceTopic: topicSetting(raw, 'instanceTopic', `${base}/${instance}/status`),
    instance,
    // Absent (a flow from before the setting): on, as the editor's default.
    discovery: raw.discovery === undefined ? true : flag(raw, 'discovery'),
    plainFields: flag(raw, 'plainFields'),
    controls: flag(raw, 'controls'),
    expireAfterS: wholeNumber(raw, 'expireAfter', 0, 0, 86400),
    qos: oneOf<Qos>(raw, 'qos', [0, 1, 2], 0),
  };
}
