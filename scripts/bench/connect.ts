// A ModbusConnection as the modbus-bus node holds it: registered, and connected before the bench starts.
import { parseBusSettings } from '../../nodes/modbus-bus/bus-config';
import { ModbusConnection, type LinkStatus } from '../../nodes/modbus-bus/connection';

const USER = 'bench';

export async function connect(busConfig: Record<string, unknown>, waitMs = 5000): Promise<ModbusConnection> {
  const connection = new ModbusConnection(parseBusSettings({ timeoutMs: 1000, retries: 1, ...busConfig }));
  const connected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bus not connected within ${waitMs} ms: ${describe(connection.linkStatus)}`)), waitMs);
    const onStatus = (status: LinkStatus) => {
      if (status.state !== 'connected') return;
      clearTimeout(timer);
      connection.off('status', onStatus);
      resolve();
    };
    connection.on('status', onStatus);
  });
  connection.register(USER);
  try {
    await connected;
  } catch (err) {
    await connection.deregister(USER);
    throw err;
  }
  return connection;
}

export function disconnect(connection: ModbusConnection): Promise<void> {
  return connection.deregister(USER);
}

function describe(status: LinkStatus): string {
  return status.reason ? `${status.state} (${status.reason})` : status.state;
}
