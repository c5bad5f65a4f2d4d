#!/usr/bin/env node
// solar-telemetry-sim: serves simulated devices over Modbus TCP, RTU over TCP, PI30 over TCP and/or a
// pseudo-terminal, for tests, the demo and anyone without the hardware.
import { parseArgs } from 'node:util';
import type { ModbusDevice } from '../nodes/common/simulator/modbus-slave/device';
import { servePty } from '../nodes/common/simulator/modbus-slave/serve-pty';
import { serveRtuOverTcp } from '../nodes/common/simulator/modbus-slave/serve-rtu-over-tcp';
import { serveTcp } from '../nodes/common/simulator/modbus-slave/serve-tcp';
import { EpeverSimulator } from '../nodes/epever-tracer/simulator';
import { MODEL_INFO } from '../nodes/pzem017/models';
import { PzemSimulator } from '../nodes/pzem017/simulator';
import type { PtyOptions } from '../nodes/common/simulator/modbus-slave/serve-pty';
import { servePi30Pty, servePi30Tcp } from '../nodes/mpp-pi30/simulator/serve';
import { Pi30Simulator } from '../nodes/mpp-pi30/simulator/inverter';
import { VARIANTS, type Variant } from '../nodes/mpp-pi30/protocol/variants';

type Transport = 'tcp' | 'rtu-tcp' | 'pty';

interface Running {
  /** What a client opens: "modbus-tcp 127.0.0.1:5020", "serial /tmp/.../b". */
  readonly where: string;
  close(): Promise<void>;
}

interface DeviceKind {
  readonly summary: string;
  readonly transports: readonly Transport[];
  /** The TCP port served when no transport is chosen. */
  readonly defaultTcpPort: number;
  /** Modbus devices: the unit id of a factory-fresh device. PI30 devices have none. */
  readonly defaultUnit?: number;
  /** PI30 devices: the firmware families it can be (`--variant`). */
  readonly variants?: readonly Variant[];
  /** Makes the one simulated device of a run and returns how to serve it on a transport. */
  create(plan: Plan): (transport: Transport, port: number) => Promise<Running>;
}

function serveModbus(
  device: ModbusDevice | readonly ModbusDevice[],
  plan: Plan,
  transport: Transport,
  port: number,
  pty: PtyOptions = {},
): Promise<Running> {
  const devices = Array.isArray(device) ? device : [device as ModbusDevice];
  switch (transport) {
    case 'tcp':
      return serveTcp(devices, { host: plan.host, port }).then((s) => ({ where: `modbus-tcp ${s.host}:${s.port}`, close: () => s.close() }));
    case 'rtu-tcp':
      return serveRtuOverTcp(devices, { host: plan.host, port }).then((s) => ({ where: `rtu-over-tcp ${s.host}:${s.port}`, close: () => s.close() }));
    case 'pty':
      return servePty(devices, pty).then((line) => ({ where: `serial ${line.path}`, close: () => line.close() }));
  }
}

const KINDS: Record<string, DeviceKind> = {
  epever: {
    summary: 'Epever Tracer AN/BN MPPT charge controller, 12 V system, 200 Ah sealed battery',
    transports: ['tcp', 'rtu-tcp', 'pty'],
    defaultTcpPort: 5020,
    defaultUnit: 1,
    create(plan) {
      const device = new EpeverSimulator({ unitId: plan.unitId, speed: plan.speed });
      return (transport, port) => serveModbus(device, plan, transport, port);
    },
  },
  pzem: {
    summary: 'PZEM-017 DC meters (100 A shunt) on one RS-485 bus at 9600 8N2, unit ids --unit to --unit + --count - 1',
    transports: ['tcp', 'rtu-tcp', 'pty'],
    defaultTcpPort: 5040,
    defaultUnit: 1,
    create(plan) {
      const meters = Array.from({ length: plan.count }, (_, i) => new PzemSimulator({ unitId: plan.unitId + i, phase: i, current: 4 + 2 * i }));
      // The pseudo-terminal keeps to the meters' own line: 9600 baud, 8N2, bytes paced as on the wire.
      const { framing } = MODEL_INFO['PZEM-017'];
      return (transport, port) => serveModbus(meters, plan, transport, port, { baudRate: framing.baudRate, frame: framing, paced: true });
    },
  },
  'mpp-pi30': {
    summary: 'MPP-Solar / Voltronic 5 kVA 48 V hybrid inverter speaking PI30 (PI30MAX, PI30 or PI30 Revo), raw bytes as a serial bridge passes them',
    transports: ['tcp', 'pty'],
    defaultTcpPort: 5030,
    variants: VARIANTS,
    create(plan) {
      const sim = new Pi30Simulator({ speed: plan.speed, model: plan.variant });
      return (transport, port) =>
        transport === 'pty'
          ? servePi30Pty(sim).then((line) => ({ where: `serial ${line.path} (2400 8N1)`, close: () => line.close() }))
          : servePi30Tcp(sim, { host: plan.host, port }).then((s) => ({ where: `pi30-tcp ${s.host}:${s.port}`, close: () => s.close() }));
    },
  },
};

