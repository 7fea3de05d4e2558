/**
 * Shared plumbing for the benchmark runners. Every runner is its own process:
 *
 *   node --import tsx bench/http/runners/<name>.ts <baseUrl> <pages> <concurrency>
 *
 * and ends by printing exactly one JSON line (a RunnerResult) on stdout.
 */

export const ITEMS_PER_PAGE = 50;

export interface RunnerArgs {
  baseUrl: string;
  pages: number;
  concurrency: number;
}

export interface RunnerResult {
  runner: string;
  pages: number;
  items: number;
  /** wall clock from just before the crawl starts to its end */
  seconds: number;
  /** user+system CPU of the whole process life, in ms */
  cpuMs: number;
  /** peak resident set size of the process, in MB */
  peakRssMb: number;
}

export function parseArgs(argv: readonly string[] = process.argv.slice(2)): RunnerArgs {
  const [baseUrl, pagesArg, concurrencyArg] = argv;
  const pages = Number(pagesArg);
  const concurrency = Number(concurrencyArg ?? 16);
  if (!baseUrl || !Number.isInteger(pages) || pages <= 0 || !Number.isInteger(concurrency) || concurrency <= 0) {
    process.stderr.write('usage: node --import tsx bench/http/runners/<runner>.ts <baseUrl> <pages> <concurrency>\n');
    process.exit(2);
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ''), pages, concurrency };
}

export function pageUrls(baseUrl: string, pages: number): string[] {
  const urls = new Array<string>(pages);
  for (let i = 0; i < pages; i++) urls[i] = `${baseUrl}/page/${i}`;
  return urls;
}

/** Starts the wall clock; call the returned function when the crawl is over. */
export function startClock(): () => number {
  const t0 = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Prints the single JSON result line and exits: 0 when exactly pages*50 items
 * were seen, 1 otherwise. CPU and peak RSS are read here, at the very end.
 */
export async function finish(runner: string, args: RunnerArgs, items: number, seconds: number): Promise<never> {
  const cpu = process.cpuUsage();
  const result: RunnerResult = {
    runner,
    pages: args.pages,
    items,
    seconds,
    cpuMs: (cpu.user + cpu.system) / 1000,
    // resourceUsage().maxRSS is in kilobytes
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve()));
  const expected = args.pages * ITEMS_PER_PAGE;
  if (items !== expected) {
    process.stderr.write(`${runner}: expected ${expected} items, got ${items}\n`);
    process.exit(1);
  }
  // exit explicitly: lingering keep-alive sockets / timers must not delay the harness
  process.exit(0);
}

export function fail(runner: string, err: unknown): never {
  process.stderr.write(`${runner}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

export interface PageBody {
  page: number;
  items: object[];
}

export function countItems(body: unknown): number {
  const items = (body as Partial<PageBody> | null)?.items;
  return Array.isArray(items) ? items.length : 0;
}
