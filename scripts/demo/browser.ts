// Debian's chromium, driven headless through puppeteer-core, for the screenshot script and the browser tests:
// a fresh profile each time, and nothing that reaches the internet on its own.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core' with { 'resolution-mode': 'import' };

/** Where Debian's `apt install chromium` puts it; CHROMIUM_PATH names another. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((path) => existsSync(path));
}

export interface RunningBrowser {
  readonly browser: Browser;
  /** A new tab `width` px wide (and `height` tall). */
  page(width: number, height?: number): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(executablePath: string): Promise<RunningBrowser> {
  // puppeteer-core is an ES module; module node16 keeps this a real import() in the CommonJS output.
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'solar-chromium-'));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    async page(width, height = 900) {
      const page = await browser.newPage();
      await page.setViewport({ width, height, deviceScaleFactor: 1 });
      return page;
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the Node-RED editor at `url` and waits until its palette and workspace are drawn. */
export async function openEditor(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'networkidle2' });
  await page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 30_000 });
  await page.waitForSelector('#red-ui-workspace-chart svg', { timeout: 30_000 });
}
