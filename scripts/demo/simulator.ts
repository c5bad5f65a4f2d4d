// The Epever simulator on Modbus TCP for the demo: the usual port when it is free, any free port otherwise.
import { serveTcp, type TcpEndpoint } from '../../nodes/common/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';

export const SIMULATOR_HOST = '127.0.0.1';
export const SIMULATOR_UNIT_ID = 1;

export interface RunningSimulator {
  endpoint: TcpEndpoint;
  /** Set when the wanted port was taken and an ephemeral one is used instead. */
  fellBackFrom?: number;
}

function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}

export async function startSimulator(port: number, speed: number, fallBack: boolean): Promise<RunningSimulator> {
  const devices = [new EpeverSimulator({ unitId: SIMULATOR_UNIT_ID, speed })];
  try {
    return { endpoint: await serveTcp(devices, { host: SIMULATOR_HOST, port }) };
  } catch (err) {
    if (!isAddressInUse(err)) throw err;
    if (!fallBack) throw new Error(`simulator port ${port} is in use; set SIM_PORT to another one, or 0 for any free port`);
    return { endpoint: await serveTcp(devices, { host: SIMULATOR_HOST, port: 0 }), fellBackFrom: port };
  }
}
