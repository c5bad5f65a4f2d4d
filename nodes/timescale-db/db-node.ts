import type { Node } from 'node-red';
import type { Database } from './database';
import type { DbCredentials } from './db-config';

/** The timescale-db config node as writer nodes see it. */
export interface TimescaleDbNode extends Node<DbCredentials> {
  /** Undefined when the settings are invalid; `settingsError` then says why. */
  database?: Database;
  settingsError?: string;
  description: string;
}
