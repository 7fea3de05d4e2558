/**
 * Templates of `teinei new`: a spider per pagination style, and its test, which replays recorded
 * responses so it runs offline and fails when the spider's parsing breaks.
 */
import { spiderFile, type PaginationParts, type PaginationStyle, type SpiderTemplateInput } from './common.js';
import { cursorTemplate } from './cursor.js';
import { nextLinkTemplate } from './next-link.js';
import { offsetTemplate } from './offset.js';
import { pageTemplate } from './page.js';

export { spiderClassName, type PaginationStyle, type SpiderTemplateInput } from './common.js';

const templates: Record<PaginationStyle, (input: SpiderTemplateInput) => PaginationParts> = {
  'next-link': nextLinkTemplate,
  offset: offsetTemplate,
  page: pageTemplate,
  cursor: cursorTemplate,
};

/** The styles `--pagination` accepts, the default first. */
export const paginationStyles = Object.keys(templates) as PaginationStyle[];

/** The source of `spiders/<name>.ts` for the input's pagination style. */
export function spiderSource(input: SpiderTemplateInput): string {
  return spiderFile(input, templates[input.style](input));
}

/** The source of the spider's test; `spiderImport` is the spider module as the test imports it (`./shops.js`). */
export function spiderTestFile({ name, className }: SpiderTemplateInput, spiderImport: string): string {
  return `/**
 * ${name}, offline: replays the responses recorded in fixtures/${name} (no request leaves).
 * Record them first, from the project folder, and again when the partner's API changes:
 *   crawl ${name} --record fixtures/${name}
 */
import { runSpider } from 'teinei';
import { describe, expect, it } from 'vitest';
import ${className} from '${spiderImport}';

describe('${name}', () => {
  it('yields valid items from the recorded pages', async () => {
    // The arguments of the recorded run (the same flags as \`crawl ${name}\`, camelCased).
    const args = {};
    const { items, requests, stats, closeReason } = await runSpider(${className}, { args, replay: 'fixtures/${name}' });
    expect(closeReason).toBe('finished');
    expect(items.length).toBeGreaterThan(0);
    // The ValidationPipeline drops items that fail ${className}.item; a recorded run should have none.
    expect(stats['item_dropped_count'] ?? 0).toBe(0);
    // TODO: pin what matters for this partner, e.g.
    // expect(items[0]).toMatchObject({ id: 1 });
    // expect(requests).toHaveLength(3);
    void requests;
  });
});
`;
}
