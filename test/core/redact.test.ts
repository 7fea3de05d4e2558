/**
 * Secret hiding in log lines: the redactor alone, then a real crawl whose every log line (text
 * sink, error stacks included) must not carry the partner's credentials.
 */
import { describe, expect, it } from 'vitest';
import { crawlerSink, type LogRecord } from '../../src/core/log.js';
import { createRedactor } from '../../src/core/redact.js';
import { resolveSettings } from '../../src/settings.js';
import { Spider } from '../../src/spiders/spider.js';
import { messages, runSpider, sendJson, startServer } from '../helpers/server.js';

const defaults = resolveSettings();
const redact = createRedactor({ params: defaults.logRedactParams, values: ['PARTNER-KEY-123'] });

describe('createRedactor', () => {
  it('hides credential header values in text, JSON and util.inspect forms, keeping the name and scheme', () => {
    expect(redact('Authorization: Bearer abc.def.ghi')).toBe('Authorization: Bearer ***');
    expect(redact('proxy-authorization: Basic dXNlcjpwYXNz')).toBe('proxy-authorization: Basic ***');
    expect(redact('Cookie: session=s3cr3t; theme=dark')).toBe('Cookie: ***');
    expect(redact('{"set-cookie":"sid=xyz; Path=/","accept":"application/json"}')).toBe('{"set-cookie":"***","accept":"application/json"}');
    expect(redact("{ 'x-api-key': 'k-999', accept: 'application/json' }")).toBe("{ 'x-api-key': '***', accept: 'application/json' }");
    expect(redact("{ 'set-cookie': [ 'a=1', 'b=2' ] }")).toBe("{ 'set-cookie': [***] }");
    expect(redact('X-Auth-Token: t0k3n')).toBe('X-Auth-Token: ***');
    expect(redact('Api-Key: zzz')).toBe('Api-Key: ***');
  });

  it('hides the password of URL userinfo (or the whole userinfo without one)', () => {
    expect(redact('GET https://user:pa55@api.partner.test/v1 failed')).toBe('GET https://user:***@api.partner.test/v1 failed');
    expect(redact('cloning https://ghp_TOKEN@github.com/x/y')).toBe('cloning https://***@github.com/x/y');
    expect(redact('mysql://bob:***@127.0.0.1:3306/x')).toBe('mysql://bob:***@127.0.0.1:3306/x');
  });

  it('hides secret-looking query parameters, case-insensitively, keeping the name', () => {
    expect(redact('<GET https://api.partner.test/v1/events?page=2&API_KEY=abc123&count=10>')).toBe(
      '<GET https://api.partner.test/v1/events?page=2&API_KEY=***&count=10>',
    );
    expect(redact('https://x.test/?token=t1&access_token=t2&Signature=s&sig=s2&password=p&client_secret=c&apikey=a&key=k&secret=z')).toBe(
      'https://x.test/?token=***&access_token=***&Signature=***&sig=***&password=***&client_secret=***&apikey=***&key=***&secret=***',
    );
    expect(redact('https://s3.test/o?X-Amz-Signature=abcd&X-Amz-Date=1&refresh_token=r')).toBe('https://s3.test/o?X-Amz-Signature=***&X-Amz-Date=1&refresh_token=***');
    // Only whole names: `monkey` and `tokens` are not `key` and `token`.
    expect(redact('https://x.test/?monkey=1&tokens=2&page=3')).toBe('https://x.test/?monkey=1&tokens=2&page=3');
  });

  it('hides registered values, raw and percent-encoded, wherever they appear', () => {
    expect(redact('the key PARTNER-KEY-123 was refused')).toBe('the key *** was refused');
    const r = createRedactor({ values: ['a b/c', ''] });
    expect(r('q=a%20b%2Fc and a b/c')).toBe('q=*** and ***');
    expect(r('nothing here')).toBe('nothing here');
  });

  it('leaves ordinary lines alone (and returns the same string)', () => {
    const line = 'Crawled (200) <GET http://127.0.0.1:8080/pages?count=5&page=2> (referer: None)';
    expect(redact(line)).toBe(line);
    expect(redact('Spider opened')).toBe('Spider opened');
  });

  it('uses the logRedactParams setting: an emptied list keeps query values but not headers', () => {
    const none = createRedactor({ params: [] });
    expect(none('https://x.test/?token=t Authorization: Bearer q')).toBe('https://x.test/?token=t Authorization: Bearer ***');
    const custom = createRedactor({ params: ['partner_sig'] });
    expect(custom('https://x.test/?partner_sig=1&token=2')).toBe('https://x.test/?partner_sig=***&token=2');
  });

  it('stays cheap on request-sized DEBUG lines', () => {
    const line = 'Crawled (200) <GET https://api.partner.test/v1/events?count=100&page=17&api_key=abcdef0123456789> (referer: https://api.partner.test/v1/events?page=16)';
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) redact(line);
    // ~2 µs a line on a laptop; the bound only catches a pathological (backtracking) pattern.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('crawlerSink', () => {
  it('redacts the message, the error message and stack, without touching the original error', () => {
    const records: LogRecord[] = [];
    const sink = crawlerSink((r) => records.push(r), { ...defaults, logRedactValues: ['hunter2'] });
    const error = new TypeError('login with hunter2 at https://u:pw@x.test/?token=abc failed');
    sink({ time: new Date(), level: 'ERROR', source: 't', message: 'Authorization: Bearer hunter2', error });
    const [record] = records;
    expect(record!.message).toBe('Authorization: Bearer ***');
    const copy = record!.error as Error;
    expect(copy).toBeInstanceOf(TypeError);
    expect(copy.message).toBe('login with *** at https://u:***@x.test/?token=*** failed');
    expect(copy.stack).toMatch(/^TypeError: login with \*\*\* at https:\/\/u:\*\*\*@x\.test\/\?token=\*\*\* failed\n/);
    expect(copy.stack).not.toMatch(/hunter2|pw@|abc/);
    expect(error.message).toContain('hunter2');
  });
});

describe('redaction in a real crawl', () => {
  it('no log line of a failing crawl carries the API key, the token or the password', async () => {
    const apiKey = 'live_4f9a8b7c6d5e';
    const server = await startServer((req, res) => {
      if (req.path.startsWith('/fail')) {
        res.writeHead(500).end('no');
        return;
      }
      sendJson(res, { ok: true });
    });
    class Leaky extends Spider {
      static spiderName = 'leaky';
      async *start() {
        yield this.request(`${server.url.replace('//', '//crawler:s3cretpw@')}/ok?api_key=${apiKey}`, {
          callback: this.parse,
          headers: { Authorization: `Bearer ${apiKey}`, 'X-Api-Key': apiKey },
        });
        yield this.request(`${server.url}/fail?token=tok_998877&page=1`, { callback: this.parse });
      }
      parse() {
        this.logger.info(`Parsed with headers ${JSON.stringify({ Authorization: `Bearer ${apiKey}` })}`);
        throw new Error(`boom for key ${apiKey}`);
      }
    }
    try {
      const { logs } = await runSpider(Leaky, { settings: { logLevel: 'DEBUG', retryTimes: 0, logRedactValues: [apiKey] } });
      const text = logs.map((r) => `${r.message}\n${r.error instanceof Error ? r.error.stack : ''}`).join('\n');
      // The crawl did log the places where the secrets were.
      expect(text).toMatch(/\/ok\?api_key=\*\*\*/);
      expect(text).toMatch(/\/fail\?token=\*\*\*&page=1/);
      expect(text).toMatch(/http:\/\/crawler:\*\*\*@127\.0\.0\.1/);
      expect(messages(logs, 'INFO').join('\n')).toContain('"Authorization":"Bearer ***"');
      expect(text).toMatch(/boom for key \*\*\*/);
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain('tok_998877');
      expect(text).not.toContain('s3cretpw');
    } finally {
      await server.close();
    }
  });
});
