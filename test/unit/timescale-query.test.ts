import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Pool } from 'pg';
import { parameterCount, parseParameters, parseQuerySettings, readsThroughCursor } from '../../nodes/timescale-query/query-config';
import { runQuery } from '../../nodes/timescale-query/run-query';

describe('timescale-query: settings and parameters', () => {
  it('counts the parameters the SQL uses, not $n inside strings, names or comments', () => {
    assert.equal(parameterCount('SELECT * FROM t WHERE device = $1 AND time > now() - make_interval(hours => $2::int)'), 2);
    assert.equal(parameterCount('SELECT \'$9\', "a$7" FROM t -- $5\n WHERE x = $1 /* $8 */'), 1);
    assert.equal(parameterCount('SELECT 1'), 0);
  });

  it('takes msg.params as values only: plain values, exactly as many as the SQL uses', () => {
    const settings = parseQuerySettings({ sql: 'SELECT $1::text, $2::int' });
    assert.deepEqual(parseParameters(['shed', 24], settings), ['shed', 24]);
    assert.deepEqual(parseParameters([new Date(0), null], settings), ['1970-01-01T00:00:00.000Z', null]);
    assert.throws(() => parseParameters(['shed'], settings), /uses 2 parameter\(s\), msg.params has 1/);
    assert.throws(() => parseParameters('shed', settings), /must be an array/);
    assert.throws(() => parseParameters(['shed', { sql: 'DROP TABLE x' }], settings), /msg.params\[1\] must be/);
    assert.throws(() => parseParameters(['shed', Number.NaN], settings), /finite number/);
    assert.deepEqual(parseParameters(undefined, parseQuerySettings({ sql: 'SELECT 1' })), []);
  });

  it('refuses an empty query and names a bad row limit', () => {
    assert.throws(() => parseQuerySettings({ sql: '  ' }), /query is empty/);
    assert.throws(() => parseQuerySettings({ sql: 'SELECT 1', maxRows: 0 }), /maxRows/);
    assert.equal(parseQuerySettings({ sql: 'SELECT 1' }).maxRows, 10_000);
  });

  it('reads SELECT, VALUES, TABLE and WITH ... SELECT through a cursor, and runs every other statement as it is', () => {
    for (const sql of [
      'SELECT * FROM epever_tracer WHERE device = $1',
      '  (select 1) UNION (select 2)',
      '-- latest\nSELECT 1',
      '/* INSERT */ SELECT \'INSERT INTO x\' AS "update"',
      'VALUES (1), (2)',
      'TABLE epever_tracer_1d',
      'WITH s AS (SELECT 1) SELECT * FROM s',
      'SELECT pv_array_power FROM epever_tracer FOR SHARE',
    ]) {
      assert.equal(readsThroughCursor(sql), true, sql);
    }
    for (const sql of [
      'INSERT INTO t VALUES ($1) RETURNING *',
      'update t SET x = 1 RETURNING x',
      'DELETE FROM t RETURNING *',
      'CALL refresh_continuous_aggregate($1, NULL, NULL)',
      'SELECT * INTO copy_of_t FROM t',
      'WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone',
      'SHOW timezone',
      'EXPLAIN SELECT 1',
    ]) {
      assert.equal(readsThroughCursor(sql), false, sql);
    }
    assert.equal(parseQuerySettings({ sql: 'SELECT 1' }).readsThroughCursor, true);
  });

  it('survives the server dropping the connection between two statements of the cursor, and does not give it back', async () => {
    // A stand-in for a pg client whose server goes away right after BEGIN: pg then emits 'error' on the
    // client outside any query, and refuses every later query.
    class DroppedClient extends EventEmitter {
      released: unknown = 'not yet';
      private gone = false;
      async query(config: string | { text: string }): Promise<{ rows: unknown[] }> {
        if (this.gone) throw new Error('Client has encountered a connection error and is not queryable');
        if ((typeof config === 'string' ? config : config.text) === 'BEGIN') {
          this.gone = true;
          setImmediate(() => this.emit('error', new Error('Connection terminated unexpectedly')));
          await new Promise((resolve) => setImmediate(resolve));
        }
        return { rows: [] };
      }
      release(err?: Error) {
        this.released = err;
      }
    }
    const client = new DroppedClient();
    const pool = { connect: async () => client, query: async () => ({ rows: [] }) } as unknown as Pick<Pool, 'connect' | 'query'>;
    await assert.rejects(runQuery(pool, parseQuerySettings({ sql: 'SELECT 1' }), []), /not queryable/);
    assert.match(String(client.released), /Connection terminated unexpectedly|not queryable/);
    assert.equal(client.listenerCount('error'), 0, 'the listener is removed when the client goes back');
  });
});
