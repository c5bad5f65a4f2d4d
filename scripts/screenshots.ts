// `npm run screenshots`: starts the demo, opens it in Debian's chromium (headless, through puppeteer-core) and
// writes the README's pictures to docs/images/: the editor with a flow, the palette, an edit dialog with its
// help, and every dashboard page of both dashboard packages at phone and desktop width (the first page's desktop
// picture also as dashboard.png, the README's first picture).
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core' with { 'resolution-mode': 'import' };
import { findChromium, launchBrowser, openEditor } from './demo/browser';
import { launchDemo } from './demo/launch';
import { findPackageRoot } from './demo/user-dir';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
/** The node whose flow, dialog and help the editor pictures show. */
const SHOWN_TYPE = 'epever-tracer';

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Waits until `selector` shows a digit (a live value), then for the page to settle. */
async function waitForNumbers(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((sel: string) => /\d/.test(document.querySelector(sel)?.textContent ?? ''), { timeout: 30_000 }, selector);
  // Charts and gauges animate in.
  await new Promise((done) => setTimeout(done, 1500));
}

interface RedWindow {
  RED: {
    nodes: { filterNodes(filter: { type: string }): { id: string; z: string }[]; node(id: string): unknown };
    workspaces: { show(id: string): void };
    editor: { edit(node: unknown): void };
    sidebar: { help: { show(type: string): void } };
    view: { select(id: string): void };
  };
}

async function main(): Promise<void> {
  const chromium = findChromium();
  if (!chromium) throw new Error('chromium is not installed: apt install chromium (or set CHROMIUM_PATH)');
  const root = findPackageRoot(__dirname);
  const out = join(root, 'docs', 'images');
  mkdirSync(out, { recursive: true });
  // Pictures of pages that are gone must not stay behind.
  for (const file of readdirSync(out)) if (file.endsWith('.png')) unlinkSync(join(out, file));

  const demo = await launchDemo(resolve(__dirname, 'demo.js'));
  const browser = await launchBrowser(chromium);
  const written: string[] = [];
  const shoot = async (page: Page, name: string, element?: string) => {
    const path = join(out, `${name}.png`) as `${string}.png`;
    if (element) await (await page.$(element))!.screenshot({ path });
    else await page.screenshot({ path });
    written.push(path);
    log(`  ${join('docs', 'images', `${name}.png`)}`);
  };
  try {
    log(`Demo at ${demo.url}; writing ${out}`);
    const editor = await browser.page(DESKTOP.width, DESKTOP.height);
    await openEditor(editor, `${demo.url}/`);
    const tab = await editor.evaluate((type: string) => {
      const red = (window as unknown as RedWindow).RED;
      const node = red.nodes.filterNodes({ type })[0];
      red.workspaces.show(node.z);
      return node.id;
    }, SHOWN_TYPE);
    await new Promise((done) => setTimeout(done, 1000));
    await shoot(editor, 'editor-flow');
    // The package's nodes in the palette, scrolled to them.
    await editor.evaluate(() => {
      const first = document.querySelector('.red-ui-palette-node[data-palette-type="epever-tracer"]');
      first?.closest('.red-ui-palette-category')?.scrollIntoView();
    });
    const category = await editor.evaluateHandle(
      () => document.querySelector('.red-ui-palette-node[data-palette-type="epever-tracer"]')?.closest('.red-ui-palette-category') ?? null,
    );
    const categoryElement = category.asElement();
    if (categoryElement) {
      const path = join(out, 'palette.png') as `${string}.png`;
      await categoryElement.screenshot({ path });
      written.push(path);
      log('  docs/images/palette.png');
    }
    await editor.evaluate(
      (id: string, type: string) => {
        const red = (window as unknown as RedWindow).RED;
        red.editor.edit(red.nodes.node(id));
        red.sidebar.help.show(type);
      },
      tab,
      SHOWN_TYPE,
    );
    await editor.waitForSelector('.red-ui-tray .red-ui-tray-body form', { visible: true, timeout: 10_000 });
    await new Promise((done) => setTimeout(done, 1000));
    await shoot(editor, 'edit-dialog');
    await editor.close();

    const pages = demo.banner().filter(([label]) => label === 'Dashboard 2 page' || label === 'Dashboard 1.x tab');
    for (const [label, text] of pages) {
      const url = /http\S+/.exec(text)?.[0];
      const name = /\(([^)]+)\)$/.exec(text)?.[1] ?? 'page';
      if (!url) continue;
      const prefix = label === 'Dashboard 2 page' ? 'dashboard2' : 'dashboard1x';
      const content = label === 'Dashboard 2 page' ? 'main' : 'md-content';
      for (const [size, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const page = await browser.page(viewport.width, viewport.height);
        try {
          await page.goto(url, { waitUntil: 'domcontentloaded' });
          await waitForNumbers(page, content);
          await shoot(page, `${prefix}-${slug(name)}-${size}`);
          // The README's first picture keeps one name whatever the pages are called: the first page, desktop.
          if (!written.some((p) => p.endsWith('dashboard.png')) && size === 'desktop') await shoot(page, 'dashboard');
        } catch (err) {
          log(`  ${prefix} ${name} ${size}: no live values within 30 s (${err instanceof Error ? err.message : String(err)}); no picture`);
        } finally {
          await page.close();
        }
      }
    }
  } finally {
    await browser.close();
    await demo.stop();
  }
  log(`${written.length} pictures written.`);
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
