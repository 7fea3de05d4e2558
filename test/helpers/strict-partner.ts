/**
 * A strict loopback partner for politeness tests and benchmarks: a paginated JSON API that counts
 * every arrival, enforces an N-per-second sliding-window limit (429 + Retry-After + RateLimit-*),
 * and injects faults per page (resets, hangs, truncated bodies, 5xx, malformed JSON, exhausted
 * budgets), with optional ETag/304 revalidation.
 *
 * Timestamps are epoch ms (`performance.timeOrigin + performance.now()`), so they compare with a
 * client's `Date.now()` even across processes.
 *
 * As a library: `const partner = await startStrictPartner({ pages: 60, itemsPerPage: 5, limitPerSecond: 10 })`.
 * As a process (for benchmarks driving it from Python or another Node):
 *   node --import tsx test/helpers/strict-partner.ts --pages 100 --items 10 --limit 10
 * prints `{"url":"http://127.0.0.1:<port>"}` as one line, and on SIGTERM (or SIGINT) prints its
 * stats (`StrictPartnerStats`) as one JSON line and exits 0. Other flags: --retry-after <s>,
 * --latency <ms>, --etag, --port <n>, --faults '<json of the faults option>', --malformed-forever 3,7,
 * --no-budget-headers (RateLimit-* only on 429s), --integer-reset.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

/** A fault injected into one arrival for a page. */
export type FaultKind =
  /** The TCP connection is reset before any response byte (ECONNRESET at the client). */
  | 'reset'
  /** No response at all, until the client gives up (its timeout) or the partner closes. */
  | 'hang'
  /** 200 whose Content-Length is larger than the bytes sent; the connection is then destroyed. */
  | 'truncate'
  /** 500 with a small JSON error body. */
  | '500'
  /** 503 with `Retry-After: <retryAfterSeconds>`. */
  | '503'
  /** 429 with `Retry-After: <retryAfterSeconds>` and RateLimit-Remaining: 0. */
  | '429'
  /** 200 whose body is not JSON (a cut-off JSON text, with a correct Content-Length). */
  | 'malformed'
  /** 200 with the real page, but `RateLimit-Remaining: 0` and `RateLimit-Reset: <exhaustedResetSeconds>`. */
  | 'exhausted';

/** A custom answer: status, optional Retry-After (seconds or HTTP date) and extra headers. */
export interface CustomFault {
  status: number;
  retryAfter?: number | string;
  headers?: Record<string, string>;
  /** What the body is: the real page ('page', default for 2xx), a cut-off JSON ('malformed') or an error object ('error', default otherwise). */
  body?: 'page' | 'malformed' | 'error';
}

export type Fault = FaultKind | CustomFault;

export interface StrictPartnerOptions {
  /** Pages served: `/items?page=1` … `/items?page=<pages>`. */
  pages: number;
  /** Items per page. */
  itemsPerPage: number;
  /** Strict sliding 1-second window over ALL arrivals (429s included); over it → 429. Unset: no limit. */
  limitPerSecond?: number;
  /** Retry-After (seconds) on the limiter's 429s and on '429'/'503' faults. Default 1. */
  retryAfterSeconds?: number;
  /** RateLimit-Reset (seconds) sent by the 'exhausted' fault. Default 1. */
  exhaustedResetSeconds?: number;
  /** Milliseconds before each answer (faults included, except 'reset' and 'hang'). */
  latencyMs?: number;
  /**
   * Faults by page: the k-th arrival for that page (counting arrivals the limiter let through)
   * gets the k-th fault; later arrivals succeed.
   */
  faults?: Record<number, Fault[]>;
  /** Pages answered 'malformed' on every arrival. */
  malformedForever?: number[];
  /** Send `ETag` on pages and answer 304 to a matching `If-None-Match`. */
  etag?: boolean;
  /** Send RateLimit-Limit/Remaining/Reset on answers under the limit (default true); 429s always carry them. */
  budgetHeaders?: boolean;
  /** RateLimit-Reset on 2xx as whole seconds (ceil, as the IETF draft has it) instead of ms precision. Default false. */
  integerReset?: boolean;
  /** Port to listen on (default 0: ephemeral). */
  port?: number;
}

