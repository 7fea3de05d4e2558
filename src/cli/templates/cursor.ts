/**
 * Pagination by cursor (partnerB): each page carries an opaque token for the next one, sent back
 * as a query parameter; a token that is a URL is followed as it is.
 */
import { lit, pickParam, type PaginationParts, type SpiderTemplateInput } from './common.js';

/** Parts of a spider that sends each page's cursor back until there is none. */
export function cursorTemplate({ url }: SpiderTemplateInput): PaginationParts {
  const param = pickParam(url, ['cursor', 'after', 'page_token', 'pageToken', 'continuation', 'next'], 'cursor');
  return {
    summary: `cursor pagination (each page's next cursor goes back as \`${param}\`, until there is none).`,
    constants: `/** The query parameter the cursor goes back in (read from --url). */
const CURSOR_PARAM = ${lit(param)};
/** Body fields that may hold the next cursor; the first one set wins. */
const CURSOR_FIELDS = ['next_cursor', 'nextCursor', 'cursor', 'next_page_token', 'nextPageToken', 'next'];`,
    members: `  override async *start() {
    yield this.request(\`\${this.args.baseUrl}\${this.args.path}\`, { callback: this.parse });
  }

  /** Yields the page's records as items, then asks for the page after the cursor. */
  override async *parse(response: Response) {
    const body = response.json();
    const records = recordsOf(body);
    for (const record of records) yield this.toItem(record);
    const cursor = nextCursor(body);
    // An empty page that still has a cursor would loop on some APIs: stop there.
    if (cursor === undefined || records.length === 0) return;
    // Some APIs (partnerB) give the next page's URL instead of a bare token.
    if (/^(https?:\\/\\/|\\/|\\?)/.test(cursor)) {
      yield response.follow(cursor, { callback: this.parse });
      return;
    }
    const url = new URL(response.request.url);
    url.searchParams.set(CURSOR_PARAM, cursor);
    yield this.request(url, { callback: this.parse });
  }`,
    helpers: `/** The first CURSOR_FIELDS value that is a non-empty string or a number. */
function nextCursor(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  for (const field of CURSOR_FIELDS) {
    const value = body[field];
    if (typeof value === 'string' && value) return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}
`,
  };
}
