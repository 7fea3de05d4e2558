/**
 * docs/settings.md is generated from the settings schema; this fails when it is stale.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { renderSettingsDoc } from '../../scripts/settings-doc.js';
import { settingsSchema } from '../../src/settings.js';

it('docs/settings.md matches src/settings.ts (run: npm run docs:settings)', () => {
  const committed = readFileSync(new URL('../../docs/settings.md', import.meta.url), 'utf8');
  expect(committed).toBe(renderSettingsDoc());
});

it('every setting has a doc line', () => {
  const missing = Object.entries(settingsSchema.shape).filter(([, schema]) => !schema.description).map(([key]) => key);
  expect(missing).toEqual([]);
});

it('every Scrapy spelling shown in the reference resolves back to its setting', async () => {
  const { normalizeSettingKey } = await import('../../src/settings.js');
  for (const key of Object.keys(settingsSchema.shape)) {
    expect(normalizeSettingKey(key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase())).toBe(key);
  }
});
