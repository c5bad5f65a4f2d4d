// `npm start`: the Epever simulator on Modbus TCP and an embedded Node-RED running the package's example
// flow against it, in one process, until Ctrl+C.
import { join, resolve } from 'node:path';
import { pointBusAt, readExampleFlow, websocketPath } from './demo/flow';
import { startNodeRed, packageReport, type RunningNodeRed } from './demo/node-red';
import { parseOptions, UsageError, USAGE } from './demo/options';
import { SIMULATOR_HOST, SIMULATOR_UNIT_ID, startSimulator, type RunningSimulator } from './demo/simulator';
import { findPackageRoot, prepareUserDir } from './demo/user-dir';

const HOST = '127.0.0.1';
/** Beyond Node-RED's own 15 s close timeout, so its nodes get theirs first. */
const SHUTDOWN_LIMIT_MS = 20_000;
const FLOWS_START_LIMIT_MS = 30_000;
const OUR_TYPES = ['modbus-bus', 'epever-tracer'];

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
  let nodeRed: RunningNodeRed | undefined;
  let stopping: Promise<void> | undefined;

  const shutdown = (signal: string) => {
    if (stopping) {
      log(`\n${signal} again: exiting without waiting`);
      process.exit(1);
    }
    log(`\n${signal}: stopping Node-RED and the simulator`);
    setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s; exiting\n`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    stopping = (async () => {
      // Node-RED first, so the bus closes its connection before the simulator goes away.
      await nodeRed?.stop();
      await simulator?.endpoint.close();
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

  const flow = pointBusAt(readExampleFlow(packageRoot), SIMULATOR_HOST, simPort);
  prepareUserDir({ userDir, packageRoot, buildRoot, flow });
  nodeRed = await startNodeRed({ host: HOST, port: options.editorPort, userDir });

  const loaded = packageReport(OUR_TYPES);
  if (loaded.problems.length > 0) {
    throw new Error(`Node-RED did not load this package's nodes (${loaded.problems.join('; ')}); run npm run build first`);
  }
  // The WebSocket path exists only once the flows run.
  await nodeRed.flowsStarted(FLOWS_START_LIMIT_MS);
  const wsPath = websocketPath(flow) ?? '/';
  log();
  log('Solar telemetry demo');
  log(`  Node-RED editor   ${nodeRed.url}`);
  log(`  WebSocket feed    ws://${HOST}:${options.editorPort}${wsPath}`);
  log(`  Epever simulator  Modbus TCP ${SIMULATOR_HOST}:${simPort}, unit ${SIMULATOR_UNIT_ID}, ${describeSpeed(options.speed)}`);
  log(`  Nodes loaded      ${OUR_TYPES.join(', ')} (v${loaded.version ?? '?'}, compiled in ${buildRoot})`);
  log(`  User directory    ${userDir} (the flow is rewritten at each start; export what you want to keep)`);
  log('Press Ctrl+C to stop.');
  log();
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
