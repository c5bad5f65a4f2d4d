// The demo's knobs, from the command line and the environment, parsed into typed values at the edge.

export interface DemoOptions {
  /** Node-RED's HTTP port (editor, admin API, WebSocket feed). */
  editorPort: number;
  /** The simulator's Modbus TCP port; 0 asks for an ephemeral one. */
  simulatorPort: number;
  /** True when the port is only the default: if it is taken, an ephemeral port will do. */
  simulatorPortIsDefault: boolean;
  /** The PI30 inverter simulator's TCP port; 0 asks for an ephemeral one. */
  inverterPort: number;
  inverterPortIsDefault: boolean;
  /** Simulated seconds per real second. */
  speed: number;
  /** Node-RED's user directory; undefined means `.demo/` in the checkout. */
  userDir: string | undefined;
  /** The simulated time of day at start, minutes after midnight (solar time at the simulated site). */
  startMinutes: number;
  /** Fill the database with the past days of readings before the flows start. */
  history: boolean;
  help: boolean;
}

export const DEFAULT_EDITOR_PORT = 1880;
export const DEFAULT_SIMULATOR_PORT = 5020;
export const DEFAULT_INVERTER_PORT = 5030;
export const DEFAULT_SPEED = 60;
/** Mid-morning: the panels already produce, so no chart starts flat. */
export const DEFAULT_TIME = '10:00';

export const USAGE = `Usage: npm start -- [--time HH:MM] [--speed N] [--port N] [--sim-port N] [--inverter-port N] [--user-dir D] [--no-history]
   or: node dist/scripts/demo.js [the same options]

Starts every example flow of the package in Node-RED against stand-ins: the Epever simulator on Modbus TCP,
eight PZEM-017 meters, the PI30 inverter simulator, simulated PS100 panels, an MQTT broker, a TimescaleDB
and an Open-Meteo server, all in this process, and prints the URLs to open.

  --time HH:MM   the simulated time of day at start (env SIM_TIME, default ${DEFAULT_TIME}); solar time at the
                 simulated site, so 12:00 is when the sun is highest
  --speed N      simulated seconds per real second (env SIM_SPEED, default ${DEFAULT_SPEED}: a day in 24 min)
  --port N       Node-RED's port (env PORT, default ${DEFAULT_EDITOR_PORT})
  --sim-port N   the simulator's Modbus TCP port, 0 for any free one
                 (env SIM_PORT, default ${DEFAULT_SIMULATOR_PORT}, or a free one when that is taken)
  --inverter-port N  the PI30 inverter simulator's TCP port, 0 for any free one
                 (env INVERTER_PORT, default ${DEFAULT_INVERTER_PORT}, or a free one when that is taken)
  --user-dir D   Node-RED's user directory (env DEMO_USER_DIR, default .demo/ in the checkout)
  --no-history   start with an empty database (env SIM_HISTORY=0); by default it holds the past 30 days of
                 readings of the simulated Epever, inverter and PZEM meters, up to the simulated time of day
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** `--name value` or `--name=value` from argv, else the environment variable, else undefined. */
function pick(argv: readonly string[], flag: string, env: Env, variable: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return value;
    }
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  const value = env[variable];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function port(text: string, what: string, allowZero: boolean): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65535 || (value === 0 && !allowZero)) {
    throw new UsageError(`${what} must be a port number${allowZero ? ' (0 for any free port)' : ''}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** "HH:MM" (24 h) as minutes after midnight. */
export function parseTime(text: string): number {
  const match = /^(\d{1,2}):(\d\d)$/.exec(text);
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (!match || hours > 23 || minutes > 59) throw new UsageError(`time must be HH:MM between 00:00 and 23:59, got ${JSON.stringify(text)}`);
  return hours * 60 + minutes;
}

const KNOWN_FLAGS = ['--time', '--speed', '--port', '--sim-port', '--inverter-port', '--user-dir', '--no-history'];

export function parseOptions(argv: readonly string[], env: Env): DemoOptions {
  const help = argv.includes('--help') || argv.includes('-h');
  for (const arg of argv) {
    if (arg.startsWith('-') && arg !== '--help' && arg !== '-h' && !KNOWN_FLAGS.includes(arg.split('=')[0])) {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  const speedText = pick(argv, '--speed', env, 'SIM_SPEED');
  const speed = speedText === undefined ? DEFAULT_SPEED : Number(speedText);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 100_000) {
    throw new UsageError(`speed must be a number above 0 and at most 100000, got ${JSON.stringify(speedText)}`);
  }
  const editorText = pick(argv, '--port', env, 'PORT');
  const simulatorText = pick(argv, '--sim-port', env, 'SIM_PORT');
  const inverterText = pick(argv, '--inverter-port', env, 'INVERTER_PORT');
  return {
    editorPort: editorText === undefined ? DEFAULT_EDITOR_PORT : port(editorText, 'PORT', false),
    simulatorPort: simulatorText === undefined ? DEFAULT_SIMULATOR_PORT : port(simulatorText, 'SIM_PORT', true),
    simulatorPortIsDefault: simulatorText === undefined,
    inverterPort: inverterText === undefined ? DEFAULT_INVERTER_PORT : port(inverterText, 'INVERTER_PORT', true),
    inverterPortIsDefault: inverterText === undefined,
    speed,
    userDir: pick(argv, '--user-dir', env, 'DEMO_USER_DIR'),
    startMinutes: parseTime(pick(argv, '--time', env, 'SIM_TIME') ?? DEFAULT_TIME),
    history: !argv.includes('--no-history') && !/^(0|false|no|off)$/i.test(env.SIM_HISTORY?.trim() ?? ''),
    help,
  };
}
