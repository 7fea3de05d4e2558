/**
 * Local JSON API for the HTTP benchmark.
 *
 * Runs in its own process (started by bench/http/run.ts) so that its CPU time
 * is never counted against the crawler being measured.
 *
 *   GET /page/<n>  -> {"page":n,"items":[50 x {id,name,price,tags}]}
 *   GET /__stats   -> {"cpuMs":..., "requests":..., "cachedPages":...}
 *
 * Bodies are built once per page (from pre-serialised item fragments) and
 * cached as Buffers — all of them up front when started as
 * `server.ts <pages>` (the harness does) — so serving a request is a Map
 * lookup and a socket write. Keep-alive is on.
 *
 * When listening it prints one JSON line on stdout: {"url":"http://127.0.0.1:<port>"}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ITEMS_PER_PAGE = 50;

const NAMES = [
  '抹茶ラテ 宇治産',
  '手ぬぐい 富士山柄',
  '有田焼 湯呑み',
  '南部鉄器 急須',
  '京都 八ッ橋 詰め合わせ',
  '北海道 昆布 だし',
  '信楽焼 小皿セット',
  '桐箱入り 箸',
  '江戸切子 グラス',
  '和紙 便箋',
  'Kyoto incense sticks',
  'Tenugui towel (藍染)',
];
const TAGS = ['和雑貨', 'sale', '新着', 'gift', '限定', 'food', '陶器', 'handmade'];

/** Pre-serialised tails `,"name":...,"price":...,"tags":[...]}` for item slots. */
const FRAGMENTS: string[] = [];
for (let k = 0; k < 97; k++) {
  const name = `${NAMES[k % NAMES.length]} No.${k}`;
  const price = 300 + ((k * 7919) % 20000);
  const tags = [TAGS[k % TAGS.length], TAGS[(k * 3 + 1) % TAGS.length], TAGS[(k * 5 + 2) % TAGS.length]];
  FRAGMENTS.push(`,"name":${JSON.stringify(name)},"price":${price},"tags":${JSON.stringify(tags)}}`);
}

export function buildPageBody(page: number): Buffer {
  let s = `{"page":${page},"items":[`;
  const base = page * ITEMS_PER_PAGE;
  for (let i = 0; i < ITEMS_PER_PAGE; i++) {
    const id = base + i;
    if (i > 0) s += ',';
    s += `{"id":${id}${FRAGMENTS[id % FRAGMENTS.length]}`;
  }
  s += ']}';
  return Buffer.from(s, 'utf8');
}

const maxCached = Number(process.env.BENCH_SERVER_CACHE_PAGES ?? 50_000);
const cache = new Map<number, Buffer>();
let requests = 0;

function pageBody(page: number): Buffer {
  let body = cache.get(page);
  if (body === undefined) {
    body = buildPageBody(page);
    if (cache.size < maxCached) cache.set(page, body);
  }
  return body;
}

const NOT_FOUND = Buffer.from('{"error":"not found"}');

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  requests++;
  const url = req.url ?? '/';
  if (url.startsWith('/page/')) {
    const n = Number(url.slice(6));
    if (Number.isInteger(n) && n >= 0) {
      send(res, 200, pageBody(n));
      return;
    }
  } else if (url === '/__stats') {
    requests--; // do not count the harness' own probes
    const cpu = process.cpuUsage();
    send(
      res,
      200,
      Buffer.from(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, requests, cachedPages: cache.size })),
    );
    return;
  }
  send(res, 404, NOT_FOUND);
}

const server = createServer({ keepAlive: true }, handle);
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0; // unlimited requests per keep-alive connection

// Optional argv[2]: pre-build the bodies of pages 0..n-1 before listening.
const prebuild = Math.min(Number(process.argv[2] ?? 0) || 0, maxCached);
for (let i = 0; i < prebuild; i++) cache.set(i, buildPageBody(i));

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});

function shutdown(): void {
  server.closeAllConnections();
  server.close(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// When started by the harness, exit with it: it holds our stdin open and it
// closes when the harness is done (or dies without sending SIGTERM).
if (process.env.BENCH_SERVER_WATCH_STDIN === '1') {
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
