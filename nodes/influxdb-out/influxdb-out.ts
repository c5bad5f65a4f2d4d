// Node-RED adapter: readings in, points out to InfluxDB through an influxdb config node, batched, spooled to
// disk while the server is away, and replayed in order when it returns. The pipeline is the shared sink node
// (nodes/common/sink); this node adds the point row and the line-protocol sink.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { messageOf } from '../common/errors';
import { refuseAllInput } from '../common/misconfigured';
import { runSinkNode } from '../common/sink/sink-node';
import { InfluxWriter } from '../influxdb/influx-writer';
import type { InfluxDbNode } from '../influxdb/influx-node';
import type { InfluxSettings } from '../influxdb/influx-config';
import { InfluxSink } from './influx-sink';
import { parseOutSettings, type OutSettings } from './out-config';
import { toPointRow, type PointRow } from './point-row';
import type { IncomingReading } from '../common/reading';

type InfluxOutDef = NodeDef & Record<string, unknown>;

function serverOf(RED: NodeAPI, configId: unknown): InfluxSettings {
  const config = typeof configId === 'string' ? (RED.nodes.getNode(configId) as InfluxDbNode | null) : null;
  if (!config) throw new Error('no influxdb server configured');
  if (!config.settings) throw new Error(`influxdb: ${config.settingsError ?? 'invalid settings'}`);
  return config.settings;
}

export = function register(RED: NodeAPI): void {
  function InfluxDbOut(this: Node, def: InfluxOutDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let settings: OutSettings;
    let server: InfluxSettings;
    try {
      settings = parseOutSettings(def);
      server = serverOf(RED, def.influxdb);
    } catch (err) {
      const error = messageOf(err);
      refuseAllInput(node, 'influxdb-out.status.config', RED._('influxdb-out.errors.config', { error }), error);
      return;
    }
    runSinkNode<PointRow>({
      RED,
      node,
      type: 'influxdb-out',
      sink: new InfluxSink(new InfluxWriter(server), settings.precision),
      toRow: (msg: NodeMessageInFlow) => toPointRow(msg as IncomingReading, settings),
      batchRows: settings.batchRows,
      batchMs: settings.batchMs,
      // The client gives up after its timeout; by then the rows are better off on disk.
      overdueMs: server.timeoutMs,
      spoolMaxBytes: settings.spoolMaxBytes,
      spoolDir: settings.spoolDir,
    });
  }
  RED.nodes.registerType('influxdb-out', InfluxDbOut);
};
