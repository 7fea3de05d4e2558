/**
 * Pagination by offset (partnerA's start/count): ask for the records after the ones received,
 * until a page comes back empty.
 */
import { lit, pickParam, type PaginationParts, type SpiderTemplateInput } from './common.js';

/** Parts of a spider that moves an offset query parameter by each page's record count. */
export function offsetTemplate({ url }: SpiderTemplateInput): PaginationParts {
  const param = pickParam(url, ['offset', 'start', 'skip', 'from'], 'offset');
  // `start` is 1-based in the APIs that use the name (connpass, partnerA); `offset` is 0-based.
  const first = Number(url.searchParams.get(param) ?? (param === 'start' ? 1 : 0));
  return {
    summary: `offset pagination (\`${param}\` moves by each page's record count until a page is empty).`,
    constants: `/** The query parameter holding the offset, and the first page's offset (both read from --url). */
const OFFSET_PARAM = ${lit(param)};
const FIRST_OFFSET = ${Number.isFinite(first) ? first : 0};`,
    members: `  override async *start() {
    yield this.page(FIRST_OFFSET);
  }

  /** Yields the page's records as items, then asks for the records after them. */
  override async *parse(response: Response) {
    const records = recordsOf(response.json());
    for (const record of records) yield this.toItem(record);
    // Only an empty page ends the crawl: a short one may be the server capping the page size.
    if (records.length === 0) return;
    const offset = Number(new URL(response.request.url).searchParams.get(OFFSET_PARAM) ?? FIRST_OFFSET);
    yield this.page(offset + records.length);
  }

  /** The page starting at \`offset\`; the other parameters (page size…) stay as --path has them. */
  private page(offset: number) {
    const url = new URL(\`\${this.args.baseUrl}\${this.args.path}\`);
    url.searchParams.set(OFFSET_PARAM, String(offset));
    return this.request(url, { callback: this.parse });
  }`,
  };
}