/** One request as the partner saw it. */
export interface Arrival {
  /** Path and query as sent. */
  path: string;
  /** The page asked for (NaN when the path is not a page). */
  page: number;
  /** Epoch ms (performance.timeOrigin + performance.now()) when the request's headers arrived. */
  at: number;
  /** Status answered; 0 when no status was sent ('reset', 'hang', or not answered yet). */
  status: number;
  /** The injected fault, when one was ('limit' when the limiter answered 429). */
  fault?: FaultKind | 'custom' | 'limit';
  /** Epoch ms when the answer was sent (headers written), when it was. */
  answeredAt?: number;
  /** Epoch ms when the connection this request came on was accepted. */
  connectedAt: number;
  /** 0 for the first request on its connection, 1 for the second (keep-alive), … */
  onConnection: number;
}

/** A window the partner announced (Retry-After on any answer): no request is welcome in [from, until). */
export interface AnnouncedWindow {
  from: number;
  until: number;
  path: string;
  status: number;
}

export interface ViolationOptions {
  graceMs?: number;
  toleranceMs?: number;
}

/** Stats, as printed on SIGTERM by the CLI. */
export interface StrictPartnerStats {
  arrivals: number;
  maxInAnyWindow: number;
  /** Arrivals inside an announced Retry-After window (graceMs 0: requests possibly already in flight count too). */
  violations: number;
  /** The same, forgiving the first 50 ms of each window (requests the client may have sent before the announcement reached it). */
  violationsAfter50ms: number;
  served429: number;
  byStatus: Record<string, number>;
  /** Distinct pages answered 200 or 304 at least once. */
  pagesServed: number;
  firstAt: number | null;
  lastAt: number | null;
  /** arrivals / (lastAt − firstAt) in requests per second (null under 2 arrivals). */
  ratePerSecond: number | null;
}

export interface StrictPartner {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** Absolute URL of page n. */
  pageUrl(n: number): string;
  /** Every page URL, page 1 first (for spiders that know all pages up front). */
  pageUrls(): string[];
  /** Every arrival, in order. */
  readonly arrivals: Arrival[];
  /** Retry-After windows announced so far. */
  readonly windows: AnnouncedWindow[];
  /** Most arrivals in any window [t, t + ms). */
  maxInAnyWindow(ms?: number): number;
  /**
   * Arrivals that came while a Retry-After window announced earlier was still open: after
   * `from + graceMs` and before `until - toleranceMs`. `graceMs` (default 0) forgives requests the
   * client had already sent (or was sending) when the announcement reached it: over several
   * connections the partner cannot tell those from a violation. `toleranceMs` (default 1) forgives
   * Date.now()'s 1 ms granularity at the window's end.
   */
  violations(options?: ViolationOptions): Arrival[];
  /** 429s answered (limiter and faults). */
  readonly served429: number;
  /** Arrivals for one page. */
  arrivalsFor(page: number): Arrival[];
  stats(): StrictPartnerStats;
  /** Closes the server, destroying open connections (hanging requests included). */
  close(): Promise<void>;
}

const now = () => performance.timeOrigin + performance.now();

/** Items of page n: ids are global and consecutive. */
export function pageItems(page: number, itemsPerPage: number): Array<{ id: number; page: number; n: number }> {
  return Array.from({ length: itemsPerPage }, (_, i) => ({ id: (page - 1) * itemsPerPage + i + 1, page, n: i + 1 }));
}

