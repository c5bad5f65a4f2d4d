// timescale-out's status words from its en-US locale file, as the build places it beside the compiled node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Locale = { 'timescale-out': { status: Record<string, string> } };

const file = join(__dirname, '..', '..', 'nodes', 'timescale-out', 'locales', 'en-US', 'timescale-out.json');
const status = (JSON.parse(readFileSync(file, 'utf8')) as Locale)['timescale-out'].status;

/** What RED._ does with `timescale-out.status.<key>`: the text with its __vars__ filled in. */
export function statusWords(key: string, vars: Record<string, string> = {}): string {
  const text = status[key];
  if (text === undefined) throw new Error(`no status text ${key}`);
  return text.replace(/__(\w+)__/g, (_, name: string) => vars[name] ?? '');
}
