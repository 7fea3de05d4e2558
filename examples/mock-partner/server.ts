/**
 * A mock of two partner APIs, so the example spiders (and their tests) run without the network.
 *
 * - partnerA, a connpass-like event search: `GET /partnerA/events?count=N&start=S` (offset pagination).
 * - partnerB, a shop list: `GET /partnerB/shops?cursor=…&limit=N` (cursor pagination with a `next` link).
 *
 * Data is a pure function of the index, so every run serves the same bytes. Run it as a script to
 * crawl it by hand: `node --import tsx examples/mock-partner/server.ts [--port 8080] [--events 250] [--shops 120]`
 * prints `{"url":"http://127.0.0.1:PORT"}` on stdout and serves until SIGINT/SIGTERM.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** Options of startMockPartner. */
export interface MockPartnerOptions {
  /** Port on 127.0.0.1; default 0 (an ephemeral one, so parallel tests never collide). */
  port?: number;
  /** How many events partnerA has (default 250). */
  events?: number;
  /** How many shops partnerB has (default 120). */
  shops?: number;
}

/** A running mock. */
export interface MockPartner {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  /** Stops listening and drops keep-alive connections. */
  close(): Promise<void>;
  /** Requests served so far (any path, any status). */
  readonly hits: number;
}

/** One partnerA event, as the API returns it. */
export interface PartnerAEvent {
  event_id: number;
  title: string;
  started_at: string;
  place: string;
  address: string;
  accepted: number;
  limit: number;
  owner_display_name: string;
  url: string;
}

/** One partnerB shop, as the API returns it. */
export interface PartnerBShop {
  id: string;
  name: string;
  phone: string;
  prefecture: string;
  updated_at: string;
}

const topics = ['TypeScript勉強会', 'Rust入門ハンズオン', 'Python機械学習もくもく会', 'Go言語LT大会', 'フロントエンド読書会'];
const venues = [
  { place: '渋谷ヒカリエ 8F', address: '東京都渋谷区渋谷2-21-1' },
  { place: 'グランフロント大阪 タワーB', address: '大阪府大阪市北区大深町3-1' },
  { place: '名古屋コワーキング「栄」', address: '愛知県名古屋市中区栄3-5-12' },
  { place: 'オンライン（Zoom）', address: '' },
];
const owners = ['山田太郎', '佐藤花子', '鈴木一郎', 'たなか', 'TS Meetup 運営'];

/** partnerA's event number `i` (1-based). */
export function partnerAEvent(i: number): PartnerAEvent {
  const venue = venues[i % venues.length]!;
  const limit = [20, 30, 50, 100][i % 4]!;
  // Event i starts at 19:00 JST i days after 2026-01-10, written with +09:00 as connpass does, not as UTC.
  const jst = new Date(Date.UTC(2026, 0, 10 + i, 19, 0, 0));
  return {
    event_id: 300000 + i,
    title: `第${i}回 ${topics[i % topics.length]}`,
    started_at: `${jst.toISOString().slice(0, 19)}+09:00`,
    place: venue.place,
    address: venue.address,
    accepted: (i * 7) % (limit + 1),
    limit,
    owner_display_name: owners[i % owners.length]!,
    url: `https://partner-a.example.com/event/${300000 + i}/`,
  };
}

