/**
 * Renders docs/settings.md from the zod schema in src/settings.ts, so the reference cannot drift:
 *   node --import tsx scripts/settings-doc.ts          (writes docs/settings.md)
 * test/docs/settings-doc.test.ts fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { settingsSchema } from '../src/settings.js';

/** The Markdown reference: one row per setting with its default and doc line. */
export function renderSettingsDoc(): string {
  const defaults = settingsSchema.parse({}) as Record<string, unknown>;
  const rows = Object.entries(settingsSchema.shape).map(([key, schema]) => {
    const value = defaults[key];
    const shown = value === undefined ? '(unset)' : `\`${JSON.stringify(value)}\``;
    const scrapy = key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
    return `| \`${key}\` | ${shown.replace(/\|/g, '\\|')} | \`${scrapy}\` | ${(schema.description ?? '').replace(/\|/g, '\\|')} |`;
  });
  return [
    '# Settings reference',
    '',
    'Generated from `src/settings.ts` by `scripts/settings-doc.ts`; do not edit by hand.',
    'Layers, lowest first: these defaults < project config (`teinei.config.ts`) < spider `customSettings`',
    '< `crawl(Spider, args, { settings })` < CLI `-s key=value` (camelCase or the Scrapy spelling shown).',
    '',
    '| setting | default | Scrapy spelling | what it does |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('../docs/settings.md', import.meta.url), renderSettingsDoc());
}
