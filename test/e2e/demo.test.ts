// What a new user sees after `npm start`, checked without knowing which examples there are: every example file
// runs (joined, against the stand-ins), every dashboard page and REST endpoint the start-up text lists answers,
// each page's widgets get values, the palette holds our nodes, Import > Examples offers every file, and Ctrl+C
// stops it cleanly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ModbusRTU from 'modbus-serial';
import { exampleFiles, type FlowNode } from '../../scripts/demo/flow';
import { launchDemo, type RunningDemo } from '../../scripts/demo/launch';
import { declaredNodeTypes, findPackageRoot } from '../../scripts/demo/user-dir';
import { Dashboard1xClient, dashboard2Value, type UiUpdate } from '../support/dashboard-clients';

const PACKAGE_NAME = 'node-red-contrib-solar-telemetry';
// Compiled, this file is <build>/test/e2e/demo.test.js and the demo <build>/scripts/demo.js.
const DEMO = join(__dirname, '../../scripts/demo.js');
const ROOT = findPackageRoot(__dirname);
const VALUE_LIMIT_MS = 30_000;

/** Epever input registers: PV array power, 0.01 W, low word first (Epever Tracer register map, 0x3102). */
const PV_POWER_REGISTER = 0x3102;

describe('npm start demo (every example against stand-ins, in one Node-RED)', function () {
  this.timeout(120_000);
  let demo: RunningDemo;
  let flows: FlowNode[];
  /** Wall time at the launch, when the simulated day read 11:00. */
  let launchedAt: number;

  before(async function () {
    // Late morning: the simulated panels are producing.
    launchedAt = Date.now();
    demo = await launchDemo(DEMO, ['--time', '11:00']);
    const res = await fetch(`${demo.url}/flows`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200);
    flows = (await res.json()) as FlowNode[];
  });

  after(async function () {
    await demo?.stop(1000);
  });

  const labelled = (label: string) => demo.banner().filter(([l]) => l === label);
  const urlOf = (value: string) => /(https?|wss?):\/\/\S+/.exec(value)?.[0] ?? '';
  /**
   * GET `path` until it answers something `accept` takes, as a user refreshes a page: an example makes some of its
   * tables shortly after the flows start (Wyandata's daily table), and answers 404 until then.
   */
  async function answered<T>(path: string, accept: (status: number, body: T) => boolean): Promise<{ status: number; body: T }> {
    const deadline = Date.now() + VALUE_LIMIT_MS;
    for (;;) {
      const res = await fetch(`${demo.url}${path}`);
      const body = (await res.json()) as T;
      if (accept(res.status, body) || Date.now() > deadline) return { status: res.status, body };
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  it('runs every example file, and lists every node type of the package in its start-up text', () => {
    const files = exampleFiles(ROOT);
    assert.ok(files.length > 0);
    assert.match(demo.output(), new RegExp(`Solar telemetry demo: ${files.length} example flows`));
    for (const file of files) {
      const example = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as FlowNode[];
      const tab = example.find((n) => n.type === 'tab');
      assert.ok(tab && flows.some((n) => n.id === tab.id), `${file}: its tab runs in the demo`);
    }
    const [loaded] = labelled('Nodes loaded');
    assert.ok(loaded, demo.output());
    assert.deepEqual(loaded[1].replace(/\s*\(v.*$/, '').split(', '), declaredNodeTypes(ROOT));
  });

  it('starts the simulated day at the time given: the Epever panels produce at 11:00', async () => {
    const [line] = labelled('Simulated day');
    assert.match(line?.[1] ?? '', /^starts at 11:00 /);
    const [epever] = labelled('Epever simulator');
    const port = Number(/:(\d+),/.exec(epever?.[1] ?? '')?.[1]);
    const client = new ModbusRTU();
    try {
      await client.connectTCP('127.0.0.1', { port });
      client.setID(1);
      const { data } = await client.readInputRegisters(PV_POWER_REGISTER, 2);
      const watts = (data[0] + data[1] * 65536) / 100;
      assert.ok(watts > 5, `PV power at 11:00 is ${watts} W`);
    } finally {
      client.close(() => undefined);
    }
  });

  it('points every device and server at a stand-in, and disables the nodes that need InfluxDB', () => {
    for (const n of flows.filter((n) => n.type === 'modbus-bus' || n.type === 'pi30-port')) assert.equal(n.transport, 'tcp', `${String(n.name)}`);
    for (const n of flows.filter((n) => n.type === 'ps100-sampler')) assert.notEqual(n.source, 'bus', `${String(n.name)} reads the simulated bus`);
    for (const n of flows.filter((n) => n.type === 'mqtt-broker')) assert.equal(n.broker, '127.0.0.1');
    const influxIds = new Set(flows.filter((n) => n.type === 'influxdb').map((n) => n.id));
    const users = flows.filter((n) => Object.values(n).some((v) => typeof v === 'string' && influxIds.has(v)) && !influxIds.has(n.id));
    for (const n of users) assert.equal(n.d, true, `${n.type} ${String(n.name)} is disabled`);
    if (users.length > 0) {
      const line = labelled('Disabled').find(([, text]) => text.includes('InfluxDB'));
      assert.ok(line, demo.output());
      // Each disabled node is named with its flow tab, so two of the same name can be told apart.
      const tabOf = (n: (typeof flows)[number]) => String(flows.find((t) => t.type === 'tab' && t.id === n.z)?.label);
      for (const n of users)
        assert.ok(line[1].includes(`${String(n.name || n.type)} (${tabOf(n)})`), `${line[1]} names ${String(n.name)} on ${tabOf(n)}`);
    }
  });

  it('serves every dashboard page the start-up text lists, one for each page of the flows', async () => {
    const pages2 = labelled('Dashboard 2 page');
    const pages1x = labelled('Dashboard 1.x tab');
    assert.equal(pages2.length, flows.filter((n) => n.type === 'ui-page').length);
    // 1.x: every tab with a widget that is not hidden (the 1.x menu lists only those).
    const groups1x = new Set(flows.filter((n) => n.type.startsWith('ui_') && typeof n.group === 'string').map((n) => String(n.group)));
    const tabs1x = new Set(flows.filter((n) => n.type === 'ui_group' && groups1x.has(n.id)).map((n) => String(n.tab)));
    const shown1x = flows.filter((n) => n.type === 'ui_tab' && tabs1x.has(n.id) && n.hidden !== true && n.disabled !== true);
    assert.deepEqual(pages1x.map(([, text]) => /\(([^)]+)\)$/.exec(text)?.[1]).sort(), shown1x.map((n) => String(n.name)).sort());
    assert.ok(pages2.length + pages1x.length > 0, 'the examples have dashboard pages');
    for (const [, text] of [...pages2, ...pages1x]) {
      const res = await fetch(urlOf(text));
      assert.equal(res.status, 200, text);
    }
  });

  it('answers every GET endpoint of an http in node without a server error', async () => {
    // /metrics is listed under its own label; it is a GET endpoint all the same.
    const endpoints = [...labelled('REST endpoint'), ...labelled('Metrics')].filter(([, text]) => text.startsWith('GET '));
    assert.equal(endpoints.length, flows.filter((n) => n.type === 'http in' && n.method === 'get' && n.d !== true).length);
    for (const [, text] of endpoints) {
      const url = urlOf(text).replace(/\/:[^/]+/g, '/1');
      const res = await fetch(url);
      assert.ok(res.status < 500, `${text}: ${res.status} ${await res.text()}`);
    }
  });

  it('starts with a history: the Wyandata REST has 24 hourly points (no PV at night, PV at noon) and 7 days', async () => {
    const [history] = labelled('History');
    assert.match(
      history?.[1] ?? '',
      /epever_tracer shed \(30 d, 8640 rows\).*mpp_pi30 inverter \(30 d, 8640 rows\)|mpp_pi30 inverter \(30 d, 8640 rows\).*epever_tracer shed \(30 d, 8640 rows\)/,
    );
    const hourly = await answered<{ timestamps: string[]; pv_power: (number | null)[] }>(
      '/solar/data/history/?hours=24&interval=hourly',
      (status) => status !== 404,
    );
    const body = hourly.body;
    assert.equal(hourly.status, 200, JSON.stringify(body));
    assert.ok(body.timestamps.length >= 23 && body.timestamps.length <= 25, `${body.timestamps.length} hourly points`);
    // The history runs on the simulated day, which read 11:00 (solar time) at the launch.
    const offset = Date.UTC(2000, 0, 1, 11) - Date.UTC(2000, 0, 1) - (launchedAt % 86_400_000);
    const solarHour = (t: string) => ((((Date.parse(t) + offset) % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000;
    const past = body.timestamps
      .map((t, i) => ({ hour: solarHour(t), pv: body.pv_power[i] }))
      .filter((_, i) => Date.parse(body.timestamps[i]) + 3_600_000 < launchedAt);
    const night = past.filter(({ hour }) => hour >= 21 || hour < 3);
    const noon = past.filter(({ hour }) => hour >= 10.5 && hour < 13);
    assert.ok(night.length >= 4 && noon.length >= 2, JSON.stringify(past));
    for (const { hour, pv } of night) assert.equal(pv, 0, `PV at ${hour.toFixed(1)} h solar time`);
    assert.ok(
      noon.every(({ pv }) => (pv ?? 0) > 5),
      `PV around noon: ${JSON.stringify(noon)}`,
    );
    const daily = await answered<{ dates: string[]; energy_produced: number[] }>('/solar/data/daily_stats/?days=7', (status) => status !== 404);
    const days = daily.body;
    assert.equal(daily.status, 200, JSON.stringify(days));
    assert.equal(days.dates.length, 7, JSON.stringify(days));
    assert.ok(
      days.energy_produced.every((wh) => wh > 0),
      JSON.stringify(days),
    );
  });

  it('runs the PS100 panels on the simulated day too: at 11:00 they produce, whatever the wall clock says', async () => {
    const { body: latest } = await answered<{ panel_id: string; power_avg: number }[]>(
      '/ps100/panels/latest/',
      (status, body) => status === 200 && body.length > 0,
    );
    assert.ok(latest.length > 0, 'no PS100 record stored');
    assert.ok(
      latest.every((p) => p.power_avg > 5),
      JSON.stringify(latest.map((p) => [p.panel_id, p.power_avg])),
    );
  });

  it('gives some widget of every Dashboard 2 page a value', async () => {
    for (const page of flows.filter((n) => n.type === 'ui-page')) {
      const groups = new Set(flows.filter((n) => n.type === 'ui-group' && n.page === page.id).map((n) => n.id));
      const widgets = flows.filter((n) => typeof n.group === 'string' && groups.has(n.group) && n.type !== 'ui-button');
      assert.ok(widgets.length > 0, `page ${String(page.name)} has widgets`);
      let shown: string | undefined;
      for (const deadline = Date.now() + VALUE_LIMIT_MS; !shown && Date.now() < deadline;) {
        for (const w of widgets) {
          const stored = await dashboard2Value(demo.url, w.id);
          // A chart keeps a list of the messages it drew; every other widget its last message.
          const shows = Array.isArray(stored) ? stored.length > 0 : stored?.payload !== undefined && stored?.payload !== null;
          if (shows) shown = `${w.type} ${String(w.label ?? w.name)}`;
          // A device node named after its type gives its default device id, not the type twice.
          if (typeof stored?.topic === 'string') assert.doesNotMatch(stored.topic, /^([^/]+)\/\1$/, `${w.type} ${w.id}: topic ${stored.topic}`);
        }
        if (!shown) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.ok(shown, `no widget of page ${String(page.name)} got a value within ${VALUE_LIMIT_MS / 1000} s`);
    }
  });

  /** A 1.x widget's update carries its value; a template's carries the message it got instead. */
  const shows1x = (u: UiUpdate) => {
    const value = u.value ?? (u.msg as { payload?: unknown } | undefined)?.payload;
    return value !== undefined && value !== null;
  };

  it('gives some widget of every 1.x dashboard tab a value', async () => {
    const tabs = flows.filter((n) => n.type === 'ui_tab');
    if (tabs.length === 0) return;
    const client = new Dashboard1xClient(demo.url);
    try {
      for (const tab of tabs) {
        const groups = new Set(flows.filter((n) => n.type === 'ui_group' && n.tab === tab.id).map((n) => n.id));
        const widgets = flows.filter((n) => typeof n.group === 'string' && groups.has(n.group) && n.type !== 'ui_button');
        assert.ok(widgets.length > 0, `tab ${String(tab.name)} has widgets`);
        await Promise.any(widgets.map((w) => client.waitFor(w.id, shows1x, VALUE_LIMIT_MS))).catch(() => {
          throw new Error(`no widget of tab ${String(tab.name)} got a value within ${VALUE_LIMIT_MS / 1000} s`);
        });
      }
    } finally {
      client.close();
    }
  });

  it('serves the editor with every node of the package in the palette, loaded without error', async () => {
    const page = await fetch(`${demo.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Node-RED<\/title>/);
    const res = await fetch(`${demo.url}/nodes`, { headers: { Accept: 'application/json' } });
    const sets = (await res.json()) as { module: string; types: string[]; enabled: boolean; err?: unknown }[];
    const ours = sets.filter((s) => s.module === PACKAGE_NAME);
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), declaredNodeTypes(ROOT).sort());
    for (const set of ours) {
      assert.equal(set.enabled, true);
      assert.equal(set.err, undefined);
    }
  });

  it('offers every example file under Import > Examples', async () => {
    for (const file of exampleFiles(ROOT)) {
      const name = file
        .replace(/^examples[\\/]/, '')
        .replace(/\.json$/, '')
        .replace(/\\/g, '/');
      const res = await fetch(`${demo.url}/library/examples/flows/${PACKAGE_NAME}/${name}`);
      assert.equal(res.status, 200, name);
      assert.ok(Array.isArray(await res.json()), name);
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    demo.child.kill('SIGTERM');
    const exit = await Promise.race([
      demo.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running 25 s after SIGTERM:\n${demo.output()}`)), 25_000)),
    ]);
    assert.deepEqual(exit, { code: 0, signal: null }, demo.output());
  });
});
