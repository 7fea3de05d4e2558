/**
 * Pagination by link: each page names the next one, in the body (`next`) or in a Link header.
 */
import type { PaginationParts, SpiderTemplateInput } from './common.js';

/** Parts of a spider that follows `next` links until there is none. */
export function nextLinkTemplate(_input: SpiderTemplateInput): PaginationParts {
  return {
    summary: 'each page links to the next one (a `next` URL in the body, or a Link header).',
    constants: `/** The body field holding the next page's URL (absolute or relative); a Link: <…>; rel="next" header works too. */
const NEXT_FIELD = 'next';`,
    members: `  override async *start() {
    yield this.request(\`\${this.args.baseUrl}\${this.args.path}\`, { callback: this.parse });
  }

  /** Yields the page's records as items, then follows the next link. */
  override async *parse(response: Response) {
    const body = response.json();
    for (const record of recordsOf(body)) yield this.toItem(record);
    // follow() resolves a relative link against this response's URL.
    const next = nextLink(body, response.header('link'));
    if (next) yield response.follow(next, { callback: this.parse });
  }`,
    helpers: `/** The next page's URL: the body's NEXT_FIELD, else the Link header's rel="next" (RFC 8288). */
function nextLink(body: unknown, link: string | undefined): string | undefined {
  const fromBody = isObject(body) ? body[NEXT_FIELD] : undefined;
  if (typeof fromBody === 'string' && fromBody) return fromBody;
  for (const part of link?.split(/,\\s*(?=<)/) ?? []) {
    const match = /^<([^>]*)>(.*)$/.exec(part.trim());
    if (match && /;\\s*rel="?[^";]*\\bnext\\b/i.test(match[2]!)) return match[1];
  }
  return undefined;
}
`,
  };
}
