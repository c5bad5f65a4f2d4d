// What a timescale-out user sees and reads in a real Node-RED runtime, against PostgreSQL (embedded): the
// database refusing the login or lacking the database, spool and loss counts together, a write that hangs,
// and readings with fields that do not fit.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Database } from '../../nodes/timescale-db/database';
import { catchNode, collect, getNode, helper, statuses, waitFor, type StatusCall } from '../support/node-red';
import { clientConfig, freePort, query } from '../support/postgres';
import { timescaleOutBench } from '../support/timescale-out-node';
import { withLocale } from '../support/timescale-words';

/* eslint-disable @typescript-eslint/no-require-imports */
const timescaleDbNode = withLocale(require('../../nodes/timescale-db/timescale-db'));
const timescaleOutNode = withLocale(require('../../nodes/timescale-out/timescale-out'));
const completeNode = require('@node-red/nodes/core/common/24-complete.js');
const NODES = [timescaleDbNode, timescaleOutNode, catchNode, completeNode];

const ERROR = 20;

interface LogLine {
  level: number;
  id?: string;
  msg?: unknown;
}

const reading = (second: number, fields: Record<string, unknown> = {}) => ({
  device: 'shed',
  payload: {
    timestamp: new Date(Date.parse('2026-06-21T12:00:00Z') + second * 1000).toISOString(),
    pv: { voltage: 18.2, power: 140 + second },
    ...fields,
  },
});

