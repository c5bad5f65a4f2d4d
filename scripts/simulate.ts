#!/usr/bin/env node
// solar-telemetry-sim: serves simulated devices over Modbus TCP, RTU over TCP and/or a pseudo-terminal,
// for tests, the demo and anyone without the hardware.
import { parseArgs } from 'node:util';
import type { ModbusDevice } from '../nodes/common/modbus-slave/device';
import { servePty } from '../nodes/common/modbus-slave/serve-pty';
import { serveRtuOverTcp } from '../nodes/common/modbus-slave/serve-rtu-over-tcp';
import { serveTcp } from '../nodes/common/modbus-slave/serve-tcp';
import { EpeverSimulator } from '../nodes/epever-tracer/simulator';

interface DeviceKind {
  readonly summary: string;
  /** The default unit id of a factory-fresh device. */
  readonly defaultUnit: number;
  create(unitId: number, speed: number): ModbusDevice;
}

const KINDS: Record<string, DeviceKind> = {
  epever: {
    summary: 'Epever Tracer AN/BN MPPT charge controller, 12 V system, 200 Ah sealed battery',
    defaultUnit: 1,
    create: (unitId, speed) => new EpeverSimulator({ unitId, speed }),
  },
};

const DEFAULT_TCP_PORT = 5020;

function usage(): string {
  const kinds = Object.entries(KINDS)
    .map(([name, kind]) => `  ${name.padEnd(10)} ${kind.summary}`)
    .join('\n');
  return `Usage: solar-telemetry-sim <kind> [options]

Serves a simulated device until interrupted (Ctrl-C).

Kinds:
${kinds}

Options:
  --unit N         Modbus unit id (default: the device's factory default)
  --tcp PORT       serve Modbus TCP on PORT (0 picks a free port)
  --rtu-tcp PORT   serve raw RTU frames over TCP on PORT, as a serial-to-Ethernet gateway does
  --pty            serve RTU on a pseudo-terminal (needs socat); prints the path to open
  --host HOST      address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --speed N        simulated seconds per real second (default 1)
  -h, --help       show this text

With no transport option, Modbus TCP on port ${DEFAULT_TCP_PORT} is served.`;
}

class UsageError extends Error {}

interface Plan {
  kind: string;
  unitId: number;
  speed: number;
  host: string;
  tcpPort?: number;
  rtuTcpPort?: number;
  pty: boolean;
}

function integer(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer ${min}..${max}, not "${value}"`);
  return n;
}

function parse(argv: string[]): Plan | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      unit: { type: 'string' },
      tcp: { type: 'string' },
      'rtu-tcp': { type: 'string' },
      pty: { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      speed: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError('name one device kind');
  const kind = positionals[0];
  if (!Object.hasOwn(KINDS, kind)) throw new UsageError(`unknown device kind "${kind}"`);
  const device = KINDS[kind];
  const speed = Number(values.speed);
  if (!(speed > 0) || !Number.isFinite(speed)) throw new UsageError(`--speed must be a positive number, not "${values.speed}"`);
  let tcpPort = integer(values.tcp, 'tcp', 0, 65535);
  const rtuTcpPort = integer(values['rtu-tcp'], 'rtu-tcp', 0, 65535);
  if (tcpPort === undefined && rtuTcpPort === undefined && !values.pty) tcpPort = DEFAULT_TCP_PORT;
  return {
    kind,
    unitId: integer(values.unit, 'unit', 1, 247) ?? device.defaultUnit,
    speed,
    host: values.host,
    tcpPort,
    rtuTcpPort,
    pty: values.pty,
  };
}

async function run(plan: Plan): Promise<void> {
  const device = KINDS[plan.kind].create(plan.unitId, plan.speed);
  const label = `${plan.kind} unit ${plan.unitId}`;
  const running: { close(): Promise<void> }[] = [];
  const closeAll = () => Promise.all(running.map((r) => r.close()));
  try {
    if (plan.tcpPort !== undefined) {
      const server = await serveTcp([device], { host: plan.host, port: plan.tcpPort });
      running.push(server);
      console.log(`${label}: modbus-tcp ${server.host}:${server.port}`);
    }
    if (plan.rtuTcpPort !== undefined) {
      const server = await serveRtuOverTcp([device], { host: plan.host, port: plan.rtuTcpPort });
      running.push(server);
      console.log(`${label}: rtu-over-tcp ${server.host}:${server.port}`);
    }
    if (plan.pty) {
      const line = await servePty([device]);
      running.push(line);
      console.log(`${label}: serial ${line.path}`);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await closeAll();
}

async function main(argv: string[]): Promise<number> {
  let plan: Plan | 'help';
  try {
    plan = parse(argv);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`solar-telemetry-sim: ${message}\n\n${usage()}`);
    return 2;
  }
  if (plan === 'help') {
    console.log(usage());
    return 0;
  }
  try {
    await run(plan);
    return 0;
  } catch (err) {
    console.error(`solar-telemetry-sim: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