function usage(): string {
  const kinds = Object.entries(KINDS)
    .map(([name, kind]) => `  ${name.padEnd(10)} ${kind.summary}`)
    .join('\n');
  return `Usage: solar-telemetry-sim <kind> [options]

Serves a simulated device until interrupted (Ctrl-C).

Kinds:
${kinds}

Options:
  --unit N         Modbus unit id (default: the device's factory default; Modbus kinds only)
  --tcp PORT       serve on TCP PORT (0 picks a free port): Modbus TCP, or for mpp-pi30 the raw PI30
                   bytes a serial-to-network bridge passes
  --rtu-tcp PORT   serve raw RTU frames over TCP on PORT, as a serial-to-Ethernet gateway does
  --pty            serve the serial line on a pseudo-terminal (needs the optional package
                   @lydell/node-pty); prints the path to open
  --host HOST      address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --count N        pzem only: how many meters share the bus (default 1, at most 8)
  --speed N        simulated seconds per real second (default 1)
  --variant V      mpp-pi30 only: the firmware family, ${VARIANTS.join(', ')} (default pi30max); it answers
                   QPI, QMN and QVFW as that family does, so a node set to "auto" tells it
  -h, --help       show this text

With no transport option, TCP is served: port 5020 for epever, 5030 for mpp-pi30, 5040 for pzem.`;
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
  variant?: Variant;
  /** pzem: meters on the bus. */
  count: number;
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
      variant: { type: 'string' },
      count: { type: 'string' },
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
  if (rtuTcpPort !== undefined && !device.transports.includes('rtu-tcp')) throw new UsageError(`${kind} does not speak Modbus: use --tcp or --pty`);
  if (values.unit !== undefined && device.defaultUnit === undefined) throw new UsageError(`${kind} has no unit id`);
  const variant = device.variants?.find((v) => v === values.variant);
  if (values.variant !== undefined && !device.variants) throw new UsageError(`${kind} has no protocol variant`);
  if (values.variant !== undefined && !variant)
    throw new UsageError(`--variant must be one of ${device.variants?.join(', ')}, not "${values.variant}"`);
  if (values.count !== undefined && kind !== 'pzem') throw new UsageError(`${kind} is one device; --count is for pzem`);
  const count = integer(values.count, 'count', 1, 8) ?? 1;
  const unitId = integer(values.unit, 'unit', 1, 247) ?? device.defaultUnit ?? 0;
  if (device.defaultUnit !== undefined && unitId + count - 1 > 247)
    throw new UsageError(`--unit ${unitId} with --count ${count} goes past unit id 247`);
  if (tcpPort === undefined && rtuTcpPort === undefined && !values.pty) tcpPort = device.defaultTcpPort;
  return {
    kind,
    unitId,
    speed,
    host: values.host,
    tcpPort,
    rtuTcpPort,
    pty: values.pty,
    variant,
    count,
  };
}

async function run(plan: Plan): Promise<void> {
  const kind = KINDS[plan.kind];
  const serve = kind.create(plan);
  const units = plan.count > 1 ? `units ${plan.unitId}-${plan.unitId + plan.count - 1}` : `unit ${plan.unitId}`;
  const label = kind.defaultUnit === undefined ? (plan.variant ? `${plan.kind} (${plan.variant})` : plan.kind) : `${plan.kind} ${units}`;
  const running: Running[] = [];
  const closeAll = () => Promise.all(running.map((r) => r.close()));
  const wanted: [Transport, number][] = [];
  if (plan.tcpPort !== undefined) wanted.push(['tcp', plan.tcpPort]);
  if (plan.rtuTcpPort !== undefined) wanted.push(['rtu-tcp', plan.rtuTcpPort]);
  if (plan.pty) wanted.push(['pty', 0]);
  try {
    for (const [transport, port] of wanted) {
      const served = await serve(transport, port);
      running.push(served);
      console.log(`${label}: ${served.where}`);
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
