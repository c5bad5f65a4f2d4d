// Config node: one InfluxDB server (2.x/3.x bucket with a token, or a 1.x database with a user and password),
// shared by influxdb-out nodes. It holds settings only: each writer opens its own HTTP requests.
import type { NodeAPI, NodeDef } from 'node-red';
import { messageOf } from '../common/errors';
import { describeInflux, parseInfluxSettings, type InfluxCredentials } from './influx-config';
import type { InfluxDbNode } from './influx-node';

type InfluxDbDef = NodeDef & Record<string, unknown>;

export = function register(RED: NodeAPI): void {
  function InfluxDb(this: InfluxDbNode, config: InfluxDbDef): void {
    RED.nodes.createNode(this, config);
    try {
      this.settings = parseInfluxSettings(config, this.credentials ?? {});
      this.description = describeInflux(this.settings);
    } catch (err) {
      this.settingsError = messageOf(err);
      this.description = 'invalid';
      this.error(RED._('influxdb.errors.settings', { error: this.settingsError }));
    }
  }
  RED.nodes.registerType<InfluxDbNode, InfluxDbDef, unknown, InfluxCredentials>('influxdb', InfluxDb, {
    credentials: {
      token: { type: 'password' },
      user: { type: 'text' },
      password: { type: 'password' },
      ca: { type: 'text' },
    },
  });
};
