// `npm start`: every example flow of the package, joined into one Node-RED, against stand-ins started in this
// process: the Epever simulator (Modbus TCP), eight PZEM-017 meters (Modbus TCP), the PI30 inverter simulator
// (TCP), simulated PS100 panels, an MQTT broker, TimescaleDB and an Open-Meteo server. Runs until Ctrl+C.
import { join, resolve } from 'node:path';
import {
  dashboard1xPages,
  dashboard2Pages,
  DASHBOARD_1X_PACKAGE,
  DASHBOARD_PACKAGE,
  findPackage,
  withoutDashboard,
  withoutDashboard1x,
  type DashboardPage,
} from './demo/dashboard';
import { pointAtStandIns, type StandIns } from './demo/example-config';
import {
  disableUsersOf,
  exampleFiles,
  joinFlows,
  mergeGlobalConfigs,
  readExampleFlow,
  pressedOnStart,
  keepFirstOf,
  websocketPaths,
  type FlowNode,
} from './demo/flow';
import { followSimulatedDay } from '../nodes/ps100-sampler/sim-bus-opener';
import { writeHistory, HISTORY_STEP_MS, type HistoryReport } from './demo/history';
import { startNodeRed, packageReport, type RunningNodeRed } from './demo/node-red';
import { startOpenMeteo, type OpenMeteoStandIn } from './demo/open-meteo';
import { parseOptions, UsageError, USAGE } from './demo/options';
import { isMissingModule, startMqttBroker, startTimescale, type RunningBroker, type RunningDatabase } from './demo/servers';
import { startHouseSensors } from './demo/house';
import {
  clockStartingAt,
  PZEM_METERS,
  SIMULATOR_HOST,
  SIMULATOR_UNIT_ID,
  startInverterSimulator,
  startPzemSimulator,
  startSimulator,
  type RunningSimulator,
} from './demo/simulator';
import { declaredNodeTypes, findPackageRoot, linkNodeModule, prepareUserDir } from './demo/user-dir';

const HOST = '127.0.0.1';
/** Beyond Node-RED's own 15 s close timeout, so its nodes get theirs first. */
const SHUTDOWN_LIMIT_MS = 20_000;
const FLOWS_START_LIMIT_MS = 60_000;
/** The roll-ups have a few readings by then (the devices are polled every 5 to 10 s). */
const PRESS_AGAIN_MS = 20_000;
const DEFAULT_PZEM_PORT = 5040;
const DEFAULT_MQTT_PORT = 1883;
const DEFAULT_DATABASE_PORT = 5432;

function log(line = ''): void {
  process.stdout.write(line + '\n');
}

function describeSpeed(speed: number): string {
  if (speed === 1) return 'real time';
  const dayMinutes = 1440 / speed;
  const day = dayMinutes >= 1 ? `${Number(dayMinutes.toFixed(1))} min` : `${Number((dayMinutes * 60).toFixed(1))} s`;
  return `${speed}x speed, a day every ${day}`;
}

