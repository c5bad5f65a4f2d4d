import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import ModbusRTU from 'modbus-serial';
import { decodeGroup } from '../../nodes/common/modbus/register-codec';
import { REALTIME } from '../../nodes/epever-tracer/register-map';

const CLI = join(__dirname, '..', '..', 'scripts', 'simulate.js');

function start(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { stdio: 'pipe' });
}

/** Collects stdout until `count` lines have arrived. */
function lines(child: ChildProcessWithoutNullStreams, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const got = out.split('\n').filter((l) => l.length > 0);
      if (got.length >= count) resolve(got);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function output(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return exitCode(child).then((code) => ({ code, stdout, stderr }));
}

describe('solar-telemetry-sim', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  let client: ModbusRTU | undefined;

  afterEach(async () => {
    if (client?.isOpen) await new Promise<void>((resolve) => client?.close(() => resolve()));
    client = undefined;
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exitCode(child);
    }
    child = undefined;
  });

  it('prints usage for --help', async () => {
    const { code, stdout } = await output(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /Usage: solar-telemetry-sim <kind>/);
    assert.match(stdout, /epever/);
  });

  it('refuses an unknown kind or a bad option with exit code 2', async () => {
    const unknown = await output(['toString']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown device kind "toString"/);
    assert.equal((await output(['epever', '--unit', '300'])).code, 2);
  });

  it('serves an Epever on Modbus TCP and RTU over TCP, says where, and stops on SIGINT', async () => {
    child = start(['epever', '--unit', '7', '--tcp', '0', '--rtu-tcp', '0', '--speed', '60']);
    const [tcpLine, rtuLine] = await lines(child, 2);
    const tcp = /^epever unit 7: modbus-tcp 127\.0\.0\.1:(\d+)$/.exec(tcpLine);
    const rtu = /^epever unit 7: rtu-over-tcp 127\.0\.0\.1:(\d+)$/.exec(rtuLine);
    assert.ok(tcp && rtu, `${tcpLine} / ${rtuLine}`);

    client = new ModbusRTU();
    client.setTimeout(1000);
    await client.connectTCP('127.0.0.1', { port: Number(tcp[1]) });
    client.setID(7);
    const { data } = await client.readInputRegisters(0x3100, 0x13);
    const rt = decodeGroup(REALTIME.filter((d) => d.address < 0x3113), data, 0x3100);
    assert.ok(rt.batteryVoltage > 10 && rt.batteryVoltage < 16, `battery ${rt.batteryVoltage} V`);
    await new Promise<void>((resolve) => client?.close(() => resolve()));

    client = new ModbusRTU();
    client.setTimeout(1000);
    await client.connectTelnet('127.0.0.1', { port: Number(rtu[1]) });
    client.setID(7);
    assert.equal((await client.readHoldingRegisters(0x9000, 15)).data[1], 200, 'capacity 200 Ah');
    await new Promise<void>((resolve) => client?.close(() => resolve()));

    child.kill('SIGINT');
    assert.equal(await exitCode(child), 0);
  });
});
