/**
 * Finds the project config (from the working directory upwards) and loads its spiders.
 * TypeScript files load through tsx, registered by the bin scripts.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { glob } from 'tinyglobby';
import type { TeineiConfig } from '../config.js';
import type { SpiderClass } from '../spiders/spider.js';
import { CliError } from './cli-error.js';

/** Config file names, in the order they are tried in each directory. */
export const configFileNames = ['teinei.config.ts', 'teinei.config.mts', 'teinei.config.js', 'teinei.config.mjs'];

/** Never loaded as spiders, though a spider glob matches them: test files live next to their spider. */
export const spiderGlobIgnore = ['**/*.test.*', '**/*.spec.*', '**/node_modules/**'];

/** A loaded project: its config, directory and spiders by name. */
export interface Project {
  configPath: string;
  root: string;
  config: TeineiConfig;
  spiders: Map<string, { spiderClass: SpiderClass; file?: string }>;
}

/** The nearest config file from `start` upwards, or undefined. */
export function findConfig(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    for (const name of configFileNames) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Loads the config and every spider it names. @throws CliError (exit 2) on a missing config or a bad spider file */
export async function loadProject(cwd: string): Promise<Project> {
  const configPath = findConfig(cwd);
  if (!configPath) {
    throw new CliError(`No ${configFileNames[0]} found in ${cwd} or any parent directory. Create one: export default { spiders: ['spiders/*.ts'] }`);
  }
  const root = dirname(configPath);
  const loaded = (await import(pathToFileURL(configPath).href)) as { default?: TeineiConfig };
  const config = loaded.default;
  if (!config || !Array.isArray(config.spiders)) {
    throw new CliError(`${configPath}: the default export must be an object with a "spiders" array`);
  }
  const spiders: Project['spiders'] = new Map();
  const add = (spiderClass: SpiderClass, file?: string) => {
    const name = spiderClass.spiderName;
    const existing = spiders.get(name);
    if (existing && existing.spiderClass !== spiderClass) {
      throw new CliError(`Two spiders are named "${name}": ${existing.file ?? existing.spiderClass.name} and ${file ?? spiderClass.name}`);
    }
    spiders.set(name, { spiderClass, file });
  };
  for (const entry of config.spiders) {
    if (typeof entry !== 'string') {
      if (!isSpiderClass(entry)) throw new CliError(`${configPath}: spiders entry ${String(entry)} is not a Spider class with a static spiderName`);
      add(entry);
      continue;
    }
    const files = await glob(entry, { cwd: root, absolute: true, ignore: spiderGlobIgnore });
    for (const file of files.sort()) {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      const classes = Object.values(mod).filter(isSpiderClass);
      if (classes.length === 0) throw new CliError(`${relative(root, file)}: no Spider class exported (export default class … extends Spider)`);
      for (const spiderClass of classes) add(spiderClass, relative(root, file));
    }
  }
  return { configPath, root, config, spiders };
}

/** Duck-typed, so a spider built against another copy of teinei is still recognised. */
function isSpiderClass(value: unknown): value is SpiderClass {
  return (
    typeof value === 'function' &&
    typeof (value as { spiderName?: unknown }).spiderName === 'string' &&
    typeof (value as { prototype?: { start?: unknown } }).prototype?.start === 'function'
  );
}
