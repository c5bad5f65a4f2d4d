// Config node: one Modbus bus (serial port, Modbus TCP or RTU-over-TCP gateway) shared by device nodes.
import type { NodeAPI, NodeDef } from 'node-red';
import type { LinkOwnerNode } from '../common/attach-link';
import { messageOf } from '../common/errors';
import { parseBusSettings } from './bus-config';
import { ModbusConnection } from './connection';
import { checkRange } from './scan';
import { DEFAULT_SCAN_TIMEOUT_MS, ScanJob } from './scan-job';

type ModbusBusNode = LinkOwnerNode<ModbusConnection>;
type ModbusBusDef = NodeDef & Record<string, unknown>;

export = function register(RED: NodeAPI): void {
  /** The last scan of each deployed bus, by node id: its state is what the editor polls. */
  const scans = new Map<string, ScanJob>();
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
      scans.get(this.id)?.cancel();
      scans.delete(this.id);
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

  // The editor's Scan button: probes unit ids through the deployed bus's queue. Changing what is on a bus is
  // not the point, but a scan occupies the bus and wakes every device on it, so it asks for write permission.
  const needsWrite = RED.auth.needsPermission('flows.write');
  const idOf = (req: { params: Record<string, string | string[]> }): string => String(req.params.id);
  const deployedBus = (id: string): ModbusBusNode | undefined => {
    const node = RED.nodes.getNode(id) as ModbusBusNode | null;
    return node?.type === 'modbus-bus' ? node : undefined;
  };
  const notDeployed = { error: 'not-deployed', message: 'This bus is not deployed yet (or its changes are not): deploy it, then scan.' };

  RED.httpAdmin.post('/modbus-bus/:id/scan', needsWrite, (req, res) => {
    const node = deployedBus(idOf(req));
    if (!node?.connection) return void res.status(404).json(node ? { error: 'settings', message: node.settingsError } : notDeployed);
    if (scans.get(node.id)?.state.running) return void res.status(409).json({ error: 'running', message: 'A scan of this bus is running.' });
    const body = (req.body ?? {}) as Record<string, unknown>;
    let range: { from: number; to: number };
    const timeoutMs = body.timeoutMs === undefined ? DEFAULT_SCAN_TIMEOUT_MS : Number(body.timeoutMs);
    try {
      range = checkRange(Number(body.from ?? 1), Number(body.to ?? 247));
      if (!Number.isInteger(timeoutMs) || timeoutMs < 20 || timeoutMs > 5000) throw new RangeError('the scan timeout is 20..5000 ms');
    } catch (err) {
      return void res.status(400).json({ error: 'range', message: messageOf(err) });
    }
    const job = new ScanJob(node.connection, range.from, range.to, timeoutMs);
    scans.set(node.id, job);
    res.json(job.state);
  });

  RED.httpAdmin.get('/modbus-bus/:id/scan', needsWrite, (req, res) => {
    if (!deployedBus(idOf(req))) return void res.status(404).json(notDeployed);
    const job = scans.get(idOf(req));
    if (!job) return void res.status(404).json({ error: 'none', message: 'No scan of this bus yet.' });
    res.json(job.state);
  });

  RED.httpAdmin.delete('/modbus-bus/:id/scan', needsWrite, (req, res) => {
    const job = scans.get(idOf(req));
    job?.cancel();
    res.json(job?.state ?? { running: false });
  });
};