// The same kind of number written the ways partners really write it: a later join normalises them.
const areas = [
  { prefecture: '東京都', area: '03', local: 4 },
  { prefecture: '大阪府', area: '06', local: 4 },
  { prefecture: '愛知県', area: '052', local: 3 },
  { prefecture: '北海道', area: '011', local: 3 },
  { prefecture: '福岡県', area: '092', local: 3 },
];
const phoneFormats: Array<(area: string, a: string, b: string) => string> = [
  (area, a, b) => `${area}-${a}-${b}`,
  (area, a, b) => `(${area}) ${a} ${b}`,
  (area, a, b) => `+81 ${area.slice(1)} ${a} ${b}`,
  (area, a, b) => `${area}${a}${b}`,
  (area, a, b) => `+81-${area.slice(1)}-${a}-${b}`,
  // Full-width digits and hyphens, as in hand-typed Japanese forms.
  (area, a, b) => `${area}-${a}-${b}`.replace(/[0-9-]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
];
const shopNames = ['らーめん一番', '喫茶 こもれび', 'すし処 大将', 'ベーカリー麦の穂', '居酒屋 とりあえず'];
const branches = ['本店', '駅前店', '東口店', '二号店'];

/** partnerB's shop number `i` (1-based). */
export function partnerBShop(i: number): PartnerBShop {
  const { prefecture, area, local } = areas[i % areas.length]!;
  // A local number never starts with 0; 7919 is prime to 10, so numbers stay unique per shop.
  const digits = `${2 + (i % 8)}${String((i * 7919) % 10 ** (local + 3)).padStart(local + 3, '0')}`;
  return {
    id: `B${String(i).padStart(5, '0')}`,
    name: `${shopNames[i % shopNames.length]} ${branches[Math.floor(i / shopNames.length) % branches.length]}`,
    phone: phoneFormats[i % phoneFormats.length]!(area, digits.slice(0, local), digits.slice(local)),
    prefecture,
    updated_at: new Date(Date.UTC(2026, 2, 1, 0, i % 60, i % 60)).toISOString(),
  };
}

/** Starts the mock on 127.0.0.1 and resolves once it listens. */
export async function startMockPartner(options: MockPartnerOptions = {}): Promise<MockPartner> {
  const events = options.events ?? 250;
  const shops = options.shops ?? 120;
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    try {
      route(req, res, events, shops);
    } catch (error) {
      send(res, 500, { error: String(error) });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return hits;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // HTTP clients keep connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

function route(req: IncomingMessage, res: ServerResponse, events: number, shops: number): void {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  if (req.method !== 'GET') return send(res, 405, { error: `method ${req.method} not allowed` });
  if (url.pathname === '/partnerA/events') return partnerA(url, res, events);
  if (url.pathname === '/partnerB/shops') return partnerB(url, res, shops);
  send(res, 404, { error: `no such path: ${url.pathname}` });
}

function partnerA(url: URL, res: ServerResponse, total: number): void {
  const count = intParam(url, 'count', 10);
  const start = intParam(url, 'start', 1);
  if (count === undefined || count < 1 || count > 100) return send(res, 400, { error: 'count must be an integer from 1 to 100' });
  if (start === undefined || start < 1) return send(res, 400, { error: 'start must be an integer of at least 1' });
  const list: PartnerAEvent[] = [];
  for (let i = start; i < start + count && i <= total; i++) list.push(partnerAEvent(i));
  send(res, 200, { results_returned: list.length, results_available: total, results_start: start, events: list });
}

function partnerB(url: URL, res: ServerResponse, total: number): void {
  const limit = intParam(url, 'limit', 20);
  if (limit === undefined || limit < 1 || limit > 50) return send(res, 400, { error: 'limit must be an integer from 1 to 50' });
  const cursor = url.searchParams.get('cursor');
  const offset = cursor === null ? 0 : decodeCursor(cursor);
  if (offset === undefined) return send(res, 400, { error: 'invalid cursor' });
  const list: PartnerBShop[] = [];
  for (let i = offset + 1; i <= offset + limit && i <= total; i++) list.push(partnerBShop(i));
  let next: string | null = null;
  if (offset + limit < total) {
    const query = `?cursor=${encodeCursor(offset + limit)}&limit=${limit}`;
    // Alternate absolute and relative links: real partners do both, and clients must resolve either.
    next = (offset / limit) % 2 === 0 ? `${url.origin}/partnerB/shops${query}` : `shops${query}`;
  }
  send(res, 200, { shops: list, next });
}

// Opaque to clients on purpose: spiders must follow `next`, not compute offsets.
function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match ? Number(match[1]) : undefined;
}

/** An integer query parameter, its default when absent, or undefined when not an integer. */
function intParam(url: URL, name: string, fallback: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
  res.end(bytes);
}

// Run as a script: print where it listens as one JSON line (easy to parse from a shell or a test).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, events: { type: 'string' }, shops: { type: 'string' } } });
  const mock = await startMockPartner({
    port: values.port === undefined ? undefined : Number(values.port),
    events: values.events === undefined ? undefined : Number(values.events),
    shops: values.shops === undefined ? undefined : Number(values.shops),
  });
  process.stdout.write(`${JSON.stringify({ url: mock.url })}\n`);
  const stop = () => void mock.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
