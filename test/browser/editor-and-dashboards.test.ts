// The demo in a real browser (Debian's chromium, headless, through puppeteer-core), as a new user meets it: the
// palette shows every node of the package with its icon and a one-line label, each node's edit dialog opens with
// its defaults and rows that do not wrap, Import > Examples lists every example file, each dashboard page shows
// live numbers, and the inverter page's buttons change the simulated inverter's setting. Every dialog, config
// nodes' too, keeps each short label on one line and opens its node's help in the sidebar.
// Runs when chromium is installed (CI installs it; a skip fails CI), else skips with one notice.
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core' with { 'resolution-mode': 'import' };
import { encodeCommand } from '../../nodes/mpp-pi30/protocol/frame';
import { parseQpiri } from '../../nodes/mpp-pi30/protocol/qpiri';
import { findChromium, launchBrowser, openEditor, type RunningBrowser } from '../../scripts/demo/browser';
import { exampleFiles, type FlowNode } from '../../scripts/demo/flow';
import { launchDemo, type RunningDemo } from '../../scripts/demo/launch';
import { declaredNodeTypes, findPackageRoot } from '../../scripts/demo/user-dir';

const DEMO = join(__dirname, '../../scripts/demo.js');
const ROOT = findPackageRoot(__dirname);
const CHROMIUM = findChromium();
const PHONE = 390;
/** A tablet held upright (iPad Air). */
const TABLET = 820;
const DESKTOP = 1280;

/** The simulated inverter's output source priority, asked over its TCP port with QPIRI as a user's tool would. */
async function outputPriority(port: number): Promise<string | undefined> {
  const socket = new Socket();
  try {
    const reply = await new Promise<Buffer>((resolve, reject) => {
      let got = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error('no QPIRI reply in 5 s')), 5000);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.includes(0x0d)) {
          clearTimeout(timer);
          resolve(got);
        }
      });
      socket.on('error', reject);
      socket.connect(port, '127.0.0.1', () => socket.write(encodeCommand('QPIRI')));
    });
    // "(" + fields + 2 CRC bytes + CR.
    const text = reply.subarray(1, reply.indexOf(0x0d) - 2).toString('latin1');
    const parsed = parseQpiri(text, 'pi30max') as unknown as { values?: { settings?: { output_source_priority?: string } } };
    return parsed.values?.settings?.output_source_priority;
  } finally {
    socket.destroy();
  }
}

