// solar-telemetry-sim pzem: several meters on one simulated bus, each at its own unit id.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import ModbusRTU from 'modbus-serial';

const CLI = join(__dirname, '..', '..', 'scripts', 'simulate.js');

function run(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { stdio: 'pipe' });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
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

describe('solar-telemetry-sim pzem', function () {
  this.timeout(20000);
  let child: ChildProcessWithoutNullStreams | undefined;
  const client = new ModbusRTU();

  afterEach(async () => {
    if (client.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  it('serves --count meters from --unit over RTU over TCP, each answering at its own address', async () => {
    child = run(['pzem', '--count', '3', '--unit', '4', '--rtu-tcp', '0']);
    const line = await firstLine(child);
    const where = /^pzem units 4-6: rtu-over-tcp 127\.0\.0\.1:(\d+)$/.exec(line);
    assert.ok(where, line);
    client.setTimeout(500);
    await client.connectTelnet('127.0.0.1', { port: Number(where[1]) });
    for (const unit of [4, 5, 6]) {
      client.setID(unit);
      assert.equal((await client.readHoldingRegisters(2, 1)).data[0], unit, 'holding 0x0002 holds the address');
      const [voltage] = (await client.readInputRegisters(0, 8)).data;
      assert.ok(voltage > 1200 && voltage < 1400, `unit ${unit}: ${voltage / 100} V`);
    }
    client.setID(7);
    await assert.rejects(client.readInputRegisters(0, 8), 'no meter at unit 7');
    child.kill('SIGINT');
    assert.equal(await exited(child), 0);
  });

  it('refuses --count for a single-device kind, and a count past unit 247', async () => {
    for (const args of [
      ['epever', '--count', '2'],
      ['pzem', '--count', '9'],
      ['pzem', '--unit', '246', '--count', '3'],
    ]) {
      child = run(args);
      assert.equal(await exited(child), 2, args.join(' '));
    }
  });
});
