// How a writer node joins a timescale-db config node: find it, register, and leave on close.
import type { Node, NodeAPI } from 'node-red';
import type { Database } from './database';
import type { TimescaleDbNode } from './db-node';

/** Throws an Error naming what is wrong when the config node is missing or misconfigured. */
export function attachToDatabase(RED: NodeAPI, node: Node, configId: unknown): Database {
  const config = typeof configId === 'string' ? (RED.nodes.getNode(configId) as TimescaleDbNode | null) : null;
  if (!config) throw new Error('no timescale-db configured');
  const database = config.database;
  if (!database) throw new Error(`timescale-db: ${config.settingsError ?? 'invalid settings'}`);
  database.register(node.id);
  return database;
}
