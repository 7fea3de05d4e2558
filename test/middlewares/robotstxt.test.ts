import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spider, type Response, type SettingsInput } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
/** What /robots.txt answers: a status and a body. */
let robots: { status: number; body: string };
beforeEach(async () => {
  robots = { status: 200, body: '' };
  server = await startServer((req, res) => {
    if (req.path === '/robots.txt') {
      res.writeHead(robots.status, { 'content-type': 'text/plain' });
      return void res.end(robots.body);
    }
    sendJson(res, { path: req.path });
  });
});
afterEach(() => server.close());

/** A spider requesting each of `paths` (all scheduled from start()). */
function spiderFor(url: string, paths: string[], meta: Record<string, unknown> = {}) {
  return class Robotic extends Spider {
    static override spiderName = 'robotic';
    override async *start() {
      for (const path of paths) yield this.request(`${url}${path}`, { meta });
    }
    override parse(response: Response) {
      return response.json() as object;
    }
  };
}
const obey: SettingsInput = { robotstxtObey: true, botName: 'teinei', logLevel: 'DEBUG' };
const run = (paths: string[], settings: SettingsInput = obey, meta: Record<string, unknown> = {}) =>
  runSpider(spiderFor(server.url, paths, meta), { settings });
const pathsHit = () => server.hits.map((h) => h.path);

describe('RobotsTxtMiddleware', () => {
  it('is off by default: no /robots.txt request at all', async () => {
    robots.body = 'User-agent: *\nDisallow: /';
    const { items, result } = await run(['/a', '/b'], {});
    expect(pathsHit().sort()).toEqual(['/a', '/b']);
    expect(items).toHaveLength(2);
    expect(result.stats['robotstxt/request_count']).toBeUndefined();
  });

  it('never sends a disallowed request, logs the URL and the rule, and counts it', async () => {
    robots.body = '# partner rules\nUser-agent: *\nDisallow: /private\n';
    const { items, result, logs } = await run(['/private/1', '/public/1']);
    expect(pathsHit()).toEqual(['/robots.txt', '/public/1']);
    expect(items).toEqual([{ path: '/public/1' }]);
    expect(result.stats['robotstxt/forbidden']).toBe(1);
    expect(result.stats['robotstxt/request_count']).toBe(1);
    expect(result.stats['robotstxt/response_count']).toBe(1);
    expect(result.stats['robotstxt/response_status_count/200']).toBe(1);
    expect(messages(logs, 'DEBUG')).toContain(
      `Ignoring <GET ${server.url}/private/1>: Forbidden by robots.txt: ${server.url}/private/1 (rule "Disallow: /private" at line 3 of ${server.url}/robots.txt)`,
    );
    expect(messages(logs, 'ERROR')).toEqual([]);
  });

  it('sends robots.txt with the crawler\'s User-Agent and matches the botName group', async () => {
    robots.body = 'User-agent: teinei\nDisallow: /mine\n\nUser-agent: *\nDisallow: /\n';
    const { items } = await run(['/mine', '/other']);
    expect(pathsHit()).toEqual(['/robots.txt', '/other']);
    expect(items).toEqual([{ path: '/other' }]);
    expect(server.hits[0]!.headers['user-agent']).toMatch(/^teinei\/\S+ \(\+mailto:tests@example\.test\)$/);
  });

  it('matches robotstxtUserAgent instead of the botName when set', async () => {
    robots.body = 'User-agent: partnerbot\nDisallow: /x\n\nUser-agent: *\nDisallow:\n';
    await run(['/x', '/y'], { ...obey, robotstxtUserAgent: 'PartnerBot' });
    expect(pathsHit()).toEqual(['/robots.txt', '/y']);
  });

  it('fetches robots.txt once for many concurrent requests', async () => {
    robots.body = 'User-agent: *\nAllow: /\n';
    const paths = Array.from({ length: 12 }, (_, i) => `/r${i}`);
    const { items, result } = await run(paths, { ...obey, concurrentRequestsPerDomain: 4 });
    expect(pathsHit().filter((p) => p === '/robots.txt')).toHaveLength(1);
    expect(pathsHit()[0]).toBe('/robots.txt');
    expect(items).toHaveLength(12);
    expect(result.stats['robotstxt/request_count']).toBe(1);
  });

  it('skips the check for meta.dontObeyRobotstxt', async () => {
    robots.body = 'User-agent: *\nDisallow: /\n';
    const { items, result } = await run(['/anyway'], obey, { dontObeyRobotstxt: true });
    expect(pathsHit()).toEqual(['/anyway']);
    expect(items).toHaveLength(1);
    expect(result.stats['robotstxt/request_count']).toBeUndefined();
  });

  it('honours Crawl-delay: arrivals at least ~0.3 s apart with downloadDelay 0, logged once', async () => {
    robots.body = 'User-agent: *\nCrawl-delay: 0.3\n';
    // randomizeDownloadDelay stays on (the default): Crawl-delay is a minimum gap all the same.
    const { items, logs } = await run(['/a', '/b', '/c', '/d'], { ...obey, downloadDelay: 0 });
    expect(items).toHaveLength(4);
    expect(pathsHit()).toHaveLength(5);
    const at = server.hits.map((h) => h.at);
    // Including the gap after the robots.txt request itself.
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(280);
    const info = messages(logs, 'INFO').filter((m) => m.includes('Crawl-delay'));
    expect(info).toEqual([`Crawl-delay of 0.3 s from ${server.url}/robots.txt for user agent "teinei": slot 127.0.0.1 delay is now 0.3 s`]);
  });

  it('keeps a longer downloadDelay than the Crawl-delay', async () => {
    robots.body = 'User-agent: *\nCrawl-delay: 0.05\n';
    const { crawler } = await run(['/a'], { ...obey, downloadDelay: 0.2, randomizeDownloadDelay: false });
    expect(crawler.slots.delayOf('127.0.0.1')).toBe(0.2);
  });

  it('allows everything when robots.txt is 404, without a warning', async () => {
    robots = { status: 404, body: 'User-agent: *\nDisallow: /\n' };
    const { items, result, logs } = await run(['/a', '/b']);
    expect(items).toHaveLength(2);
    expect(result.stats['robotstxt/response_status_count/404']).toBe(1);
    expect(result.stats['robotstxt/forbidden']).toBeUndefined();
    expect(messages(logs, 'WARNING')).toEqual([]);
  });

  it('allows everything when robots.txt answers 500, with a warning', async () => {
    robots = { status: 500, body: 'User-agent: *\nDisallow: /\n' };
    const { items, result, logs } = await run(['/a', '/b']);
    expect(items).toHaveLength(2);
    expect(pathsHit().filter((p) => p === '/robots.txt')).toHaveLength(1);
    expect(result.stats['robotstxt/response_status_count/500']).toBe(1);
    expect(messages(logs, 'WARNING')).toEqual([`${server.url}/robots.txt answered 500, allowing every URL of ${server.url}`]);
  });

  it('allows everything when robots.txt cannot be fetched (network error), with a warning', async () => {
    await server.close();
    server = await startServer((req, res) => {
      if (req.path === '/robots.txt') return void req.socket.destroy();
      sendJson(res, { path: req.path });
    });
    const { items, result, logs } = await run(['/a']);
    expect(items).toEqual([{ path: '/a' }]);
    expect(result.stats['robotstxt/exception_count/ECONNRESET']).toBe(1);
    const warnings = messages(logs, 'WARNING');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^Could not fetch ${server.url}/robots\\.txt, allowing every URL of ${server.url}: `));
  });
});
