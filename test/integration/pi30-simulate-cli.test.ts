// `solar-telemetry-sim mpp-pi30`: the PI30 inverter simulator on TCP and a serial pty, from the command line.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { exchangeThrough } from '../../nodes/mpp-pi30/protocol/exchange';
import { Pi30Connection } from '../../nodes/pi30-port/connection';
import { parsePortSettings } from '../../nodes/pi30-port/port-config';

const CLI = join(__dirname, '..', '..', 'scripts', 'simulate.js');

function run(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { stdio: 'pipe' });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function stderrOf(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = run(args);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return { code: await exited(child), stderr };
}

describe('solar-telemetry-sim mpp-pi30', function () {
  this.timeout(20000);
  let child: ChildProcessWithoutNullStreams | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  it('refuses Modbus-only options', async () => {
    assert.match((await stderrOf(['mpp-pi30', '--unit', '2'])).stderr, /mpp-pi30 has no unit id/);
    const rtu = await stderrOf(['mpp-pi30', '--rtu-tcp', '0']);
    assert.equal(rtu.code, 2);
    assert.match(rtu.stderr, /does not speak Modbus: use --tcp or --pty/);
  });

  it('serves the inverter on TCP and a pty, says where, answers on both, and stops on SIGINT', async () => {
    const sim = run(['mpp-pi30', '--tcp', '0', '--pty', '--speed', '60']);
    child = sim;
    const lines = await new Promise<string[]>((resolve, reject) => {
      let out = '';
      sim.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const got = out.split('\n').filter((l) => l.length > 0);
        if (got.length >= 2) resolve(got);
      });
      sim.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const tcp = /^mpp-pi30: pi30-tcp 127\.0\.0\.1:(\d+)$/.exec(lines[0]);
    const pty = /^mpp-pi30: serial (\S+) \(2400 8N1\)$/.exec(lines[1]);
    assert.ok(tcp && pty, lines.join(' / '));
    for (const raw of [{ transport: 'tcp', host: '127.0.0.1', port: tcp[1] }, { transport: 'serial', path: pty[1] }]) {
      const connection = new Pi30Connection(parsePortSettings({ ...raw, timeoutMs: 1000 }));
      connection.register('cli');
      try {
        const exchange = exchangeThrough((op) => connection.transact(op));
        assert.deepEqual(await exchange('QID'), { kind: 'data', text: '92932004101475' });
      } finally {
        await connection.deregister('cli');
      }
    }
    sim.kill('SIGINT');
    assert.equal(await exited(sim), 0);
  });

  it('serves the family --variant names, answering QPI, QMN and QVFW as that family does', async () => {
    const bad = await stderrOf(['mpp-pi30', '--variant', 'pi31']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--variant must be one of pi30, pi30max, pi30revo, not "pi31"/);
    assert.match((await stderrOf(['epever', '--variant', 'pi30'])).stderr, /epever has no protocol variant/);
    const sim = run(['mpp-pi30', '--tcp', '0', '--variant', 'pi30revo']);
    child = sim;
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      sim.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      sim.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const tcp = /^mpp-pi30 \(pi30revo\): pi30-tcp 127\.0\.0\.1:(\d+)$/.exec(line);
    assert.ok(tcp, line);
    const connection = new Pi30Connection(parsePortSettings({ transport: 'tcp', host: '127.0.0.1', port: tcp[1], timeoutMs: 1000 }));
    connection.register('cli');
    try {
      const exchange = exchangeThrough((op) => connection.transact(op));
      assert.deepEqual(await exchange('QPI'), { kind: 'data', text: 'PI30' });
      assert.deepEqual(await exchange('QMN'), { kind: 'nak' });
      assert.deepEqual(await exchange('QVFW'), { kind: 'nak' });
    } finally {
      await connection.deregister('cli');
    }
    sim.kill('SIGINT');
    assert.equal(await exited(sim), 0);
  });
});
