import type { Node } from 'node-red';
import type { ModbusConnection } from './connection';

/** The modbus-bus config node as device nodes see it. */
export interface ModbusBusNode extends Node {
  /** Undefined when the settings are invalid; `settingsError` then says why. */
  connection?: ModbusConnection;
  settingsError?: string;
  description: string;
}
