// Prepares Node-RED's user directory so it loads this package from the checkout through a symlink in
// userDir/node_modules, where Node-RED looks for installed node packages, and writes the flow fresh.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FlowNode } from './flow';

export const PACKAGE_NAME = 'node-red-contrib-solar-telemetry';
export const FLOW_FILE = 'flows.json';

/** Walks up from `start` to the folder holding this package's package.json. */
/** The node types the package's package.json declares for Node-RED. */
export function declaredNodeTypes(packageRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { 'node-red'?: { nodes?: Record<string, string> } };
  return Object.keys(pkg['node-red']?.nodes ?? {});
}

export function findPackageRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (pkg.name === PACKAGE_NAME) return dir;
    }
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error(`no ${PACKAGE_NAME} package.json above ${start}`);
    dir = parent;
  }
}

/**
 * Deletes `path`; a link is removed as a link, never followed, because the links here point at the checkout.
 */
function remove(path: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (stat.isDirectory() && !stat.isSymbolicLink()) {
    for (const entry of readdirSync(path)) remove(join(path, entry));
    rmdirSync(path);
  } else {
    unlinkSync(path);
  }
}

/** Replaces whatever is at `path` with a directory link to `target`. */
function linkTo(target: string, path: string): void {
  remove(path);
  // 'junction' makes a directory link on Windows without special rights; elsewhere the type is ignored.
  symlinkSync(target, path, 'junction');
}

/**
 * The folder Node-RED should load the package from. The package.json's node map points into dist/; when
 * the demo runs from another build folder (BUILD_OUT), a small stand-in package points dist/ at that build,
 * so the demo never mixes its own build with someone else's dist/.
 */
function packageSource(userDir: string, packageRoot: string, buildRoot: string): string {
  if (resolve(buildRoot) === join(packageRoot, 'dist')) return packageRoot;
  const standIn = join(userDir, 'package-from-build');
  remove(standIn);
  mkdirSync(standIn, { recursive: true });
  writeFileSync(join(standIn, 'package.json'), readFileSync(join(packageRoot, 'package.json')));
  linkTo(resolve(buildRoot), join(standIn, 'dist'));
  linkTo(join(packageRoot, 'examples'), join(standIn, 'examples'));
  return standIn;
}

/**
 * Node-RED keeps palette installs in userDir/package.json. This package is deliberately not listed there: npm
 * would treat a `file:` dependency as a link to reify, and a palette install could then rework the checkout's
 * own node_modules. Unlisted, the worst npm does is drop the link, and the next start puts it back.
 */
function writeUserPackage(userDir: string): void {
  const file = join(userDir, 'package.json');
  let pkg: Record<string, unknown> = {
    name: 'solar-telemetry-demo',
    description: 'Node-RED user directory of the solar telemetry demo',
    version: '0.0.0',
    private: true,
    dependencies: {},
  };
  if (existsSync(file)) {
    try {
      pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      // A broken file is ours to replace.
    }
  }
  if (typeof pkg.dependencies === 'object' && pkg.dependencies !== null) delete (pkg.dependencies as Record<string, unknown>)[PACKAGE_NAME];
  writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
}

/**
 * Links another node package, installed in the checkout's node_modules, into userDir/node_modules the way this
 * package is linked; with no `source`, removes a link an earlier start left there.
 */
export function linkNodeModule(userDir: string, name: string, source: string | undefined): void {
  const path = join(userDir, 'node_modules', ...name.split('/'));
  if (source === undefined) {
    remove(path);
    return;
  }
  mkdirSync(resolve(path, '..'), { recursive: true });
  linkTo(source, path);
}

export interface UserDirPlan {
  userDir: string;
  packageRoot: string;
  /** The compiled output the demo runs from (dist/ for `npm start`). */
  buildRoot: string;
  flow: readonly FlowNode[];
}

export function prepareUserDir({ userDir, packageRoot, buildRoot, flow }: UserDirPlan): void {
  mkdirSync(join(userDir, 'node_modules'), { recursive: true });
  const source = packageSource(userDir, packageRoot, buildRoot);
  writeUserPackage(userDir);
  linkTo(source, join(userDir, 'node_modules', PACKAGE_NAME));
  writeFileSync(join(userDir, FLOW_FILE), JSON.stringify(flow, null, 4) + '\n');
}
