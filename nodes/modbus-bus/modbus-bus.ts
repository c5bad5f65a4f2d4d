// Config node: one Modbus bus (serial port, Modbus TCP or RTU-over-TCP gateway) shared by device nodes.
import type { NodeAPI, NodeDef } from 'node-red';
import type { LinkOwnerNode } from '../common/attach-link';
import { messageOf } from '../common/errors';
import { parseBusSettings } from './bus-config';
import { ModbusConnection } from './connection';

type ModbusBusNode = LinkOwnerNode<ModbusConnection>;
type ModbusBusDef = NodeDef & Record<string, unknown>;

export = function register(RED: NodeAPI): void {
  function ModbusBus(this: ModbusBusNode, config: ModbusBusDef): void {
    RED.nodes.createNode(this, config);
    try {
      const settings = parseBusSettings(config);
      this.connection = new ModbusConnection(settings);
    } catch (err) {
      this.settingsError = messageOf(err);
      this.error(RED._('modbus-bus.errors.settings', { error: this.settingsError }));
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      const connection = this.connection;
      if (!connection) return done();
      connection.queue.close();
      connection.shutdown().then(done, done);
    });
  }
  RED.nodes.registerType('modbus-bus', ModbusBus);

  // The editor offers the machine's serial ports in the port field.
  RED.httpAdmin.get('/modbus-bus/ports', RED.auth.needsPermission('modbus-bus.read'), (_req, res) => {
    import('serialport')
      .then(({ SerialPort }) => SerialPort.list())
      .then((ports) => res.json(ports.map((p) => ({ path: p.path, manufacturer: p.manufacturer ?? '' }))))
      .catch(() => res.json([]));
  });
};
