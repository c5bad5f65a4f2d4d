import type { Node } from 'node-red';
import type { Pi30Connection } from './connection';

/** The pi30-port config node as device nodes see it. */
export interface Pi30PortNode extends Node {
  /** Undefined when the settings are invalid; `settingsError` then says why. */
  connection?: Pi30Connection;
  settingsError?: string;
  description: string;
}
