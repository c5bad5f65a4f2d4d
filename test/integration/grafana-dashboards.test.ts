// The Grafana dashboards in grafana, their queries run as Grafana runs them (macros expanded as its
// backend does, see support/grafana-macros.ts) over two days of Epever readings stored by this package's writers:
// the SQL panels against TimescaleDB (PGlite with the extension) over rows timescale-out's writer stored, the
// InfluxQL panels against InfluxDB 1.6 over points influxdb-out's writer stored.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../nodes/timescale-db/database';
import { parseDbSettings } from '../../nodes/timescale-db/db-config';
import { DbWriter } from '../../nodes/timescale-out/db-writer';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { flattenReading } from '../../nodes/timescale-out/row-flatten';
import { TableManager } from '../../nodes/timescale-out/tables';
import { parseInfluxSettings } from '../../nodes/influxdb/influx-config';
import { InfluxWriter } from '../../nodes/influxdb/influx-writer';
import { InfluxSink } from '../../nodes/influxdb-out/influx-sink';
import { parseOutSettings as parseInfluxOut } from '../../nodes/influxdb-out/out-config';
import { toPointRow } from '../../nodes/influxdb-out/point-row';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { expandInfluxQl, expandSql, type GrafanaRange } from '../support/grafana-macros';
import { influxServersAvailable, rowsOf, startInfluxd, type InfluxdServer } from '../support/influx';
import { startTimescale, type TimescaleServer } from '../support/timescale';

interface Target {
  refId: string;
  rawSql?: string;
  query?: string;
  format?: string;
  resultFormat?: string;
}
interface Dashboard {
  __inputs: { pluginId: string }[];
  panels: { title: string; type: string; targets: Target[] }[];
  templating: { list: { name: string; query: string }[] };
}

const root = findPackageRoot(__dirname);
const dashboard = (name: string) => JSON.parse(readFileSync(join(root, 'grafana', name), 'utf8')) as Dashboard;

const MINUTE = 60_000;
const DAY = 86_400_000;
const START = Date.parse('2026-03-01T00:00:00Z');
const DAYS = 2;

interface Sample {
  time: number;
  device: string;
  pv: number;
  soc: number;
  today: number;
  consumedToday: number;
  total: number;
  consumedTotal: number;
}

/** A reading a minute for two days, two devices; energy counters that grow through each UTC day. */
function ledger(): Sample[] {
  const samples: Sample[] = [];
  for (const [device, scale] of [
    ['shed', 1],
    ['roof', 2],
  ] as const) {
    let total = 100;
    let consumedTotal = 50;
    let today = 0;
    let consumedToday = 0;
    for (let m = 0; m < (DAYS * DAY) / MINUTE; m++) {
      const time = START + m * MINUTE;
      if (m > 0 && time % DAY === 0) [today, consumedToday] = [0, 0];
      const hour = (time % DAY) / 3_600_000;
      const pv = Math.round(scale * Math.max(0, 200 * Math.sin(((hour - 6) / 12) * Math.PI)) * 100) / 100;
      const kwh = pv / 60 / 1000;
      today += kwh;
      total += kwh;
      consumedToday += 0.0002;
      consumedTotal += 0.0002;
      samples.push({ time, device, pv, soc: 50 + (m % 50), today, consumedToday, total, consumedTotal });
    }
  }
  return samples;
}

const SAMPLES = ledger();
const payload = (s: Sample) => ({
  timestamp: new Date(s.time).toISOString(),
  pv_array: { voltage: 18 + s.pv / 100, current: s.pv / 18, power: s.pv },
  battery: { voltage: 13, charging_current: s.pv / 13.5, charging_power: s.pv * 0.96, soc: s.soc },
  load: { voltage: 12.9, current: 1.2, power: 15.5 },
  energy: { today_kwh: s.today, consumed_today_kwh: s.consumedToday, total_kwh: s.total, consumed_total_kwh: s.consumedTotal },
});

