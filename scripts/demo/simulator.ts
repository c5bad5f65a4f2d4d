// The demo's simulators, the Epever on Modbus TCP and the PI30 inverter on raw TCP: the usual port when it is
// free, any free port otherwise.
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { servePi30Tcp } from '../../nodes/mpp-pi30/simulator/serve';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';

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

async function listenOn(
  listen: (port: number) => Promise<TcpEndpoint>,
  port: number,
  fallBack: boolean,
  variable: string,
): Promise<RunningSimulator> {
  try {
    return { endpoint: await listen(port) };
  } catch (err) {
    if (!isAddressInUse(err)) throw err;
    if (!fallBack) throw new Error(`simulator port ${port} is in use; set ${variable} to another one, or 0 for any free port`, { cause: err });
    return { endpoint: await listen(0), fellBackFrom: port };
  }
}

export function startSimulator(port: number, speed: number, fallBack: boolean): Promise<RunningSimulator> {
  const devices = [new EpeverSimulator({ unitId: SIMULATOR_UNIT_ID, speed })];
  return listenOn((p) => serveTcp(devices, { host: SIMULATOR_HOST, port: p }), port, fallBack, 'SIM_PORT');
}

export function startInverterSimulator(port: number, speed: number, fallBack: boolean): Promise<RunningSimulator> {
  const inverter = new Pi30Simulator({ speed });
  return listenOn((p) => servePi30Tcp(inverter, { host: SIMULATOR_HOST, port: p }), port, fallBack, 'INVERTER_PORT');
}
