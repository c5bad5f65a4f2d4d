// `npm start`: the Epever simulator on Modbus TCP, the PI30 inverter simulator on TCP, and an embedded
// Node-RED running the package's example flows against them, in one process, until Ctrl+C.
import { join, resolve } from 'node:path';
import { dashboardPath, DASHBOARD_PACKAGE, findDashboard, withoutDashboard } from './demo/dashboard';
import { INVERTER_EXAMPLE_FLOW, joinFlows, pointBusAt, pointInverterAt, readExampleFlow, websocketPaths } from './demo/flow';
import { startNodeRed, packageReport, type RunningNodeRed } from './demo/node-red';
import { parseOptions, UsageError, USAGE } from './demo/options';
import { SIMULATOR_HOST, SIMULATOR_UNIT_ID, startInverterSimulator, startSimulator, type RunningSimulator } from './demo/simulator';
import { declaredNodeTypes, findPackageRoot, linkNodeModule, prepareUserDir } from './demo/user-dir';

const HOST = '127.0.0.1';
/** Beyond Node-RED's own 15 s close timeout, so its nodes get theirs first. */
const SHUTDOWN_LIMIT_MS = 20_000;
const FLOWS_START_LIMIT_MS = 30_000;

function log(line = ''): void {
  process.stdout.write(line + '\n');
}

function describeSpeed(speed: number): string {
  if (speed === 1) return 'real time';
  const dayMinutes = 1440 / speed;
  const day = dayMinutes >= 1 ? `${Number(dayMinutes.toFixed(1))} min` : `${Number((dayMinutes * 60).toFixed(1))} s`;
  return `${speed}x speed, a day every ${day}`;
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

  let simulator: RunningSimulator | undefined;
  let inverter: RunningSimulator | undefined;
  let nodeRed: RunningNodeRed | undefined;
  let stopping: Promise<void> | undefined;

  const shutdown = (signal: string) => {
    if (stopping) {
      log(`\n${signal} again: exiting without waiting`);
      process.exit(1);
    }
    log(`\n${signal}: stopping Node-RED and the simulators`);
    setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s; exiting\n`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    stopping = (async () => {
      // Node-RED first, so the bus and the port close their connections before the simulators go away.
      await nodeRed?.stop();
      await simulator?.endpoint.close();
      await inverter?.endpoint.close();
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

  simulator = await startSimulator(options.simulatorPort, options.speed, options.simulatorPortIsDefault);
  const { port: simPort } = simulator.endpoint;
  if (simulator.fellBackFrom !== undefined) log(`Port ${simulator.fellBackFrom} is taken; the simulator uses ${simPort} instead.`);

  inverter = await startInverterSimulator(options.inverterPort, options.speed, options.inverterPortIsDefault);
  const { port: inverterPort } = inverter.endpoint;
  if (inverter.fellBackFrom !== undefined) log(`Port ${inverter.fellBackFrom} is taken; the inverter simulator uses ${inverterPort} instead.`);

  const examples = joinFlows(
    pointBusAt(readExampleFlow(packageRoot), SIMULATOR_HOST, simPort),
    pointInverterAt(readExampleFlow(packageRoot, INVERTER_EXAMPLE_FLOW), SIMULATOR_HOST, inverterPort),
  );
  const dashboard = findDashboard(packageRoot);
  const flow = dashboard ? examples : withoutDashboard(examples);
  prepareUserDir({ userDir, packageRoot, buildRoot, flow });
  linkNodeModule(userDir, DASHBOARD_PACKAGE, dashboard);
  nodeRed = await startNodeRed({ host: HOST, port: options.editorPort, userDir });

  // Every node type the package declares, so the start-up text lists what a user finds in the palette.
  const loaded = packageReport(declaredNodeTypes(packageRoot));
  if (loaded.problems.length > 0) {
    throw new Error(`Node-RED did not load this package's nodes (${loaded.problems.join('; ')}); run npm run build first`);
  }
  // The WebSocket path exists only once the flows run.
  await nodeRed.flowsStarted(FLOWS_START_LIMIT_MS);
  const [wsPath = '/', inverterWsPath = '/'] = websocketPaths(flow);
  log();
  log('Solar telemetry demo');
  log(`  Node-RED editor     ${nodeRed.url}`);
  log(`  WebSocket feed      ws://${HOST}:${options.editorPort}${wsPath}`);
  log(`  Inverter feed       ws://${HOST}:${options.editorPort}${inverterWsPath} (MQTT output off: no broker in the demo)`);
  log(
    dashboard
      ? `  Dashboard           http://${HOST}:${options.editorPort}${dashboardPath(flow) ?? '/dashboard'}`
      : `  Dashboard           off: ${DASHBOARD_PACKAGE} is not installed (npm ci installs it); the flow runs without its widgets`,
  );
  log(`  Epever simulator    Modbus TCP ${SIMULATOR_HOST}:${simPort}, unit ${SIMULATOR_UNIT_ID}, ${describeSpeed(options.speed)}`);
  log(`  Inverter simulator  PI30 over TCP ${SIMULATOR_HOST}:${inverterPort}, ${describeSpeed(options.speed)}`);
  log(`  Nodes loaded        ${loaded.loaded.join(', ')} (v${loaded.version ?? '?'}, compiled in ${buildRoot})`);
  log(`  User directory      ${userDir} (the flows are rewritten at each start; export what you want to keep)`);
  log('Press Ctrl+C to stop.');
  log();
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
