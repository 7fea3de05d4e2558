/**
 * The project config file, `teinei.config.ts` (or .mts/.js/.mjs), found from the working directory
 * upwards by the CLI.
 */
import type { SettingsInput } from './settings.js';
import type { SpiderClass } from './spiders/spider.js';

/** What `teinei.config.ts` exports by default. */
export interface TeineiConfig {
  /**
   * Spider classes, or globs of files (relative to the config file) whose default export is a
   * Spider class; e.g. `['spiders/*.ts']`.
   */
  spiders: Array<string | SpiderClass>;
  /** Project settings: over the defaults, under each spider's customSettings and the CLI's `-s`. */
  settings?: SettingsInput;
}

/** Identity helper that types a config object: `export default defineConfig({ … })`. */
export function defineConfig(config: TeineiConfig): TeineiConfig {
  return config;
}
