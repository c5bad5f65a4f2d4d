// The demo's simulated devices: the Epever on Modbus TCP, eight PZEM-017 meters on a second Modbus TCP port
// (one bus, unit ids 1 to 8), and the PI30 inverter on raw TCP: the usual port when it is free, any free port
// otherwise. All of them run on the demo's clock, which starts at the chosen time of day.
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { servePi30Tcp } from '../../nodes/mpp-pi30/simulator/serve';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { PzemSimulator } from '../../nodes/pzem017/simulator';

export const SIMULATOR_HOST = '127.0.0.1';
export const SIMULATOR_UNIT_ID = 1;
/** Meters on the simulated PZEM bus, unit ids 1..PZEM_METERS. */
export const PZEM_METERS = 8;

export interface RunningSimulator {
  endpoint: TcpEndpoint;
  /** Set when the wanted port was taken and an ephemeral one is used instead. */
  fellBackFrom?: number;
}

export interface SimulatorClock {
  /** Simulated seconds per real second. */
  speed: number;
  /** Simulated time minus wall time at the start, ms. */
  offsetMs: number;
  /** The clock the simulators read: the wall clock shifted so that the demo starts at its time of day. */
  now: () => Date;
}

function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}

/** Listens on `port`; when it is taken and `fallBack` is set, on any free port instead. */
export async function listenOn<T>(
  listen: (port: number) => Promise<T>,
  port: number,
  fallBack: boolean,
  variable: string,
): Promise<{ value: T; fellBackFrom?: number }> {
  try {
    return { value: await listen(port) };
  } catch (err) {
    if (!isAddressInUse(err)) throw err;
    if (!fallBack) throw new Error(`port ${port} is in use; set ${variable} to another one, or 0 for any free port`, { cause: err });
    return { value: await listen(0), fellBackFrom: port };
  }
}

async function serve(listen: (port: number) => Promise<TcpEndpoint>, port: number, fallBack: boolean, variable: string): Promise<RunningSimulator> {
  const { value, fellBackFrom } = await listenOn(listen, port, fallBack, variable);
  return { endpoint: value, fellBackFrom };
}

/**
 * A clock that reads `startMinutes` after today's UTC midnight now and runs on from there. The simulators put
 * solar noon at 12:00 UTC (longitude 0), so this is the solar time of day they show.
 */
export function clockStartingAt(startMinutes: number, speed: number, realNow: () => number = Date.now): SimulatorClock {
  const real = realNow();
  const midnight = Math.floor(real / 86_400_000) * 86_400_000;
  const offset = midnight + startMinutes * 60_000 - real;
  return { speed, offsetMs: offset, now: () => new Date(realNow() + offset) };
}

export function startSimulator(port: number, clock: SimulatorClock, fallBack: boolean): Promise<RunningSimulator> {
  const devices = [new EpeverSimulator({ unitId: SIMULATOR_UNIT_ID, ...clock })];
  return serve((p) => serveTcp(devices, { host: SIMULATOR_HOST, port: p }), port, fallBack, 'SIM_PORT');
}

/** Meter `unitId` of the simulated bus: each differs in phase and current, as meters on battery, panels and loads would. */
export function pzemMeter(unitId: number, now: () => Date): PzemSimulator {
  return new PzemSimulator({ unitId, now, phase: unitId - 1, current: 2 + 2 * unitId });
}

/** Eight DC meters, unit ids 1 to PZEM_METERS. */
export function startPzemSimulator(port: number, clock: SimulatorClock, fallBack: boolean): Promise<RunningSimulator> {
  const meters = Array.from({ length: PZEM_METERS }, (_, i) => pzemMeter(i + 1, clock.now));
  return serve((p) => serveTcp(meters, { host: SIMULATOR_HOST, port: p }), port, fallBack, 'PZEM_PORT');
}

export function startInverterSimulator(
  port: number,
  clock: SimulatorClock,
  fallBack: boolean,
): Promise<{ running: RunningSimulator; inverter: Pi30Simulator }> {
  const inverter = new Pi30Simulator(clock);
  return serve((p) => servePi30Tcp(inverter, { host: SIMULATOR_HOST, port: p }), port, fallBack, 'INVERTER_PORT').then((running) => ({
    running,
    inverter,
  }));
}
