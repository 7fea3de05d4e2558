/**
 * partnerB: a shop list with cursor pagination. Each page carries `next`, an absolute or relative
 * URL (or null on the last page); the spider follows it as given instead of building cursors.
 */
import { Spider, type Response } from 'teinei';
import { z } from 'zod';

/** One page of partnerB's `/partnerB/shops`. */
interface ShopsPage {
  shops: Array<{ id: string; name: string; phone: string; prefecture: string; updated_at: string }>;
  next: string | null;
}

/** Crawls every shop of partnerB: `crawl partnerB --base-url <url> [--limit 50]`. */
export default class PartnerB extends Spider {
  static override spiderName = 'partnerB';
  static override args = z.object({
    baseUrl: z.url().transform((url) => url.replace(/\/+$/, '')),
    // Page size; the API allows at most 50.
    limit: z.coerce.number().int().min(1).max(50).default(50),
  });
  declare args: z.infer<typeof PartnerB.args>;
  static override customSettings = { downloadDelay: 0.5 };

  override async *start() {
    yield this.request(`${this.args.baseUrl}/partnerB/shops?limit=${this.args.limit}`, { callback: this.parse });
  }

  /** Yields the page's shops as items, then follows `next`. */
  override async *parse(response: Response) {
    const page = response.json<ShopsPage>();
    for (const shop of page.shops) {
      yield { id: shop.id, name: shop.name, phone: shop.phone, prefecture: shop.prefecture, updatedAt: shop.updated_at };
    }
    // follow() resolves a relative `next` against this response's URL.
    if (page.next) yield response.follow(page.next, { callback: this.parse });
  }
}
