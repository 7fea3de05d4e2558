/**
 * Shared plumbing for the politeness runners. Every runner is its own process:
 *
 *   node --import tsx bench/politeness/runners/<name>.ts '<RunnerArgs as JSON>'
 *   /usr/bin/python3 bench/politeness/runners/scrapy_runner.py '<RunnerArgs as JSON>'
 *
 * and ends by printing exactly one JSON line (a RunnerResult) on stdout. Missing items are a
 * measurement here, not an error: a runner exits 0 whenever its crawl ran to the end.
 */

export interface RunnerArgs {
  /** The strict partner, `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** Pages `/items?page=1` … `/items?page=<pages>`, all known up front. */
  pages: number;
  /** Items on each page. */
  items: number;
  /** The crawler's own settings / options for this scenario, in its own vocabulary. */
  settings: Record<string, unknown>;
}

export interface RunnerResult {
  runner: string;
  /** Items the crawl kept (counted by an item pipeline / the request handler). */
  items: number;
  expectedItems: number;
  /** Wall clock of the crawl itself (process start-up excluded). */
  seconds: number;
  /** Pages the crawler gave up on (retries exhausted / failed request handler). */
  giveUps: number;
  /** Retries the crawler scheduled. */
  retries: number;
  /** 429 responses the crawler saw. */
  responses429: number;
  /** Requests the crawler sent (its own count). */
  requests: number;
  /** Why the crawl ended, when the crawler says so. */
  closeReason?: string;
  /** The crawler's own stats that matter here, as it names them. */
  stats?: Record<string, unknown>;
}

export function parseArgs(argv: readonly string[] = process.argv.slice(2)): RunnerArgs {
  const [json] = argv;
  let args: Partial<RunnerArgs> | undefined;
  try {
    args = json ? (JSON.parse(json) as Partial<RunnerArgs>) : undefined;
  } catch {
    args = undefined;
  }
  if (
    !args ||
    typeof args.url !== 'string' ||
    !Number.isInteger(args.pages) ||
    !Number.isInteger(args.items) ||
    typeof args.settings !== 'object' ||
    args.settings === null
  ) {
    process.stderr.write(`usage: node --import tsx bench/politeness/runners/<runner>.ts '{"url":…,"pages":N,"items":N,"settings":{…}}'\n`);
    process.exit(2);
  }
  return { url: args.url.replace(/\/+$/, ''), pages: args.pages!, items: args.items!, settings: args.settings };
}

/** Every page URL, page 1 first (the strict partner's scheme). */
export function pageUrls(args: RunnerArgs): string[] {
  return Array.from({ length: args.pages }, (_, i) => `${args.url}/items?page=${i + 1}`);
}

/** Starts the wall clock; call the returned function when the crawl is over. */
export function startClock(): () => number {
  const t0 = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Prints the single JSON result line and exits 0 (lingering sockets/timers must not delay the harness). */
export async function finish(result: RunnerResult): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve()));
  process.exit(0);
}

export function fail(runner: string, err: unknown): never {
  process.stderr.write(`${runner}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

/** Items in a partner page body (0 for anything else, e.g. a 429's error body). */
export function countItems(body: unknown): number {
  const items = (body as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? items.length : 0;
}
