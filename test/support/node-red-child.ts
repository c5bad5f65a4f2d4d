// Child-process entry for test/support/node-red-process.ts: one real Node-RED runtime (RED is a singleton per
// process, so two runtimes, or a runtime beside the test helper's, need processes of their own). Reads its
// settings from the environment, says READY on stdout once the flows run, stops cleanly on SIGTERM.
import { startNodeRed } from '../../scripts/demo/node-red';

const FLOWS_START_LIMIT_MS = 30_000;

async function main(): Promise<void> {
  const userDir = process.env.NR_USER_DIR;
  const port = Number(process.env.NR_PORT);
  if (!userDir || !Number.isInteger(port)) throw new Error('NR_USER_DIR and NR_PORT are required');
  const nodeRed = await startNodeRed({ host: '127.0.0.1', port, userDir });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    nodeRed.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  await nodeRed.flowsStarted(FLOWS_START_LIMIT_MS);
  process.stdout.write('READY\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`node-red-child: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
