// The timescale nodes' en-US locale texts, as the build places them beside the compiled nodes: for tests that
// check what a user reads (node-red-node-test-helper's RED._ returns the key itself).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type NodeModule = (RED: { _: (key: string, vars?: Record<string, unknown>) => string }) => void;

const catalogs: Record<string, unknown> = {};
for (const type of ['timescale-out', 'timescale-db']) {
  const path = join(__dirname, '..', '..', 'nodes', type, 'locales', 'en-US', `${type}.json`);
  Object.assign(catalogs, JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>);
}

/** The text of `key` with its __vars__ filled in, or undefined when the catalogs lack it. */
function lookUp(key: string, vars: Record<string, unknown>): string | undefined {
  let entry: unknown = catalogs;
  for (const part of key.split('.')) entry = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)[part] : undefined;
  return typeof entry === 'string' ? entry.replace(/__(\w+)__/g, (_, name: string) => String(vars[name] ?? '')) : undefined;
}

/** RED._ as the runtime does it: the key itself when there is no text for it. */
export function translate(key: string, vars: Record<string, unknown> = {}): string {
  return lookUp(key, vars) ?? key;
}

/** timescale-out's status words (status-text.ts StatusWords); throws for a key the locale file lacks. */
export function statusWords(key: string, vars: Record<string, string> = {}): string {
  const text = lookUp(`timescale-out.status.${key}`, vars);
  if (text === undefined) throw new Error(`no status text ${key}`);
  return text;
}

/** `nodeModule` loaded with the real locale texts, so a test sees the status and log lines a user sees. */
export function withLocale(nodeModule: NodeModule): NodeModule {
  return (RED) => {
    RED._ = translate;
    nodeModule(RED);
  };
}
