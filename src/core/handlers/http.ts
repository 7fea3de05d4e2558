/**
 * The HTTP(S) download handler over got-scraping, configured as an honest API client: no generated
 * browser headers or TLS fingerprints, TLS verification on, HTTP/1.1, strict parser, and no retries
 * of its own (retrying is RetryMiddleware's job, where a whole slot can wait).
 */
import http from 'node:http';
import https from 'node:https';
import { gotScraping, type Got } from 'got-scraping';
import type { Settings } from '../../settings.js';
import { Request } from '../../http/request.js';
import { Response } from '../../http/response.js';
import { DownloadError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DownloadHandler } from './types.js';

/** Per-request overrides read from `request.meta`. */
export interface DownloadMeta {
  downloadTimeout?: number;
  downloadMaxsize?: number;
  downloadWarnsize?: number;
  dontRedirect?: boolean;
}

/** got-scraping based handler; one per crawler, with its own keep-alive agents. */
export class HttpDownloadHandler implements DownloadHandler {
  private readonly client: Got;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly inFlight = new Set<{ cancel(): void }>();

  constructor(
    private readonly settings: Pick<Settings, 'downloadTimeout' | 'downloadMaxsize' | 'downloadWarnsize' | 'redirectEnabled' | 'redirectMaxTimes'>,
    private readonly logger: Logger,
  ) {
    this.client = gotScraping.extend({
      http2: false,
      // minVersion set keeps got-scraping's tlsHook from imitating a browser's TLS fingerprint.
      https: { rejectUnauthorized: true, minVersion: 'TLSv1.2' },
      agent: this.agents,
      retry: { limit: 0 },
      throwHttpErrors: false,
      responseType: 'buffer',
      decompress: true,
      maxRedirects: settings.redirectMaxTimes,
      context: { useHeaderGenerator: false, insecureHTTPParser: false },
    }) as Got;
  }

  async download(request: Request): Promise<Response> {
    const meta = request.meta as DownloadMeta;
    const timeoutSecs = meta.downloadTimeout ?? this.settings.downloadTimeout;
    const maxSize = meta.downloadMaxsize ?? this.settings.downloadMaxsize;
    const warnSize = meta.downloadWarnsize ?? this.settings.downloadWarnsize;
    const pending = this.client(request.url, {
      method: request.method as 'GET',
      headers: request.headers,
      body: request.body,
      followRedirect: this.settings.redirectEnabled && !meta.dontRedirect,
      ...(timeoutSecs > 0 ? { timeout: { request: timeoutSecs * 1000 } } : {}),
    });
    let tooLarge = 0;
    if (maxSize > 0) {
      pending.on('downloadProgress', (progress: { transferred: number; total?: number }) => {
        const size = Math.max(progress.transferred, progress.total ?? 0);
        if (size > maxSize && !tooLarge) {
          tooLarge = size;
          pending.cancel();
        }
      });
    }
    this.inFlight.add(pending);
    try {
      const got = await pending;
      const body = got.body as unknown as Buffer;
      if (warnSize > 0 && body.length > warnSize) {
        this.logger.warning(`Received (${body.length}) bytes larger than download warn size (${warnSize}) in request ${request}.`);
      }
      return new Response({ url: got.url, status: got.statusCode, headers: got.headers, body, request });
    } catch (error) {
      if (tooLarge) {
        throw new DownloadError(`Cancelling download of ${request.url}: body size (${tooLarge}) larger than download max size (${maxSize})`, request, 'DownloadMaxsizeExceeded', error);
      }
      throw toDownloadError(error, request, timeoutSecs);
    } finally {
      this.inFlight.delete(pending);
    }
  }

  abortAll(): void {
    for (const pending of this.inFlight) pending.cancel();
  }

  async close(): Promise<void> {
    this.abortAll();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function toDownloadError(error: unknown, request: Request, timeoutSecs: number): DownloadError {
  const e = error as { name?: string; code?: string; message?: string };
  if (e.name === 'TimeoutError') {
    return new DownloadError(`Download of ${request.url} timed out after ${timeoutSecs} s`, request, 'TimeoutError', error);
  }
  if (e.name === 'CancelError') return new DownloadError(`Download of ${request.url} was cancelled`, request, 'CancelError', error);
  const code = e.code && e.code !== 'ERR_GOT_REQUEST_ERROR' ? e.code : (e.name ?? 'Error');
  return new DownloadError(`Download of ${request.url} failed: ${e.message ?? String(error)}`, request, code, error);
}