const RANGE: GrafanaRange = { from: START, to: START + DAYS * DAY - 1, interval: '5m', variables: { device: 'shed' } };
const shed = SAMPLES.filter((s) => s.device === 'shed');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const close = (actual: unknown, expected: number, what: string) =>
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) < 1e-6 * Math.max(1, Math.abs(expected)),
    `${what}: ${String(actual)} != ${expected}`,
  );
/** What every panel must show for the shed over the range, by panel title: checked on both stores. */
const firstBucket = shed.filter((s) => s.time < START + 5 * MINUTE);
const perDay = Array.from({ length: DAYS }, (_, d) => shed.filter((s) => Math.floor((s.time - START) / DAY) === d));
const last = shed[shed.length - 1];

function check(title: string, rows: Record<string, unknown>[]): void {
  switch (title) {
    case 'Voltages':
    case 'Currents':
    case 'Power':
    case 'Battery state of charge':
      assert.equal(rows.length, (DAYS * DAY) / (5 * MINUTE), `${title}: one row per 5 min bucket`);
      if (title === 'Power') close(rows[0].PV, mean(firstBucket.map((s) => s.pv)), 'first bucket PV power');
      if (title === 'Battery state of charge') close(rows[0].SOC, mean(firstBucket.map((s) => s.soc)), 'first bucket SOC');
      for (const row of rows)
        assert.ok(
          Object.values(row).every((v) => v !== null),
          `${title}: no gaps`,
        );
      return;
    case 'Energy per day (UTC days)':
      assert.equal(rows.length, DAYS);
      rows.forEach((row, d) => {
        close(row.generated, perDay[d][perDay[d].length - 1].today, `day ${d} generated`);
        close(row.consumed, perDay[d][perDay[d].length - 1].consumedToday, `day ${d} consumed`);
      });
      return;
    case 'Battery now':
      assert.equal(rows.length, 1);
      close(rows[0].SOC, last.soc, 'the last SOC');
      return;
    case 'Energy in range':
      assert.equal(rows.length, 1);
      close(rows[0].generated, last.total - shed[0].total, 'energy generated in range');
      close(rows[0].consumed, last.consumedTotal - shed[0].consumedTotal, 'energy consumed in range');
      return;
    default:
      assert.fail(`no expectation for panel ${title}`);
  }
}

describe('Grafana dashboard for TimescaleDB (grafana/solar-timescale.json)', function () {
  this.timeout(120_000);
  const board = dashboard('solar-timescale.json');
  let server: TimescaleServer;
  let database: Database;

  before(async () => {
    server = await startTimescale();
    const c = server.connection;
    database = new Database(parseDbSettings({ ...c, poolSize: 1 }, { password: c.password }));
    const out = parseOutSettings({ buckets: '' });
    const log = { info: () => undefined, warn: () => undefined };
    const sink = new DbWriter(
      database,
      new TableManager({ schema: out.schema, deviceColumn: out.deviceColumn, policy: out.policy }, log),
      out.schema,
      out.deviceColumn,
      log,
    );
    const rows = SAMPLES.map((s) =>
      flattenReading({ device: s.device, measurement: 'epever_tracer', payload: payload(s) }, { deviceColumn: 'device' }),
    );
    // PGlite (one wasm backend) dropped the connection on 500 rows of 17 fields in one INSERT; 100 at a time works.
    for (let i = 0; i < rows.length; i += 100) {
      const outcome = await sink.write(rows.slice(i, i + 100), { replay: false });
      assert.deepEqual(outcome.rejected, []);
    }
  });

  after(async () => {
    await database?.shutdown(1000);
    await server?.close();
  });

  it('is a PostgreSQL dashboard whose device list query finds the devices', async () => {
    assert.deepEqual(
      board.__inputs.map((i) => i.pluginId),
      ['grafana-postgresql-datasource'],
    );
    const [variable] = board.templating.list;
    const devices = (await database.pool.query<{ device: string }>(variable.query)).rows.map((r) => r.device);
    assert.deepEqual(devices, ['roof', 'shed']);
  });

  for (const timescaledb of [true, false]) {
    it(`answers every SQL panel with the readings stored (data source ${timescaledb ? 'with' : 'without'} TimescaleDB ticked)`, async () => {
      const titles: string[] = [];
      for (const panel of board.panels) {
        for (const target of panel.targets) {
          assert.ok(target.rawSql, `${panel.title} has SQL`);
          const sql = expandSql(target.rawSql, RANGE, timescaledb);
          assert.ok(!sql.includes('$'), `every macro expanded: ${sql}`);
          const { rows } = await database.pool.query<Record<string, unknown>>(sql);
          if (target.format === 'time_series' || panel.title.startsWith('Energy per day')) {
            assert.ok(
              rows.every((r) => 'time' in r),
              `${panel.title}: a time column`,
            );
          }
          // floor(extract(epoch ...)) gives numeric, which pg hands over as text; Grafana reads both.
          check(
            panel.title,
            rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && k !== 'time' ? Number(v) : v]))),
          );
          titles.push(panel.title);
        }
      }
      assert.deepEqual(titles, [
        'Voltages',
        'Currents',
        'Power',
        'Battery state of charge',
        'Energy per day (UTC days)',
        'Battery now',
        'Energy in range',
      ]);
    });
  }
});

