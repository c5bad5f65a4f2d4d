// Config node: the line to one PI30 inverter (serial port, TCP bridge or USB HID), shared by its device nodes.
import { readdir } from 'node:fs/promises';
import type { NodeAPI, NodeDef } from 'node-red';
import { messageOf } from '../common/errors';
import { Pi30Connection } from './connection';
import { parsePortSettings } from './port-config';
import type { LinkOwnerNode } from '../common/attach-link';

type Pi30PortDef = NodeDef & Record<string, unknown>;
type Pi30PortNode = LinkOwnerNode<Pi30Connection>;

export = function register(RED: NodeAPI): void {
  function Pi30Port(this: Pi30PortNode, config: Pi30PortDef): void {
    RED.nodes.createNode(this, config);
    try {
      const settings = parsePortSettings(config);
      this.connection = new Pi30Connection(settings);
    } catch (err) {
      this.settingsError = messageOf(err);
      this.error(RED._('pi30-port.errors.settings', { error: this.settingsError }));
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      const connection = this.connection;
      if (!connection) return done();
      connection.queue.close();
      connection.shutdown().then(done, done);
    });
  }
  RED.nodes.registerType('pi30-port', Pi30Port);

  // The editor offers the machine's serial ports and hidraw devices; listing HID needs no native code.
  RED.httpAdmin.get('/pi30-port/ports', RED.auth.needsPermission('pi30-port.read'), (_req, res) => {
    const serial = import('serialport')
      .then(({ SerialPort }) => SerialPort.list())
      .then((ports) => ports.map((p) => p.path))
      .catch(() => [] as string[]);
    const hidraw = readdir('/dev')
      .then((names) => names.filter((n) => n.startsWith('hidraw')).map((n) => `/dev/${n}`))
      .catch(() => [] as string[]);
    Promise.all([serial, hidraw]).then(
      ([serialPaths, hidPaths]) => res.json({ serial: serialPaths, hid: hidPaths }),
      () => res.json({ serial: [], hid: [] }),
    );
  });
};
