// Scale-out of examples/rollup/green-power-backend.json: two real Node-RED runtimes with the same flow, one
// mosquitto (MQTT 5 shared subscriptions: aedes has none) and one PostgreSQL. The broker hands each message of
// `$share/green-power/...` to one of them: every message is stored exactly once, both take a share, and each
// device's roll-ups are counted in one place (GREEN_POWER_INSTANCE / GREEN_POWER_INSTANCES).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { pointAtStandIns } from '../../scripts/demo/example-config';
import type { FlowNode } from '../../scripts/demo/flow';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { MOSQUITTO_INSTALL_HINT, mosquittoPath, startMosquitto, type Mosquitto } from '../support/mosquitto';
import { startNodeRedProcess, type NodeRedProcess } from '../support/node-red-process';
import { freePort, query, startPostgres, type Connection, type PostgresServer } from '../support/postgres';

const FILE = join(findPackageRoot(__dirname), 'examples', 'rollup', 'green-power-backend.json');
const FLOW = JSON.parse(readFileSync(FILE, 'utf8')) as FlowNode[];
const INSTANCES = 2;
const DEVICES = Array.from({ length: 8 }, (_, i) => `site-${String(i + 1).padStart(2, '0')}`);
const PER_DEVICE = 50;

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Health {
  status: string;
  instance: number;
  readings: number;
  bad_messages: number;
}

describe('green-power scale-out: two Node-RED runtimes share one $share subscription and one database', function () {
  this.timeout(180_000);
  const binary = mosquittoPath();
  let broker: Mosquitto | undefined;
  let pg: PostgresServer | undefined;
  let db: Connection;
  let client: MqttClient | undefined;
  const runtimes: NodeRedProcess[] = [];
  /** What was published: device -> epoch ms of each reading. */
  const sent = new Map<string, number[]>();

  before(async function () {
    if (!binary) {
      console.log(`      ${MOSQUITTO_INSTALL_HINT}`);
      this.skip();
    }
    [broker, pg] = await Promise.all([startMosquitto(binary), startPostgres()]);
    db = await pg.createDatabase('green_power');
    const flow = pointAtStandIns(FLOW, {
      mqtt: { host: '127.0.0.1', port: broker.port },
      database: { host: db.host, port: db.port, database: db.database, user: db.user },
    });
    for (let instance = 0; instance < INSTANCES; instance++) {
      const tcpPort = await freePort();
      runtimes.push(
        await startNodeRedProcess({
          flow: flow.map((n) => (n.type === 'tcp in' ? { ...n, port: String(tcpPort) } : n)),
          // The password a user keeps in the node's credentials; pg takes it from PGPASSWORD when none is set.
          env: { PGPASSWORD: db.password, GREEN_POWER_INSTANCE: String(instance), GREEN_POWER_INSTANCES: String(INSTANCES) },
        }),
      );
    }
    // Both runtimes in the share group, and each on its own roll-up topic, before anything is published.
    const share = String.raw`\$share/green-power/green-power/telemetry/#`;
    await broker.waitForLog(new RegExp(`${share}[\\s\\S]*${share}`), 30_000);
    for (let instance = 0; instance < INSTANCES; instance++) await broker.waitForLog(new RegExp(` green-power/rollup/${instance}/#`), 30_000);
    client = await connectAsync(broker.url, { protocolVersion: 5 });
  });

  after(async () => {
    await client?.endAsync();
    for (const runtime of runtimes) await runtime.stop();
    await broker?.stop();
    await pg?.close();
  });

  const health = (runtime: NodeRedProcess) => fetch(`${runtime.url}/api/health/`).then((r) => r.json() as Promise<Health>);

  it(`stores each of ${DEVICES.length * PER_DEVICE} messages exactly once, both runtimes taking a share`, async () => {
    assert.ok(client);
    // Stamped just now, a few ms apart per device, so every reading is in an open roll-up window.
    const start = Date.now() - 1000;
    const publishes: Promise<unknown>[] = [];
    // One device after the other: the broker hands a group's messages round in turn, so each device's
    // readings are split between both runtimes (device by device in turn would give each device one runtime).
    for (const [d, device] of DEVICES.entries()) {
      for (let k = 0; k < PER_DEVICE; k++) {
        const time = start + k * 10;
        sent.set(device, [...(sent.get(device) ?? []), time]);
        const payload = JSON.stringify({ timestamp: new Date(time).toISOString(), data: { temperature: 20 + d, irradiance: k } });
        publishes.push(client.publishAsync(`green-power/telemetry/${device}/environment`, payload, { qos: 1 }));
      }
    }
    publishes.push(client.publishAsync('green-power/telemetry/site-99/environment', '{"timestamp": ', { qos: 1 }));
    await Promise.all(publishes);

    const total = DEVICES.length * PER_DEVICE;
    const rows = await until(
      `${total} rows`,
      () => query<{ device: string; time: Date }>(db, 'SELECT device, time FROM environment_data ORDER BY device, time'),
      (r) => r.length >= total,
      60_000,
    );
    assert.equal(rows.length, total, 'no message stored twice');
    for (const device of DEVICES) {
      assert.deepEqual(
        rows.filter((r) => r.device === device).map((r) => r.time.getTime()),
        sent.get(device),
        `${device}: every reading, once`,
      );
    }
    const counters = await until(
      'the bad message counted',
      () => Promise.all(runtimes.map(health)),
      (h) => h.reduce((n, x) => n + x.bad_messages, 0) === 1,
      20_000,
    );
    assert.deepEqual(
      counters.map((h) => [h.status, h.instance]),
      [
        ['ok', 0],
        ['ok', 1],
      ],
    );
    assert.equal(
      counters.reduce((n, h) => n + h.readings, 0),
      total,
      'each message was taken by one runtime only',
    );
    // Either runtime answers for all of them, from the one database (plain PostgreSQL here).
    for (const runtime of runtimes) {
      const ready = await fetch(`${runtime.url}/api/ready/`);
      assert.equal(ready.status, 200);
      const page = (await fetch(`${runtime.url}/api/telemetry/environment-data/?device_id=site-03&page_size=20`).then((r) => r.json())) as {
        count: number;
        results: { device_id: string; temperature: number }[];
      };
      assert.deepEqual([page.count, page.results.length, page.results[0]?.device_id, page.results[0]?.temperature], [PER_DEVICE, 20, 'site-03', 22]);
    }
    for (const h of counters) assert.ok(h.readings > 0, `runtime ${h.instance} took a share (${JSON.stringify(counters.map((c) => c.readings))})`);
  });

  it("counts each device's readings once in its roll-ups, whichever runtime took them", async () => {
    // The 1-minute windows close on the clock, a minute at most after the readings plus the 5 s grace.
    const sums = await until(
      'the 1-minute roll-ups of every device',
      () =>
        query<{ device: string; samples: number; rows: number }>(
          db,
          'SELECT device, sum(sample_count)::int AS samples, count(*)::int AS rows FROM environment_data_1m GROUP BY device ORDER BY device',
        ),
      (r) => r.length === DEVICES.length && r.every((x) => x.samples >= PER_DEVICE),
      90_000,
    );
    assert.deepEqual(
      sums.map((r) => [r.device, r.samples]),
      DEVICES.map((d) => [d, PER_DEVICE]),
    );
    const [late] = await query<{ late: number }>(db, 'SELECT coalesce(sum(late_samples), 0)::int AS late FROM environment_data_1m');
    assert.equal(late.late, 0);
  });
});