describe('timescale-out node: what the user sees', function () {
  this.timeout(60_000);
  const bench = timescaleOutBench('timescale_status', ['out']);
  const { flow, credentials, send, rows } = bench;
  const errorsLogged = (pattern: RegExp) =>
    helper
      .log()
      .args.map((a) => a[0] as LogLine)
      .filter((l) => l.level === ERROR && l.id === 'out' && pattern.test(String(l.msg)));
  const shows = (seen: StatusCall[], fill: string, text: RegExp) => seen.some((s) => s.fill === fill && text.test(String(s.text)));

  /** Counts connection attempts from now on: each retry of the writer opens one. */
  function countAttempts(): () => number {
    const pool = (getNode('db') as unknown as { database: Database }).database.pool;
    let attempts = 0;
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
    (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args: unknown[]) => {
      attempts += 1;
      return connect(...args);
    };
    return () => attempts;
  }

  it('shows a wrong password as "auth failed", logs it once, spools the rows and stores them after a redeploy with the right one', async () => {
    await helper.load(NODES, flow({ table: 'auth_fix' }), credentials('not-the-password'));
    const seen = statuses('out');
    const completed = collect('completed');
    const attempts = countAttempts();
    for (let s = 0; s < 20; s++) send(reading(s));
    await waitFor(() => completed.length === 20, 10_000, 'every message spooled');
    await waitFor(() => shows(seen, 'red', /^auth failed/), 5000, 'an "auth failed" status');
    // The writer keeps retrying (capped backoff) and stays quiet about it.
    await waitFor(() => attempts() >= 3, 15_000, 'two retries');
    const logged = errorsLogged(/refused the login/);
    assert.equal(logged.length, 1, 'one log line for the whole outage');
    assert.match(
      String(logged[0].msg),
      /password authentication failed.*check the user and password of the timescale-db node and redeploy; rows are kept in the spool/,
    );
    // (Statuses without numbers stay locale keys; the editor translates those.)
    assert.ok(
      seen.every((s) => /^timescale-out\.status\.auth$/.test(String(s.text)) || /^auth failed(, \d+ sp)?$/.test(String(s.text))),
      JSON.stringify(seen),
    );

    await helper.unload();
    await helper.load(NODES, flow({ table: 'auth_fix' }), credentials());
    const deadline = Date.now() + 15_000;
    while ((await rows('auth_fix').catch(() => 0)) < 20) {
      if (Date.now() > deadline) throw new Error('spooled rows not stored after the redeploy');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await rows('auth_fix'), 20);
  });

  it('shows a missing database as "no database" and logs it once', async () => {
    await helper.load(NODES, flow({ table: 'nowhere' }, { database: 'no_such_database' }), credentials());
    const seen = statuses('out');
    const completed = collect('completed');
    send(reading(0));
    await waitFor(() => completed.length === 1, 10_000, 'the message spooled');
    await waitFor(() => shows(seen, 'red', /^no database/), 5000, 'a "no database" status');
    assert.equal(errorsLogged(/the database does not exist/).length, 1);
  });

  it('shows a missing right as "no permission", spools, and stores the rows once it is granted', async () => {
    const role = `writer_${Date.now().toString(36)}`;
    await query(bench.db, `CREATE ROLE ${role} LOGIN PASSWORD 'writer-password'`);
    await query(bench.db, 'REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await helper.load(NODES, flow({ table: 'granted' }, { user: role }), credentials('writer-password'));
    const seen = statuses('out');
    const completed = collect('completed');
    for (let s = 0; s < 5; s++) send(reading(s));
    await waitFor(() => completed.length === 5, 10_000, 'every message spooled');
    await waitFor(() => shows(seen, 'red', /^no permission/), 5000, 'a "no permission" status');
    assert.equal(errorsLogged(/lacks a right .*permission denied for schema public/).length, 1);
    await query(bench.db, `GRANT CREATE ON SCHEMA public TO ${role}`);
    const deadline = Date.now() + 30_000;
    while ((await rows('granted').catch(() => 0)) < 5) {
      if (Date.now() > deadline) throw new Error('spooled rows not stored once the right was granted');
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor(() => shows(seen, 'green', /\/s$/), 5000, 'writes going again');
  });

  it('shows spool and loss together, counts the loss since the deploy, and clears it on msg.reset_lost', async () => {
    const port = await freePort();
    await helper.load(NODES, flow({ table: 'lossy', spoolMB: 1, batchRows: 500 }, { port }), credentials());
    let seen = statuses('out');
    const completed = collect('completed');
    // Random digits deflate badly: some thousands of these overflow a 1 MB spool.
    const noise = () => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x${i}`, Math.random()]));
    for (let s = 0; s < 12_000; s++) send(reading(s, noise()));
    await waitFor(() => completed.length === 12_000, 30_000, 'every message spooled');
    await waitFor(() => shows(seen, 'red', /lost$/), 5000, 'a loss status');
    const lossView = seen.filter((s) => /lost$/.test(String(s.text))).pop();
    assert.match(String(lossView?.text), /^\d+(\.\d)?k? (spooled|sp), \d+(\.\d)?k? lost$/, 'the spool and the loss both shown');
    assert.ok(String(lossView?.text).length < 20);

    send({ reset_lost: true });
    await waitFor(() => shows(seen.slice(seen.indexOf(lossView as StatusCall) + 1), 'yellow', /spooled$/), 5000, 'the loss cleared');

    // The spool keeps its total, but after a redeploy the status counts from zero.
    const position = JSON.parse(await readFile(join(bench.spoolDir, 'position.json'), 'utf8')) as { droppedRows: number };
    assert.ok(position.droppedRows > 0);
    await helper.unload();
    await helper.load(NODES, flow({ table: 'lossy', spoolMB: 1, batchRows: 500 }, { port }), credentials());
    seen = statuses('out');
    await waitFor(() => shows(seen, 'yellow', /spooled$/), 10_000, 'the spool shown after the redeploy');
    assert.ok(!seen.some((s) => /lost/.test(String(s.text)) || s.fill === 'red'), JSON.stringify(seen));
  });

  it('shows "waiting" as soon as a write is overdue and spools the rows instead of holding them', async () => {
    // Statement timeout 12 s: a write is overdue after 2 s.
    await helper.load(NODES, flow({ table: 'stuck' }, { statementTimeoutMs: 12_000 }), credentials());
    const seen = statuses('out');
    const completed = collect('completed');
    send(reading(0));
    await waitFor(() => completed.length === 1, 10_000, 'the table made');
    const locker = new Client(clientConfig(bench.db));
    locker.on('error', () => undefined);
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE stuck IN ACCESS EXCLUSIVE MODE');
      for (let s = 1; s <= 25; s++) send(reading(s));
      await waitFor(() => shows(seen, 'yellow', /^waiting/), 5000, 'a "waiting" status');
      // Every message is done while the insert still waits on the lock: its rows are on disk.
      await waitFor(() => completed.length === 26, 5000, 'the rows spooled');
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }
    await waitFor(() => shows(seen, 'green', /\/s$/), 15_000, 'writes going again');
    const stored = await query<{ n: string; distinct: string }>(bench.db, 'SELECT count(*) AS n, count(DISTINCT time) AS distinct FROM stuck');
    assert.deepEqual(stored, [{ n: '26', distinct: '26' }], 'every row once');
  });

  it('stores a reading with a field that does not fit and tells Catch which; refuses a 5,000-field reading alone', async () => {
    await helper.load(NODES, flow({ table: 'misfit' }), credentials());
    const caught = collect('caught');
    const completed = collect('completed');
    send(reading(0, { temperature: 'n/a' }));
    await waitFor(() => completed.length === 1, 10_000, 'the first reading stored');
    send(reading(1, { temperature: 21.5 }));
    await waitFor(() => completed.length === 2, 10_000, 'the second reading stored');
    const columnsBefore = await query(bench.db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'misfit'");
    send(reading(2, { temperature: 'high' }));
    send(reading(3, Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, i]))));
    send(reading(4, { temperature: 22 }));
    await waitFor(() => completed.length === 4 && caught.length === 2, 10_000, 'three more stored, two reported');
    const reasons = caught.map((m) => (m.error as { message: string }).message).sort();
    assert.match(reasons[0], /payload has 5002 fields; a table holds at most 300/);
    assert.equal(
      reasons[1],
      'stored with fields left NULL: field "temperature" is the string "high", but column misfit.temperature is double precision; stored as NULL',
    );
    const stored = await query<{ temperature: number | null }>(bench.db, 'SELECT temperature FROM misfit ORDER BY time');
    assert.deepEqual(
      stored.map((r) => r.temperature),
      [null, 21.5, null, 22],
    );
    assert.equal(
      (await query(bench.db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'misfit'")).length,
      columnsBefore.length,
    );
  });
});