function clockText(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function historyText(history: HistoryReport | string): string {
  if (typeof history === 'string') return history;
  if (history.stored.length === 0) return 'none: no simulated device is stored by a timescale-out node';
  const tables = history.stored.map((s) => `${s.table} ${s.device} (${s.days} d, ${s.rows} rows)`).join(', ');
  return `readings every ${HISTORY_STEP_MS / 60_000} min up to now, written in ${(history.ms / 1000).toFixed(1)} s: ${tables}`;
}

/** A server from a devDependency, or the reason it is not there (a production install lacks devDependencies). */
async function optional<T>(start: () => Promise<T>, what: string): Promise<T | string> {
  try {
    return await start();
  } catch (err) {
    if (isMissingModule(err)) return `${what} is not installed (npm ci in the checkout installs it)`;
    throw err;
  }
}

/** The URL lines of the banner: label, then what to open. */
function urlLines(flow: readonly FlowNode[], base: string, wsBase: string, pages: DashboardPage[]): [string, string][] {
  const lines: [string, string][] = [['Node-RED editor', `${base}/`]];
  for (const page of pages) {
    lines.push([page.package === DASHBOARD_PACKAGE ? 'Dashboard 2 page' : 'Dashboard 1.x tab', `${base}${page.path}  (${page.name})`]);
  }
  for (const path of websocketPaths(flow)) lines.push(['WebSocket', `${wsBase}${path}`]);
  const enabled = (n: FlowNode) => n.d !== true;
  for (const n of flow.filter((n) => n.type === 'http in' && enabled(n))) {
    const label = String(n.url) === '/metrics' ? 'Metrics' : 'REST endpoint';
    lines.push([label, `${String(n.method ?? 'get').toUpperCase()} ${base}${String(n.url)}`]);
  }
  return lines;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  if (options.help) {
    log(USAGE);
    return;
  }
  // This file runs as <build>/scripts/demo.js: dist/ for `npm start`, another folder for parallel builds.
  const buildRoot = resolve(__dirname, '..');
  const packageRoot = findPackageRoot(buildRoot);
  const userDir = resolve(options.userDir ?? join(packageRoot, '.demo'));
  const clock = clockStartingAt(options.startMinutes, options.speed);
  // The PS100 panels (simulated inside their nodes) follow the same simulated day as the other simulators.
  const startedAt = Date.now();
  followSimulatedDay((wallMs) => startedAt + clock.offsetMs + (wallMs - startedAt) * options.speed);

  const closers: (() => Promise<void>)[] = [];
  let nodeRed: RunningNodeRed | undefined;
  let stopping: Promise<void> | undefined;

  const shutdown = (signal: string) => {
    if (stopping) {
      log(`\n${signal} again: exiting without waiting`);
      process.exit(1);
    }
    log(`\n${signal}: stopping Node-RED and the stand-ins`);
    setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s; exiting\n`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    stopping = (async () => {
      // Node-RED first, so its nodes close their connections before the stand-ins go away.
      await nodeRed?.stop();
      for (const close of closers.reverse()) await close();
    })();
    stopping.then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const notes: string[] = [];
  const fellBack = (what: string, s: { fellBackFrom?: number }, port: number) => {
    if (s.fellBackFrom !== undefined) notes.push(`Port ${s.fellBackFrom} is taken; the ${what} uses ${port} instead.`);
  };
  const started = (s: RunningSimulator, what: string) => {
    closers.push(() => s.endpoint.close());
    fellBack(what, s, s.endpoint.port);
    return s.endpoint.port;
  };

  const epeverPort = started(await startSimulator(options.simulatorPort, clock, options.simulatorPortIsDefault), 'Epever simulator');
  const pzemPort = started(await startPzemSimulator(DEFAULT_PZEM_PORT, clock, true), 'PZEM simulator');
  const inverterPort = started(
    (await startInverterSimulator(options.inverterPort, clock, options.inverterPortIsDefault)).running,
    'inverter simulator',
  );

  const broker: RunningBroker | string = await optional(() => startMqttBroker(HOST, DEFAULT_MQTT_PORT), 'aedes (the MQTT broker)');
  if (typeof broker !== 'string') {
    closers.push(() => broker.close());
    fellBack('MQTT broker', broker, broker.port);
    // The MPP-Solar monitor's house sensors, on their old topics.
    const stopHouse = startHouseSensors((topic, payload) => broker.publish(topic, payload), clock);
    closers.push(async () => stopHouse());
  }
  const database: RunningDatabase | string = await optional(() => startTimescale(HOST, DEFAULT_DATABASE_PORT), 'PGlite with TimescaleDB');
  if (typeof database !== 'string') {
    closers.push(() => database.close());
    fellBack('database', database, database.port);
  }
  const openMeteo: OpenMeteoStandIn = await startOpenMeteo(HOST);
  closers.push(() => openMeteo.close());

  const standIns: StandIns = {
    epever: { host: SIMULATOR_HOST, port: epeverPort },
    pzem: { host: SIMULATOR_HOST, port: pzemPort },
    inverter: { host: SIMULATOR_HOST, port: inverterPort },
    openMeteo: openMeteo.baseUrl,
    ps100Simulated: true,
  };
  if (typeof broker !== 'string') standIns.mqtt = { host: broker.host, port: broker.port };
  if (typeof database !== 'string') {
    // PGlite is one backend: one connection at a time, so the pool holds one.
    standIns.database = { host: database.host, port: database.port, database: database.database, user: database.user, poolSize: 1 };
  }

  // Every example, joined: config nodes shared by id come once.
  const files = exampleFiles(packageRoot);
  let flow = pointAtStandIns(joinFlows(...files.map((file) => readExampleFlow(packageRoot, file))), standIns);

  const dashboard2 = findPackage(packageRoot, DASHBOARD_PACKAGE);
  const dashboard1x = findPackage(packageRoot, DASHBOARD_1X_PACKAGE);
  if (!dashboard2) flow = withoutDashboard(flow);
  if (!dashboard1x) flow = withoutDashboard1x(flow);
  flow = keepFirstOf(flow, 'ui_base');
  flow = mergeGlobalConfigs(flow, (module) => (module === DASHBOARD_PACKAGE ? !!dashboard2 : module === DASHBOARD_1X_PACKAGE ? !!dashboard1x : true));

  // Servers the demo has not: their users are disabled rather than failing and retrying all the time.
  const absent: { types: string[]; what: string }[] = [
    { types: ['influxdb'], what: 'InfluxDB (no InfluxDB in the demo; set its URL and enable them to try)' },
  ];
  if (typeof broker === 'string') absent.push({ types: ['mqtt-broker'], what: `MQTT (${broker})` });
  if (typeof database === 'string') absent.push({ types: ['timescale-db'], what: `TimescaleDB (${database})` });
  const disabledLines: string[] = [];
  // Each named with its flow tab: two examples may well call their InfluxDB node the same.
  const tabs = new Map(flow.filter((n) => n.type === 'tab').map((tab) => [tab.id, String(tab.label)]));
  const named = (n: FlowNode) => `${String(n.name || n.type)} (${tabs.get(String(n.z)) ?? 'global'})`;
  for (const { types, what } of absent) {
    const result = disableUsersOf(flow, types);
    flow = result.flow;
    if (result.disabled.length > 0) {
      disabledLines.push(
        `${result.disabled.length} node${result.disabled.length === 1 ? '' : 's'} using ${what}: ${result.disabled.map(named).join(', ')}`,
      );
    }
  }

  // The past days of readings, written before the flows start so the history charts have data from the start.
  let history: HistoryReport | string;
  if (typeof database === 'string') history = `off: ${database}`;
  else if (!options.history) history = 'off (--no-history)';
  else {
    const warnings: string[] = [];
    history = await writeHistory(flow, { endMs: Date.now(), offsetMs: clock.offsetMs }, { info: () => undefined, warn: (w) => warnings.push(w) });
    for (const w of warnings.slice(0, 3)) notes.push(`History: ${w}`);
  }

  prepareUserDir({ userDir, packageRoot, buildRoot, flow });
  linkNodeModule(userDir, DASHBOARD_PACKAGE, dashboard2);
  linkNodeModule(userDir, DASHBOARD_1X_PACKAGE, dashboard1x);
  nodeRed = await startNodeRed({ host: HOST, port: options.editorPort, userDir });

  // Every node type the package declares, so the start-up text lists what a user finds in the palette.
  const loaded = packageReport(declaredNodeTypes(packageRoot));
  if (loaded.problems.length > 0) {
    throw new Error(`Node-RED did not load this package's nodes (${loaded.problems.join('; ')}); run npm run build first`);
  }
  // The WebSocket paths and http in routes exist only once the flows run.
  await nodeRed.flowsStarted(FLOWS_START_LIMIT_MS);
  const base = `http://${HOST}:${options.editorPort}`;
  // Pages that show a device's settings or the day so far show them from the start, as if the user had pressed
  // "Read settings" or "today so far": now, and once more when the first readings are in.
  const press = () => Promise.all(pressedOnStart(flow).map((n) => fetch(`${base}/inject/${n.id}`, { method: 'POST' }).catch(() => undefined)));
  await press();
  setTimeout(() => void press(), PRESS_AGAIN_MS).unref();

  const pages = [...dashboard2Pages(flow), ...dashboard1xPages(flow)];
  const lines = urlLines(flow, base, `ws://${HOST}:${options.editorPort}`, pages);
  const stand = (label: string, text: string) => log(`  ${label.padEnd(20)}${text}`);
  log();
  log(`Solar telemetry demo: ${files.length} example flows`);
  for (const [label, url] of lines) stand(label, url);
  if (!dashboard2) stand('Dashboard 2', `off: ${DASHBOARD_PACKAGE} is not installed (npm ci installs it); its widgets are left out`);
  if (!dashboard1x) stand('Dashboard 1.x', `off: ${DASHBOARD_1X_PACKAGE} is not installed (npm ci installs it); its widgets are left out`);
  log('Stand-ins');
  stand('Simulated day', `starts at ${clockText(options.startMinutes)} (solar time), ${describeSpeed(options.speed)}`);
  stand('Epever simulator', `Modbus TCP ${SIMULATOR_HOST}:${epeverPort}, unit ${SIMULATOR_UNIT_ID}`);
  stand('PZEM-017 meters', `Modbus TCP ${SIMULATOR_HOST}:${pzemPort}, units 1 to ${PZEM_METERS}`);
  stand('Inverter simulator', `PI30 over TCP ${SIMULATOR_HOST}:${inverterPort}`);
  stand('PS100 panels', 'simulated I2C bus, as many panels as each node lists, on the simulated day');
  stand('MQTT broker', typeof broker === 'string' ? `off: ${broker}` : `mqtt://${broker.host}:${broker.port}`);
  if (typeof broker !== 'string') stand('House sensors', 'house/<sensor> on the broker every 30 s, retained (temperatures, humidity, fridge power)');
  stand(
    'TimescaleDB',
    typeof database === 'string'
      ? `off: ${database}`
      : `postgres://${database.user}@${database.host}:${database.port}/${database.database} (PGlite, timescaledb ${database.version}, in memory)`,
  );
  stand('History', historyText(history));
  stand('Open-Meteo', `${openMeteo.baseUrl}/v1/forecast (answers from the simulated weather)`);
  for (const line of disabledLines) stand('Disabled', line);
  for (const note of notes) stand('Note', note);
  stand('Nodes loaded', `${loaded.loaded.join(', ')} (v${loaded.version ?? '?'}, compiled in ${buildRoot})`);
  stand('User directory', `${userDir} (the flows are rewritten at each start; export what you want to keep)`);
  log('Press Ctrl+C to stop.');
  log();
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
