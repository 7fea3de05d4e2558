/**
 * Spiders and assertions shared by the politeness tests (run against test/helpers/strict-partner.ts).
 */
import { Spider, type Response } from '../../src/index.js';
import type { Crawler } from '../../src/core/crawler.js';
import type { Arrival, StrictPartner } from '../helpers/strict-partner.js';

interface Page {
  page: number;
  items: object[];
  next: string | null;
}

/** A spider that knows every page URL up front (so concurrency applies) and yields each page's items. */
export function allPagesSpider(partner: StrictPartner, name = 'all-pages') {
  return class AllPages extends Spider {
    static override spiderName = name;
    override async *start() {
      for (const url of partner.pageUrls()) yield this.request(url);
    }
    override *parse(response: Response) {
      yield* response.json<Page>().items;
    }
  };
}

/** A spider that starts at page 1 and follows `next`. */
export function followSpider(partner: StrictPartner, name = 'follow') {
  return class Follow extends Spider {
    static override spiderName = name;
    override async *start() {
      yield this.request(partner.pageUrl(1));
    }
    override *parse(response: Response) {
      const page = response.json<Page>();
      yield* page.items;
      if (page.next) yield response.follow(page.next);
    }
  };
}

/** Arrivals strictly after `from + graceMs` and before `from + ms - 1` (1 ms: Date.now()'s granularity). */
export function arrivalsWithin(partner: StrictPartner, from: number, ms: number, graceMs: number): Arrival[] {
  return partner.arrivals.filter((a) => a.at > from + graceMs && a.at < from + ms - 1);
}

/** Requests per second between the first and the last arrival: n / (last − first). */
export function sustainedRate(arrivals: Arrival[]): number {
  return arrivals.length / ((arrivals.at(-1)!.at - arrivals[0]!.at) / 1000);
}

/** Sorted ids 1..n, to compare with the ids of the items a crawl kept. */
export const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
export const itemIds = (items: object[]) => (items as Array<{ id: number }>).map((i) => i.id).sort((a, b) => a - b);

/**
 * How far into a Retry-After window the partner forgives an arrival. Over several connections the
 * partner cannot tell a request sent after the client read the announcement from one the client
 * had already sent (or was writing) when it arrived: in these runs such requests reached the
 * partner up to ~15 ms into the window (a burst of fresh connections under load is the slowest).
 * A client that ignores a pause keeps sending for the whole window, far past this grace; and
 * `clientPauseViolations` checks the client's side with no grace at all.
 */
export const IN_FLIGHT_GRACE_MS = 50;

/** Records, client-side, when the slot started requests and when it was told to pause. */
export function watchPauses(crawler: Crawler) {
  // A sequence number orders events within one millisecond.
  let seq = 0;
  const starts: Array<{ seq: number; at: number; url: string }> = [];
  const pauses: Array<{ seq: number; from: number; until: number; url: string }> = [];
  crawler.signals.on('requestReachedDownloader', ({ request }) => void starts.push({ seq: seq++, at: Date.now(), url: request.url }));
  // RateLimitMiddleware subscribed first (in fromCrawler), so the slot is already paused here.
  crawler.signals.on('responseDownloaded', ({ response, slot }) => {
    const until = crawler.slots.pausedUntil(slot);
    if (until > 0) pauses.push({ seq: seq++, from: Date.now(), until, url: response.url });
  });
  return {
    starts,
    pauses,
    /** Requests the slot started after it was told to pause and before the pause ended. */
    violations: () => starts.filter((s) => pauses.some((p) => s.seq > p.seq && s.at < p.until)),
  };
}

/** Prints what a test measured (rates, gaps, delays) when TEINEI_POLITENESS_REPORT is set; silent otherwise. */
export const report = (...parts: unknown[]): void => {
  if (process.env.TEINEI_POLITENESS_REPORT) console.log(...parts);
};
