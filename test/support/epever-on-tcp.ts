// One simulated Epever served over Modbus TCP around each test, and the flow of one epever-tracer on it.
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { helper, onTab } from './node-red';

export const NOON = new Date('2026-06-21T12:00:00Z');

export interface SimulatedEpever {
  sim: EpeverSimulator;
  server: TcpEndpoint;
}

/** Starts a simulator held at noon and Node-RED's test server before each test, and stops both after it. */
export function epeverOnTcpEachTest(): SimulatedEpever {
  const env = {} as SimulatedEpever;
  beforeEach(async () => {
    env.sim = new EpeverSimulator({ unitId: 1, now: () => NOON });
    env.server = await serveTcp([env.sim], { port: 0 });
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await env.server.close();
  });
  return env;
}

/** An epever-tracer "Shed" (unit 1) on a modbus-bus to `port`, its output to "out", a Catch to "caught". */
export function epeverFlow(port: number, epever: Record<string, unknown> = {}, bus: Record<string, unknown> = {}): object[] {
  return onTab(
    [{ id: 'bus', type: 'modbus-bus', transport: 'tcp', host: '127.0.0.1', port, timeoutMs: 300, retries: 0, ...bus }],
    [
      { id: 'epever', type: 'epever-tracer', name: 'Shed', bus: 'bus', unitId: 1, interval: 0, wires: [['out']], ...epever },
      { id: 'out', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ],
  );
}
