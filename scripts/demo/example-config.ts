// The config nodes the examples share, and how the demo and the tests point them at simulators and embedded
// servers. Examples default to real hardware (serial ports, USB, I2C, localhost servers); every example that
// talks to the same device uses the same config node id, so importing a second example reuses the first's
// bus instead of opening the serial port twice (Node-RED's "import copy" keeps an existing config node of
// the same id).
import type { FlowNode } from './flow';

export const EXAMPLE_CONFIG_IDS = {
  epeverBus: 'c0f19b0000000001',
  pzemBus: 'c0f19b0000000002',
  inverterPort: 'c0f19b0000000003',
  mqttBroker: 'c0f19b0000000004',
  database: 'c0f19b0000000005',
  influxdb: 'c0f19b0000000006',
} as const;

export interface TcpEndpoint {
  host: string;
  port: number;
}

/** Where the stand-ins listen; a device or server left out keeps the example's own setting. */
export interface StandIns {
  epever?: TcpEndpoint;
  pzem?: TcpEndpoint;
  inverter?: TcpEndpoint;
  mqtt?: TcpEndpoint;
  /** `poolSize` 1 for a one-connection server such as PGlite. */
  database?: TcpEndpoint & { database?: string; user?: string; poolSize?: number };
  influxdb?: { url: string };
  /** Base URL of an Open-Meteo stand-in, for every open-meteo node. */
  openMeteo?: string;
  /** Every ps100-sampler reads the simulated I2C bus instead of /dev/i2c-N. */
  ps100Simulated?: boolean;
}

/**
 * The flow with its shared config nodes (and the nodes that name a source of their own) pointed at the
 * stand-ins. Nodes are copied, never changed in place.
 */
export function pointAtStandIns(flow: readonly FlowNode[], to: StandIns): FlowNode[] {
  const ids = EXAMPLE_CONFIG_IDS;
  return flow.map((node): FlowNode => {
    const n = { ...node };
    if (n.id === ids.epeverBus && to.epever) return { ...n, transport: 'tcp', ...to.epever };
    if (n.id === ids.pzemBus && to.pzem) return { ...n, transport: 'tcp', ...to.pzem };
    if (n.id === ids.inverterPort && to.inverter) return { ...n, transport: 'tcp', ...to.inverter };
    if (n.type === 'mqtt-broker' && to.mqtt) return { ...n, broker: to.mqtt.host, port: String(to.mqtt.port) };
    if (n.type === 'timescale-db' && to.database) return { ...n, ...to.database, tls: 'disable' };
    if (n.type === 'influxdb' && to.influxdb) return { ...n, url: to.influxdb.url };
    if (n.type === 'open-meteo' && to.openMeteo) return { ...n, server: 'custom', baseUrl: to.openMeteo };
    if (n.type === 'ps100-sampler' && to.ps100Simulated && n.source === 'bus') return { ...n, source: 'simulator' };
    return n;
  });
}
