/**
 * partnerA: a connpass-like event search with offset pagination (`count` per page from `start`).
 *
 * `--count` is the page size (the API allows at most 100), not a total: the spider pages on until
 * `results_available` is reached. Against the default mock (250 events) `--count 100` makes
 * 3 requests (start=1, 101, 201) and yields 250 items.
 */
import { Spider, type Response } from 'teinei';
import { z } from 'zod';

/** One page of partnerA's `/partnerA/events`. */
interface EventsPage {
  results_returned: number;
  results_available: number;
  results_start: number;
  events: Array<{
    event_id: number;
    title: string;
    started_at: string;
    place: string;
    address: string;
    accepted: number;
    limit: number;
    owner_display_name: string;
    url: string;
  }>;
}

/** Crawls every event of partnerA: `crawl partnerA --base-url <url> [--count 100]`. */
export default class PartnerA extends Spider {
  static override spiderName = 'partnerA';
  static override args = z.object({
    // A trailing slash would make `…//partnerA/events`; strip it once here.
    baseUrl: z.url().transform((url) => url.replace(/\/+$/, '')),
    count: z.coerce.number().int().min(1).max(100).default(100),
  });
  declare args: z.infer<typeof PartnerA.args>;
  static override customSettings = { downloadDelay: 0.5 };

  override async *start() {
    yield this.page(1);
  }

  /** Yields the page's events as items, then the next page while events remain. */
  override async *parse(response: Response) {
    const page = response.json<EventsPage>();
    for (const event of page.events) {
      yield {
        eventId: event.event_id,
        title: event.title,
        startedAt: event.started_at,
        place: event.place,
        address: event.address,
        accepted: event.accepted,
        limit: event.limit,
        owner: event.owner_display_name,
        url: event.url,
      };
    }
    // `start` is 1-based, so the next page starts right after the last returned event.
    const next = page.results_start + page.results_returned;
    // An empty page would repeat this request forever if results_available were wrong: stop there.
    if (page.results_returned > 0 && next <= page.results_available) yield this.page(next);
  }

  private page(start: number) {
    return this.request(`${this.args.baseUrl}/partnerA/events?count=${this.args.count}&start=${start}`, { callback: this.parse });
  }
}
