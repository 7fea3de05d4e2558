/**
 * Pagination by page number: page=1, 2, 3… until a page comes back empty.
 */
import { lit, pickParam, type PaginationParts, type SpiderTemplateInput } from './common.js';

/** Parts of a spider that counts a page query parameter up until an empty page. */
export function pageTemplate({ url }: SpiderTemplateInput): PaginationParts {
  const param = pickParam(url, ['page', 'p', 'pageNo', 'page_number', 'pageNumber'], 'page');
  const first = Number(url.searchParams.get(param) ?? 1);
  return {
    summary: `page-number pagination (\`${param}\` counts up until a page is empty).`,
    constants: `/** The query parameter holding the page number, and the first page's number (both read from --url). */
const PAGE_PARAM = ${lit(param)};
const FIRST_PAGE = ${Number.isFinite(first) ? first : 1};`,
    members: `  override async *start() {
    yield this.page(FIRST_PAGE);
  }

  /** Yields the page's records as items, then asks for the next page. */
  override async *parse(response: Response) {
    const records = recordsOf(response.json());
    for (const record of records) yield this.toItem(record);
    // Only an empty page ends the crawl: page counts and totals in bodies are often wrong.
    if (records.length === 0) return;
    const page = Number(new URL(response.request.url).searchParams.get(PAGE_PARAM) ?? FIRST_PAGE);
    yield this.page(page + 1);
  }

  /** Page number \`page\`; the other parameters (page size…) stay as --path has them. */
  private page(page: number) {
    const url = new URL(\`\${this.args.baseUrl}\${this.args.path}\`);
    url.searchParams.set(PAGE_PARAM, String(page));
    return this.request(url, { callback: this.parse });
  }`,
  };
}