describe('Grafana dashboard for InfluxDB (grafana/solar-influxdb.json)', function () {
  this.timeout(120_000);
  const board = dashboard('solar-influxdb.json');
  let influxd: InfluxdServer;

  before(async function () {
    if (!influxServersAvailable()) this.skip();
    influxd = await startInfluxd();
    await influxd.query('CREATE DATABASE solar');
    const sink = new InfluxSink(new InfluxWriter(parseInfluxSettings({ url: influxd.url, api: 'v1', database: 'solar' })), 'ms');
    const settings = parseInfluxOut({});
    const points = SAMPLES.map((s) => toPointRow({ device: s.device, measurement: 'epever_tracer', payload: payload(s) }, settings));
    for (let i = 0; i < points.length; i += 500) {
      const outcome = await sink.write(points.slice(i, i + 500), { replay: false });
      assert.deepEqual(outcome.rejected, []);
    }
  });

  after(async () => {
    await influxd?.close();
  });

  it('is an InfluxDB dashboard whose device list query finds the devices', async () => {
    assert.deepEqual(
      board.__inputs.map((i) => i.pluginId),
      ['influxdb'],
    );
    const [variable] = board.templating.list;
    assert.deepEqual(
      rowsOf(await influxd.query(variable.query, 'solar')).map((r) => r.value),
      ['roof', 'shed'],
    );
  });

  it('answers every InfluxQL panel with the points stored', async () => {
    const titles: string[] = [];
    for (const panel of board.panels) {
      for (const target of panel.targets) {
        assert.ok(target.query, `${panel.title} has a query`);
        const query = expandInfluxQl(target.query, RANGE);
        assert.ok(!query.includes('$'), `every macro expanded: ${query}`);
        const rows = rowsOf(await influxd.query(query, 'solar'));
        // InfluxQL's fill(null) shows empty buckets; these two days have none.
        check(panel.title, rows);
        titles.push(panel.title);
      }
    }
    assert.deepEqual(titles, [
      'Voltages',
      'Currents',
      'Power',
      'Battery state of charge',
      'Energy per day (UTC days)',
      'Battery now',
      'Energy in range',
    ]);
  });
});

