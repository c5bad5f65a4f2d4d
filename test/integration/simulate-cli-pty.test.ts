// `solar-telemetry-sim epever --pty`: the Modbus simulator on a serial pseudo-terminal from the command line,
// and what it says when the optional package that makes the terminals is not installed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import ModbusRTU from 'modbus-serial';

const CLI = join(__dirname, '..', '..', 'scripts', 'simulate.js');
const WITHOUT_NODE_PTY = join(__dirname, '..', 'support', 'without-node-pty.js');

function start(args: string[], preload: string[] = []): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...preload.flatMap((p) => ['--require', p]), CLI, ...args], { stdio: 'pipe' });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

describe('solar-telemetry-sim on a serial pseudo-terminal', function () {
  this.timeout(20000);
  let child: ChildProcessWithoutNullStreams | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = exitOf(child);
      child.kill('SIGKILL');
      await exited;
    }
    child = undefined;
  });

  it('serves an Epever on a pty that a Modbus RTU client reads, and stops on SIGINT', async () => {
    child = start(['epever', '--pty', '--unit', '7']);
    const line = await firstLine(child);
    const where = /^epever unit 7: serial (\S+)$/.exec(line);
    assert.ok(where, line);
    const client = new ModbusRTU();
    await client.connectRTUBuffered(where[1], { baudRate: 115200 });
    try {
      client.setID(7);
      client.setTimeout(2000);
      const answer = await client.readInputRegisters(0x3100, 2);
      assert.equal(answer.data.length, 2);
    } finally {
      await new Promise<void>((resolve) => client.close(() => resolve()));
    }
    const exited = exitOf(child);
    child.kill('SIGINT');
    assert.equal((await exited).code, 0);
  });

  it('without the optional @lydell/node-pty, says which package --pty needs and exits 1', async () => {
    child = start(['epever', '--pty'], [WITHOUT_NODE_PTY]);
    const { code, stderr } = await exitOf(child);
    assert.equal(code, 1);
    assert.match(stderr, /needs the optional package @lydell\/node-pty \(npm install @lydell\/node-pty\)/);
  });

  it('without it, the TCP transports still serve', async () => {
    child = start(['epever', '--tcp', '0'], [WITHOUT_NODE_PTY]);
    assert.match(await firstLine(child), /^epever unit 1: modbus-tcp 127\.0\.0\.1:\d+$/);
  });
});