if (CHROMIUM)
  describe('the demo in a browser (chromium)', function () {
    this.timeout(180_000);
    let demo: RunningDemo;
    let chromium: RunningBrowser;
    let flows: FlowNode[];
    let editor: Page;

    before(async function () {
      demo = await launchDemo(DEMO);
      chromium = await launchBrowser(CHROMIUM!);
      flows = (await (await fetch(`${demo.url}/flows`, { headers: { Accept: 'application/json' } })).json()) as FlowNode[];
      editor = await chromium.page(DESKTOP);
      await openEditor(editor, `${demo.url}/`);
    });

    after(async function () {
      await chromium?.close();
      await demo?.stop(1000);
    });

    it('lists every node of the package in the palette with its icon and a label on one line', async () => {
      const configTypes = new Set(['modbus-bus', 'pi30-port', 'timescale-db', 'influxdb']);
      const wanted = declaredNodeTypes(ROOT).filter((t) => !configTypes.has(t));
      const shown = await editor.evaluate((types: string[]) => {
        return types.map((type) => {
          const node = document.querySelector(`.red-ui-palette-node[data-palette-type="${type}"]`);
          const label = node?.querySelector('.red-ui-palette-label');
          const icon = node?.querySelector('.red-ui-palette-icon');
          return {
            type,
            found: !!node,
            text: label?.textContent ?? '',
            height: label ? label.getBoundingClientRect().height : 0,
            lineHeight: label ? parseFloat(getComputedStyle(label).lineHeight) : 0,
            icon: icon ? getComputedStyle(icon).backgroundImage : '',
          };
        });
      }, wanted);
      for (const s of shown) {
        assert.ok(s.found, `${s.type} is in the palette`);
        assert.match(s.icon, /icons\/node-red-contrib-solar-telemetry\/[\w-]+\.(svg|png)/, `${s.type} shows its own icon`);
        assert.ok(s.text.trim().length > 0, `${s.type} has a label`);
        assert.ok(s.height <= s.lineHeight + 1, `${s.type}: label "${s.text}" takes ${s.height}px, more than one ${s.lineHeight}px line`);
      }
      // The icon files are served.
      for (const s of shown) {
        const url = /url\("?([^")]+)"?\)/.exec(s.icon)?.[1] ?? '';
        assert.equal((await fetch(url)).status, 200, url);
      }
    });

    /** Closes the open edit dialogs, as Cancel does (a config node's first, then the node's it was opened from). */
    async function closeTrays(): Promise<void> {
      for (;;) {
        // The editor keeps only the top tray in the page; the one below comes back when it closes.
        const top = await editor.$('.red-ui-tray:last-of-type');
        if (!top) return;
        await top.evaluate((tray) => tray.querySelector<HTMLButtonElement>('[id$="dialog-cancel"]')?.click());
        await editor.waitForFunction((tray: Element) => !tray.isConnected, { timeout: 5000 }, top);
      }
    }

    /** Adds a node of `type` as a user does (dragged from the palette) and opens its edit dialog. */
    async function openNewNode(type: string): Promise<void> {
      await closeTrays();
      const from = await editor.$(`.red-ui-palette-node[data-palette-type="${type}"]`);
      assert.ok(from, `${type} in the palette`);
      await from.scrollIntoView();
      const box = (await from.boundingBox())!;
      const chart = (await (await editor.$('#red-ui-workspace-chart'))!.boundingBox())!;
      await editor.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await editor.mouse.down();
      const to = { x: chart.x + chart.width / 2, y: chart.y + chart.height / 2 };
      await editor.mouse.move(to.x - 50, to.y - 50, { steps: 8 });
      await editor.mouse.move(to.x, to.y, { steps: 8 });
      await editor.mouse.up();
      await editor.waitForFunction(() => (window as unknown as RedWindow).RED.view.selection().nodes?.length === 1, { timeout: 5000 });
      await editor.evaluate(() => {
        const red = (window as unknown as RedWindow).RED;
        red.editor.edit(red.view.selection().nodes![0]);
      });
      await editor.waitForSelector('.red-ui-tray .red-ui-tray-body form', { visible: true, timeout: 10_000 });
    }

    /** What the open dialog shows against the node type's defaults, and every label that takes more than a line. */
    async function dialogState(prefix: string, type: string) {
      return editor.evaluate(
        (p: string, t: string) => {
          const red = (window as unknown as RedWindow).RED;
          const defaults = red.nodes.getType(t).defaults;
          const mismatches: string[] = [];
          for (const [key, def] of Object.entries(defaults)) {
            if (def.type) continue; // a config node link: a select of the config nodes there are
            const el = document.getElementById(`${p}${key}`) as HTMLInputElement | null;
            if (!el || el.type === 'hidden') continue;
            const expected = def.value;
            const shown = el.type === 'checkbox' ? el.checked : el.value;
            const same = el.type === 'checkbox' ? shown === !!expected : String(shown) === String(expected ?? '');
            if (!same) mismatches.push(`${key}: shows ${JSON.stringify(shown)}, default ${JSON.stringify(expected)}`);
          }
          const wrapped: string[] = [];
          const trays = document.querySelectorAll('.red-ui-tray');
          for (const label of Array.from(trays[trays.length - 1].querySelectorAll('.form-row > label'))) {
            const box = label.getBoundingClientRect();
            const line = parseFloat(getComputedStyle(label).lineHeight) || 20;
            const text = (label.textContent ?? '').trim();
            if (box.height === 0 || text.length >= 30) continue; // hidden, or a sentence beside a checkbox
            if (box.height > line * 1.5) wrapped.push(`${t}: "${text}" wraps (${box.height}px)`);
            else if (label.scrollWidth > label.clientWidth + 1) wrapped.push(`${t}: "${text}" overflows its ${label.clientWidth}px`);
          }
          return { mismatches, wrapped };
        },
        prefix,
        type,
      );
    }

    /** The start of a node type's help text (its first paragraph, up to any markup), as the sidebar shows it. */
    function helpStart(type: string): string {
      const help = readFileSync(join(ROOT, 'locales', 'en-US', `${type}.html`), 'utf8');
      const first = /<p>([\s\S]*?)<\/p>/.exec(help)?.[1] ?? '';
      return first.split(/[<&]/)[0].replace(/\s+/g, ' ').trim().slice(0, 60);
    }

    /** Clicks the open dialog's help button (the book in its footer); returns an error, or '' when the sidebar shows `type`'s help. */
    async function helpOpens(type: string): Promise<string> {
      const expected = helpStart(type);
      if (!expected) return `${type}: no help paragraph in locales/en-US/${type}.html`;
      await editor.evaluate(() => {
        const trays = document.querySelectorAll('.red-ui-tray');
        trays[trays.length - 1].querySelector<HTMLElement>('.red-ui-tray-footer-left .fa-book')!.closest('button')!.click();
      });
      try {
        await editor.waitForFunction(
          (text: string) =>
            Array.from(document.querySelectorAll('.red-ui-sidebar-info .red-ui-help')).some(
              (el) => (el as HTMLElement).offsetParent !== null && (el.textContent ?? '').replace(/\s+/g, ' ').includes(text),
            ),
          { timeout: 5000 },
          expected,
        );
        return '';
      } catch {
        return `${type}: the help button does not show "${expected}" in the sidebar`;
      }
    }

    /** The config node types of the package, each with a node type (and its property) whose dialog adds one. */
    async function configOwners(): Promise<{ config: string; owner: string; key: string }[]> {
      const html = (t: string) => readFileSync(join(ROOT, 'nodes', t, `${t}.html`), 'utf8');
      const configs = declaredNodeTypes(ROOT).filter((t) => /category:\s*'config'/.test(html(t)));
      const others = declaredNodeTypes(ROOT).filter((t) => !configs.includes(t));
      return editor.evaluate(
        (cs: string[], os: string[]) => {
          const red = (window as unknown as RedWindow).RED;
          return cs.map((config) => {
            for (const owner of os) {
              const entry = Object.entries(red.nodes.getType(owner).defaults).find(([, def]) => def.type === config);
              if (entry) return { config, owner, key: entry[0] };
            }
            return { config, owner: '', key: '' };
          });
        },
        configs,
        others,
      );
    }

    it('opens each node edit dialog with its defaults, no short label wrapping, and its help', async () => {
      const configTypes = new Set((await configOwners()).map((c) => c.config));
      const wrapped: string[] = [];
      const help: string[] = [];
      for (const type of declaredNodeTypes(ROOT).filter((t) => !configTypes.has(t))) {
        await openNewNode(type);
        const state = await dialogState('node-input-', type);
        assert.deepEqual(state.mismatches, [], `${type}: the dialog shows the defaults`);
        wrapped.push(...state.wrapped);
        help.push(await helpOpens(type));
      }
      assert.deepEqual(wrapped, [], 'labels on one line');
      assert.deepEqual(help.filter(Boolean), [], 'each dialog opens its help');
    });

    it("opens each config node's dialog from a node that uses it, with no short label wrapping, and its help", async () => {
      const wrapped: string[] = [];
      const help: string[] = [];
      const owners = await configOwners();
      assert.ok(owners.length > 0, 'the package has config nodes');
      for (const { config, owner, key } of owners) {
        assert.ok(owner, `${config}: a node type of the package uses it`);
        // A fresh editor for each: the "+" is clicked once its node's dialog has loaded (see the modbus-bus test).
        await editor.close();
        editor = await chromium.page(DESKTOP);
        await openEditor(editor, `${demo.url}/`);
        await openNewNode(owner);
        await editor.waitForSelector(`#node-input-btn-${key}-add`, { visible: true, timeout: 10_000 });
        await editor.waitForNetworkIdle({ idleTime: 500, timeout: 10_000 });
        // The "+" as the dialog holds it now (its script may have redrawn the row since it first appeared).
        await editor.$eval(`#node-input-btn-${key}-add`, (el) => (el as HTMLElement).click());
        await editor
          .waitForFunction(
            () => {
              const trays = document.querySelectorAll('.red-ui-tray');
              // The editor takes the node's tray out of the page while the config node's is open.
              return !!trays[trays.length - 1]?.querySelector('[id^="node-config-input-"]');
            },
            { timeout: 10_000 },
          )
          .catch(async (err: Error) => {
            const trays = await editor.$$eval('.red-ui-tray', (els) => els.map((el) => el.querySelector('form')?.innerHTML.slice(0, 300)));
            throw new Error(`${config}: "+" beside ${owner}'s ${key} opened no ${config} dialog (${err.message}; trays: ${JSON.stringify(trays)})`);
          });
        wrapped.push(...(await dialogState('node-config-input-', config)).wrapped);
        help.push(await helpOpens(config));
      }
      assert.deepEqual(wrapped, [], 'labels on one line');
      assert.deepEqual(help.filter(Boolean), [], 'each config dialog opens its help');
    });

    it('shows the mpp-pi30 query checkboxes each beside its label, the long ones too', async () => {
      await openNewNode('mpp-pi30');
      const rows = await editor.evaluate(() =>
        Array.from(document.querySelectorAll('#mpp-pi30-queries > div')).map((row) => {
          const box = row.querySelector('input')!.getBoundingClientRect();
          const label = row.querySelector('label')!.getBoundingClientRect();
          return { text: row.textContent ?? '', checkboxTop: box.top, labelTop: label.top, labelLeft: label.left, checkboxRight: box.right };
        }),
      );
      assert.ok(
        rows.some((r) => /Energy counters/.test(r.text)),
        'an Energy counters row',
      );
      for (const r of rows) {
        assert.ok(Math.abs(r.labelTop - r.checkboxTop) < 12, `"${r.text}": its label starts on the checkbox's line`);
        assert.ok(r.labelLeft >= r.checkboxRight, `"${r.text}": its label is right of the checkbox`);
      }
    });

    it('shows a new modbus-bus with its frame gap and every other default', async () => {
      // A fresh editor: the dialogs the tests before opened stay out of the way.
      await editor.close();
      editor = await chromium.page(DESKTOP);
      await openEditor(editor, `${demo.url}/`);
      await openNewNode('epever-tracer');
      // The "+" beside Bus, once the dialog is loaded.
      const add = (await editor.waitForSelector('#node-input-btn-bus-add', { visible: true, timeout: 10_000 }))!;
      await editor.waitForNetworkIdle({ idleTime: 500, timeout: 10_000 });
      await add.click();
      await editor.waitForSelector('#node-config-input-gapMs', { visible: true, timeout: 10_000 });
      const gap = await editor.$eval('#node-config-input-gapMs', (el) => (el as HTMLInputElement).value);
      assert.equal(gap, '0');
      const { mismatches } = await dialogState('node-config-input-', 'modbus-bus');
      assert.deepEqual(mismatches, []);
    });

    it('lists every example file under Import > Examples', async () => {
      // A fresh editor: the dialogs the tests before opened stay out of the way.
      const editor = await chromium.page(DESKTOP);
      await openEditor(editor, `${demo.url}/`);
      await editor.evaluate(() => (window as unknown as RedWindow).RED.actions.invoke('core:show-import-dialog'));
      const tab = await editor.waitForSelector('#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples a', { visible: true, timeout: 10_000 });
      await tab!.click();
      const visibleLabels = () =>
        editor.$$eval('#red-ui-clipboard-dialog .red-ui-treeList-label', (els) =>
          els.filter((el) => (el as HTMLElement).offsetParent !== null).map((el) => el.textContent?.trim() ?? ''),
        );
      /** Clicks a folder of the examples tree open and waits for what it holds. */
      const expand = async (text: string) => {
        const before = (await visibleLabels()).length;
        for (const h of await editor.$$('#red-ui-clipboard-dialog .red-ui-treeList-label')) {
          if ((await h.evaluate((el) => (el as HTMLElement).offsetParent !== null && el.textContent?.trim())) === text) {
            await h.click();
            break;
          }
        }
        await editor.waitForFunction(
          (n: number) =>
            Array.from(document.querySelectorAll('#red-ui-clipboard-dialog .red-ui-treeList-label')).filter(
              (el) => (el as HTMLElement).offsetParent !== null,
            ).length > n,
          { timeout: 10_000 },
          before,
        );
      };
      await editor.waitForFunction(
        () =>
          Array.from(document.querySelectorAll('#red-ui-clipboard-dialog .red-ui-treeList-label')).some(
            (el) => (el as HTMLElement).offsetParent !== null && el.textContent?.trim() === 'node-red-contrib-solar-telemetry',
          ),
        { timeout: 10_000 },
      );
      await expand('node-red-contrib-solar-telemetry');
      const folders = [...new Set(exampleFiles(ROOT).map((f) => f.split(/[\\/]/)[1]))];
      for (const folder of folders) await expand(folder);
      const listed = await visibleLabels();
      for (const file of exampleFiles(ROOT)) {
        const name = file
          .split(/[\\/]/)
          .pop()!
          .replace(/\.json$/, '');
        assert.ok(listed.includes(name), `${name} in Import > Examples (listed: ${listed.join(', ')})`);
      }
      await editor.close();
    });

    /** Waits until the page at `url` shows a number in its content, at `width`; returns the text seen. */
    /**
     * Waits until the page at `url` shows a number in `content` beyond its static text (the flows' labels, names,
     * titles and units, which may hold digits themselves, like "PS100"); returns what it showed.
     */
    async function liveNumbers(url: string, width: number, content: string, statics: string[], chartsOnly: boolean): Promise<string> {
      const page = await chromium.page(width);
      try {
        await page.goto(url, { waitUntil: 'domcontentloaded' });
        const live = (sel: string, fixed: string[], onlyCharts: boolean) => {
          // A page of charts only draws its numbers on a canvas: there, a painted chart is what a user sees (the
          // points each chart got are checked in the demo's e2e test, from the dashboard's own store).
          if (onlyCharts) {
            const painted = Array.from(document.querySelectorAll(`${sel} canvas`)).filter((c) => {
              const canvas = c as HTMLCanvasElement;
              const pixels =
                canvas.width > 0 && canvas.height > 0 ? canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data : undefined;
              return pixels !== undefined && pixels.some((value, i) => i % 4 === 3 && value !== 0);
            });
            return painted.length > 0 ? `${painted.length} charts drawn` : '';
          }
          let text = document.querySelector(sel)?.textContent ?? '';
          for (const s of fixed) text = text.split(s).join(' ');
          return /\d/.test(text) ? text : '';
        };
        const handle = await page.waitForFunction(live, { timeout: 30_000 }, content, statics, chartsOnly);
        // The layout fits the screen: nothing to scroll sideways to.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `${url} at ${width}px is ${overflow}px wider than the screen`);
        return String(await handle.jsonValue());
      } finally {
        await page.close();
      }
    }

    it('shows live numbers on every dashboard page, at phone, tablet and desktop width, with nothing to scroll sideways', async () => {
      const pages = demo.banner().filter(([label]) => label === 'Dashboard 2 page' || label === 'Dashboard 1.x tab');
      assert.ok(pages.length > 0);
      // Longest first, so a label is removed whole before a shorter one inside it.
      const statics = [
        ...new Set(
          flows.flatMap((n) => [
            ...['label', 'name', 'title', 'header', 'units', 'unit', 'xAxisLabel', 'yAxisLabel'].map((k) => n[k]),
            (n.site as { name?: unknown } | undefined)?.name,
          ]),
        ),
      ]
        .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
        .sort((a, b) => b.length - a.length);
      /** Whether every widget of the page (Dashboard 2) or tab (1.x) named `name` is a chart. */
      const chartsOnly = (label: string, name: string) => {
        const d2 = label === 'Dashboard 2 page';
        const page = flows.find((n) => n.type === (d2 ? 'ui-page' : 'ui_tab') && n.name === name);
        const groups = new Set(
          flows.filter((n) => n.type === (d2 ? 'ui-group' : 'ui_group') && n[d2 ? 'page' : 'tab'] === page?.id).map((n) => n.id),
        );
        const widgets = flows.filter((n) => typeof n.group === 'string' && groups.has(n.group));
        return widgets.length > 0 && widgets.every((n) => n.type === (d2 ? 'ui-chart' : 'ui_chart') || /button/.test(n.type));
      };
      for (const [label, text] of pages) {
        const url = /http\S+/.exec(text)![0];
        const content = label === 'Dashboard 2 page' ? 'main' : 'md-content';
        const onlyCharts = chartsOnly(label, /\(([^)]*)\)\s*$/.exec(text)?.[1] ?? '');
        for (const width of [PHONE, TABLET, DESKTOP]) {
          const seen = await liveNumbers(url, width, content, statics, onlyCharts).catch((err: Error) => {
            throw new Error(`${text} at ${width}px: no live number within 30 s (${err.message})`);
          });
          assert.match(seen, /\d/, `${text} at ${width}px`);
        }
      }
    });

    it("changes the simulated inverter's output priority with the inverter page's buttons", async () => {
      // The inverter page is the Dashboard 2 page holding a ui-button whose payload is a PI30 priority setter.
      const button = flows.find((n) => n.type === 'ui-button' && /^POP0[0-2]$/.test(String(n.payload)));
      assert.ok(button, 'a button that sets the output priority');
      const group = flows.find((n) => n.id === button.group);
      const pageNode = flows.find((n) => n.id === group?.page);
      const pageLine = demo.banner().find(([label, text]) => label === 'Dashboard 2 page' && text.includes(`${String(pageNode?.path)}  (`));
      assert.ok(pageLine, `the banner lists the page ${String(pageNode?.path)}`);
      const inverterPort = Number(/:(\d+)$/.exec(demo.banner().find(([l]) => l === 'Inverter simulator')?.[1] ?? '')?.[1]);

      const before = await outputPriority(inverterPort);
      const names: Record<string, string> = { POP00: 'utility_first', POP01: 'solar_first', POP02: 'sbu' };
      const setters = flows.filter((n) => n.type === 'ui-button' && n.group === button.group && String(n.payload) in names);
      const target = setters.find((n) => names[String(n.payload)] !== before) ?? setters[0];
      const page = await chromium.page(DESKTOP);
      try {
        await page.goto(/http\S+/.exec(pageLine[1])![0], { waitUntil: 'domcontentloaded' });
        const label = String(target.label);
        await page.waitForFunction(
          (text: string) => Array.from(document.querySelectorAll('button')).some((b) => b.textContent?.trim() === text),
          { timeout: 30_000 },
          label,
        );
        await page.evaluate((text: string) => {
          Array.from(document.querySelectorAll('button'))
            .find((b) => b.textContent?.trim() === text)!
            .click();
        }, label);
        const deadline = Date.now() + 20_000;
        let now = before;
        while (now !== names[String(target.payload)] && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          now = await outputPriority(inverterPort);
        }
        assert.equal(now, names[String(target.payload)], `after "${label}" (was ${String(before)})`);
      } finally {
        await page.close();
      }
    });
  });
else {
  describe('the demo in a browser', () => {
    it('needs chromium: apt install chromium (or set CHROMIUM_PATH)', function () {
      this.skip();
    });
  });
}

/** The part of the editor's global RED the tests use. */
interface RedWindow {
  RED: {
    view: { selection(): { nodes?: unknown[] } };
    editor: { edit(node: unknown): void };
    nodes: { getType(type: string): { defaults: Record<string, { value?: unknown; type?: string }> } };
    actions: { invoke(name: string): void };
    tray: { close(): void };
  };
}