export async function startStrictPartner(options: StrictPartnerOptions): Promise<StrictPartner> {
  const retryAfter = options.retryAfterSeconds ?? 1;
  const exhaustedReset = options.exhaustedResetSeconds ?? 1;
  const latency = options.latencyMs ?? 0;
  const malformedForever = new Set(options.malformedForever ?? []);
  const limit = options.limitPerSecond;

  const arrivals: Arrival[] = [];
  const windows: AnnouncedWindow[] = [];
  /** Arrival times in the limiter's current window (all arrivals, oldest first). */
  const recent: number[] = [];
  /** Arrivals per page that passed the limiter (indexes the page's faults). */
  const pageArrivals = new Map<number, number>();
  const sockets = new Set<Socket>();
  const connections = new WeakMap<Socket, { at: number; requests: number }>();
  const timers = new Set<NodeJS.Timeout>();
  /** Pages whose real body (or a 304) was answered at least once. */
  const delivered = new Set<number>();
  let served429 = 0;
  let url = '';

  const later = (fn: () => void) => {
    if (latency <= 0) return fn();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, latency);
    timers.add(timer);
  };

  const server = http.createServer((req, res) => {
    const at = now();
    const path = req.url ?? '/';
    const match = /^\/items\?page=(\d+)$/.exec(path);
    const page = match ? Number(match[1]) : Number.NaN;
    const conn = connections.get(req.socket) ?? { at, requests: 0 };
    const arrival: Arrival = { path, page, at, status: 0, connectedAt: conn.at, onConnection: conn.requests++ };
    arrivals.push(arrival);
    // Drain any request body so keep-alive works.
    req.resume();

    // The limiter: a strict sliding window (t − 1000, t] over every arrival, this one included.
    let inWindow = 0;
    if (limit !== undefined) {
      while (recent.length && recent[0]! <= at - 1000) recent.shift();
      recent.push(at);
      inWindow = recent.length;
    }
    const windowHeaders = (): Record<string, string> => {
      if (limit === undefined || options.budgetHeaders === false) return {};
      const remaining = Math.max(0, limit - inWindow);
      // Seconds until the oldest arrival in the window leaves it (the budget grows then).
      const resetMs = Math.max(0, recent[0]! + 1000 - now());
      const reset = options.integerReset ? String(Math.ceil(resetMs / 1000)) : (resetMs / 1000).toFixed(3);
      return { 'ratelimit-limit': String(limit), 'ratelimit-remaining': String(remaining), 'ratelimit-reset': reset };
    };

    const answer = (status: number, headers: Record<string, string>, body: string | undefined, fault?: Arrival['fault']) => {
      if (res.destroyed) return;
      const text = body ?? '';
      const all: Record<string, string | number> = { 'content-type': 'application/json', ...headers };
      if (status !== 304) all['content-length'] = Buffer.byteLength(text);
      res.writeHead(status, all);
      const answeredAt = now();
      arrival.status = status;
      arrival.answeredAt = answeredAt;
      if (fault) arrival.fault = fault;
      if (status === 429) served429++;
      const ra = headers['retry-after'];
      if (ra !== undefined) {
        const seconds = /^\d+(\.\d+)?$/.test(ra) ? Number(ra) : (Date.parse(ra) - Date.now()) / 1000;
        if (Number.isFinite(seconds) && seconds > 0) windows.push({ from: answeredAt, until: answeredAt + seconds * 1000, path, status });
      }
      res.end(status === 304 ? undefined : text);
    };

    if (limit !== undefined && inWindow > limit) {
      later(() =>
        answer(
          429,
          { 'retry-after': String(retryAfter), 'ratelimit-limit': String(limit), 'ratelimit-remaining': '0', 'ratelimit-reset': String(retryAfter) },
          JSON.stringify({ error: 'rate limited', limit }),
          'limit',
        ),
      );
      return;
    }

    if (!match || page < 1 || page > options.pages) {
      later(() => answer(404, windowHeaders(), JSON.stringify({ error: 'not found', path })));
      return;
    }

    const k = pageArrivals.get(page) ?? 0;
    pageArrivals.set(page, k + 1);
    const fault: Fault | undefined = options.faults?.[page]?.[k] ?? (malformedForever.has(page) ? 'malformed' : undefined);
    const items = pageItems(page, options.itemsPerPage);
    const pageBody = JSON.stringify({ page, items, next: page < options.pages ? `/items?page=${page + 1}` : null });
    const malformedBody = pageBody.slice(0, Math.max(1, Math.floor(pageBody.length / 2)));
    const etag = `"p${page}-v1"`;
    const etagHeaders: Record<string, string> = options.etag ? { etag } : {};

    if (fault === 'reset') {
      arrival.fault = 'reset';
      const socket = req.socket;
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    if (fault === 'hang') {
      arrival.fault = 'hang';
      return; // Never answered: the client times out, or close() destroys the socket.
    }
    later(() => {
      if (fault === 'truncate') {
        arrival.fault = 'truncate';
        arrival.status = 200;
        arrival.answeredAt = now();
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(pageBody) + 100, ...windowHeaders(), ...etagHeaders });
        res.write(pageBody.slice(0, Math.floor(pageBody.length / 2)));
        // Let the partial body reach the client, then drop the connection short of Content-Length.
        setImmediate(() => res.socket?.destroy());
        return;
      }
      if (fault === '500') return answer(500, windowHeaders(), JSON.stringify({ error: 'internal error' }), '500');
      if (fault === '503') return answer(503, { ...windowHeaders(), 'retry-after': String(retryAfter) }, JSON.stringify({ error: 'unavailable' }), '503');
      if (fault === '429') {
        return answer(
          429,
          { 'retry-after': String(retryAfter), 'ratelimit-limit': String(limit ?? 0), 'ratelimit-remaining': '0', 'ratelimit-reset': String(retryAfter) },
          JSON.stringify({ error: 'rate limited' }),
          '429',
        );
      }
      if (fault === 'malformed') return answer(200, { ...windowHeaders(), ...etagHeaders }, malformedBody, 'malformed');
      if (fault === 'exhausted') {
        delivered.add(page);
        return answer(200, { ...windowHeaders(), ...etagHeaders, 'ratelimit-remaining': '0', 'ratelimit-reset': String(exhaustedReset) }, pageBody, 'exhausted');
      }
      if (typeof fault === 'object') {
        const headers: Record<string, string> = { ...windowHeaders(), ...(fault.headers ?? {}) };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        const kind = fault.body ?? (fault.status >= 200 && fault.status < 300 ? 'page' : 'error');
        if (kind === 'page' && fault.status < 300) delivered.add(page);
        const body = kind === 'page' ? pageBody : kind === 'malformed' ? malformedBody : JSON.stringify({ error: `status ${fault.status}` });
        return answer(fault.status, headers, body, 'custom');
      }
      delivered.add(page);
      if (options.etag && req.headers['if-none-match'] === etag) return answer(304, { ...windowHeaders(), ...etagHeaders }, undefined);
      return answer(200, { ...windowHeaders(), ...etagHeaders }, pageBody);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    connections.set(socket, { at: now(), requests: 0 });
    socket.on('close', () => sockets.delete(socket));
  });
  // A reset or truncated connection surfaces here on some platforms; it is the point of the fault.
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;

  const maxInAnyWindow = (ms = 1000): number => {
    const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
    let best = 0;
    let j = 0;
    for (let i = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= ms) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  };
  const violations = ({ graceMs = 0, toleranceMs = 1 }: ViolationOptions = {}): Arrival[] =>
    arrivals.filter((a) => windows.some((w) => a.at > w.from + graceMs && a.at < w.until - toleranceMs));

  const stats = (): StrictPartnerStats => {
    const byStatus: Record<string, number> = {};
    for (const a of arrivals) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
    const firstAt = arrivals[0]?.at ?? null;
    const lastAt = arrivals.at(-1)?.at ?? null;
    const span = firstAt !== null && lastAt !== null ? (lastAt - firstAt) / 1000 : 0;
    return {
      arrivals: arrivals.length,
      maxInAnyWindow: maxInAnyWindow(),
      violations: violations().length,
      violationsAfter50ms: violations({ graceMs: 50 }).length,
      served429,
      byStatus,
      pagesServed: delivered.size,
      firstAt,
      lastAt,
      ratePerSecond: arrivals.length >= 2 && span > 0 ? (arrivals.length - 1) / span : null,
    };
  };

  return {
    url,
    pageUrl: (n) => `${url}/items?page=${n}`,
    pageUrls: () => Array.from({ length: options.pages }, (_, i) => `${url}/items?page=${i + 1}`),
    arrivals,
    windows,
    maxInAnyWindow,
    violations,
    get served429() {
      return served429;
    },
    arrivalsFor: (page) => arrivals.filter((a) => a.page === page),
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The CLI: `--pages 100 --items 10 --limit 10 [--retry-after 1] [--latency 0] [--etag] [--port 0] [--faults JSON] [--malformed-forever 3,7]`. */
async function main(argv: string[]): Promise<void> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`Unexpected argument ${arg}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) flags.set(arg.slice(2), 'true');
    else flags.set(arg.slice(2), (i++, next));
  }
  const num = (name: string) => (flags.has(name) ? Number(flags.get(name)) : undefined);
  const partner = await startStrictPartner({
    pages: num('pages') ?? 100,
    itemsPerPage: num('items') ?? 10,
    limitPerSecond: num('limit'),
    retryAfterSeconds: num('retry-after'),
    latencyMs: num('latency'),
    etag: flags.get('etag') === 'true',
    port: num('port'),
    integerReset: flags.get('integer-reset') === 'true',
    budgetHeaders: flags.get('no-budget-headers') !== 'true',
    faults: flags.has('faults') ? (JSON.parse(flags.get('faults')!) as Record<number, Fault[]>) : undefined,
    malformedForever: flags.get('malformed-forever')?.split(',').filter(Boolean).map(Number),
  });
  process.stdout.write(`${JSON.stringify({ url: partner.url })}\n`);
  const stop = () => {
    process.stdout.write(`${JSON.stringify(partner.stats())}\n`, () => {
      void partner.close().finally(() => process.exit(0));
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
