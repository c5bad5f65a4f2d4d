import type { Node } from 'node-red';
import type { InfluxCredentials, InfluxSettings } from './influx-config';

/** The influxdb config node as writer nodes see it. */
export interface InfluxDbNode extends Node<InfluxCredentials> {
  /** Undefined when the settings are invalid; `settingsError` then says why. */
  settings?: InfluxSettings;
  settingsError?: string;
  description: string;
}