describe('Grafana dashboard for the DC meters on InfluxDB (grafana/dc-meters-influxdb.json)', function () {
  this.timeout(120_000);
  const board = dashboard('dc-meters-influxdb.json');
  const METERS = ['battery', 'load', 'solar'];
  const BUCKET = 5 * MINUTE;
  interface MeterSample {
    time: number;
    device: string;
    voltage: number;
    current: number;
    power: number;
    energy: number;
    low: boolean;
  }
  // A reading a minute for two days from three meters, as the example stores them; the Wh counter only grows.
  const samples: MeterSample[] = METERS.flatMap((device, k) => {
    let energy = 1000 * (k + 1);
    return Array.from({ length: (DAYS * DAY) / MINUTE }, (_, m) => {
      const voltage = Math.round((12 + k + (m % 7) / 10) * 100) / 100;
      const current = Math.round((2 + k + (m % 11) / 10) * 100) / 100;
      const power = Math.round(voltage * current * 10) / 10;
      energy += m % 3 === 0 ? 2 : 1;
      return { time: START + m * MINUTE, device, voltage, current, power, energy, low: voltage < 12.2 + k };
    });
  });
  // Grafana writes a multi-value variable set to All as (a|b|c) inside a regex (its "regex" format).
  const range: GrafanaRange = { from: START, to: START + DAYS * DAY - 1, interval: '5m', variables: { meter: `(${METERS.join('|')})` } };
  const of = (device: string) => samples.filter((s) => s.device === device);
  let influxd: InfluxdServer;

  before(async function () {
    if (!influxServersAvailable()) this.skip();
    influxd = await startInfluxd();
    await influxd.query('CREATE DATABASE solar');
    const sink = new InfluxSink(new InfluxWriter(parseInfluxSettings({ url: influxd.url, api: 'v1', database: 'solar' })), 'ms');
    const settings = parseInfluxOut({ integers: 'energy_wh' });
    const points = samples.map((s) =>
      toPointRow(
        {
          device: s.device,
          measurement: 'pzem',
          payload: {
            timestamp: new Date(s.time).toISOString(),
            voltage: s.voltage,
            current: s.current,
            power: s.power,
            energy_wh: s.energy,
            low_voltage_alarm: s.low,
          },
        },
        settings,
      ),
    );
    for (let i = 0; i < points.length; i += 500) assert.deepEqual((await sink.write(points.slice(i, i + 500), { replay: false })).rejected, []);
  });

  after(async () => {
    await influxd?.close();
  });

  it('lists the meters in its Meter variable', async () => {
    const [variable] = board.templating.list;
    assert.deepEqual(
      rowsOf(await influxd.query(variable.query, 'solar')).map((r) => r.value),
      METERS,
    );
  });

  it('answers every panel with the readings stored: means per bucket, energy per day, alarm counts, per meter', async () => {
    const titles: string[] = [];
    for (const panel of board.panels) {
      const [target] = panel.targets;
      const query = expandInfluxQl(target.query ?? '', range);
      // A `$` before a name is a macro or variable left over; the regex's own `$/` anchor is not.
      assert.ok(!/\$[\w{]/.test(query), `every macro expanded: ${query}`);
      const rows = rowsOf(await influxd.query(query, 'solar'));
      titles.push(panel.title);
      const firstOf = of('battery').filter((s) => s.time < START + BUCKET);
      switch (panel.title) {
        case 'Voltage':
        case 'Current':
        case 'Power': {
          const field = panel.title.toLowerCase() as 'voltage' | 'current' | 'power';
          assert.equal(rows.length, (METERS.length * DAYS * DAY) / BUCKET, `${panel.title}: a row per 5 min per meter`);
          close(rows[0][field], mean(firstOf.map((s) => s[field])), `${panel.title}: the battery meter's first bucket`);
          break;
        }
        case 'Energy per day (UTC days)':
          assert.equal(rows.length, METERS.length * DAYS);
          METERS.forEach((device, k) =>
            Array.from({ length: DAYS }, (_, d) => {
              const day = of(device).filter((s) => Math.floor((s.time - START) / DAY) === d);
              close(rows[k * DAYS + d].energy, day[day.length - 1].energy - day[0].energy, `${device} day ${d}`);
            }),
          );
          break;
        case 'Low-voltage alarm readings in range':
          assert.deepEqual(
            rows.map((r) => r.alarms),
            METERS.map((device) => of(device).filter((s) => s.low).length),
          );
          break;
        default:
          assert.fail(`no check for panel ${panel.title}`);
      }
    }
    assert.deepEqual(titles, ['Voltage', 'Current', 'Power', 'Energy per day (UTC days)', 'Low-voltage alarm readings in range']);
  });
});
