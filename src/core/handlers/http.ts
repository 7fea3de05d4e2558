/**
 * The HTTP(S) download handler over got-scraping, configured as an honest API client: no generated
 * browser headers or TLS fingerprints, TLS verification on, HTTP/1.1, strict parser, and no retries
 * of its own (retrying is RetryMiddleware's job, where a whole slot can wait).
 */
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { gotScraping, type Got } from 'got-scraping';
import type { Settings } from '../../settings.js';
import { hasHeader, Request } from '../../http/request.js';
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
      // Decoded here instead (decodeBody): got-scraping's decoding made got count decoded bytes
      // against the compressed Content-Length and stop reporting progress past it, so a small gzip
      // body could inflate without bound before downloadMaxsize was checked.
      decompress: false,
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
      headers: hasHeader(request.headers, 'accept-encoding') ? request.headers : { ...request.headers, 'Accept-Encoding': acceptEncoding },
      body: request.body,
      followRedirect: this.settings.redirectEnabled && !meta.dontRedirect,
      ...(timeoutSecs > 0 ? { timeout: { request: timeoutSecs * 1000 } } : {}),
    });
    // Why the download was cancelled for its size: the Content-Length announced, or the bytes received.
    let tooLarge: string | undefined;
    if (maxSize > 0) {
      // Emitted when the headers arrive (total = Content-Length) and then per chunk of bytes on the
      // wire, so a body announced too large is aborted before it streams and any other as soon as it
      // passes the max.
      pending.on('downloadProgress', (progress: { transferred: number; total?: number }) => {
        if (tooLarge) return;
        if (progress.transferred > maxSize) tooLarge = `received ${progress.transferred} bytes`;
        else if ((progress.total ?? 0) > maxSize) tooLarge = `expected response size (${progress.total})`;
        if (tooLarge) pending.cancel();
      });
    }
    this.inFlight.add(pending);
    try {
      const got = await pending;
      const { body, headers } = await decodeBody(got.body as unknown as Buffer, got.headers, request, maxSize);
      if (warnSize > 0 && body.length > warnSize) {
        this.logger.warning(`Received (${body.length}) bytes larger than download warn size (${warnSize}) in request ${request}.`);
      }
      return new Response({ url: got.url, status: got.statusCode, headers, body, request });
    } catch (error) {
      if (error instanceof DownloadError) throw error;
      if (tooLarge) {
        throw new DownloadError(`Cancelling download of ${request.url}: ${tooLarge} larger than download max size (${maxSize})`, request, 'DownloadMaxsizeExceeded', error);
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

/** What we ask for when the request does not say (what got sends on Node 20). */
const acceptEncoding = 'gzip, deflate, br';

// Lenient like browsers (and got-scraping): a body missing its last bytes of framing still decodes.
const zlibOptions = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
const decoders: Record<string, (body: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  // "deflate" is zlib-wrapped by the spec, raw in some servers: the first byte tells.
  deflate: (body, options) => ((body[0]! & 0x0f) === 8 ? promisify(zlib.inflate)(body, options) : promisify(zlib.inflateRaw)(body, options)),
  br: (body, options) => promisify(zlib.brotliDecompress)(body, { ...options, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }),
};

/**
 * Decodes a Content-Encoding the handler knows, never past `maxSize` bytes (zlib stops there), and
 * drops Content-Encoding and Content-Length, which describe the encoded body. Other encodings are
 * left as they came.
 */
async function decodeBody(raw: Buffer, headers: http.IncomingHttpHeaders, request: Request, maxSize: number): Promise<{ body: Buffer; headers: http.IncomingHttpHeaders }> {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  const decode = encoding ? decoders[encoding] : undefined;
  if (!decode) return { body: raw, headers };
  const { 'content-encoding': _, 'content-length': __, ...decoded } = headers;
  if (raw.length === 0) return { body: raw, headers: decoded };
  try {
    const body = await decode(raw, maxSize > 0 ? { ...zlibOptions, maxOutputLength: maxSize } : zlibOptions);
    return { body, headers: decoded };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DownloadError(`Cancelling download of ${request.url}: its ${encoding} body (${raw.length} bytes) decodes to more than download max size (${maxSize})`, request, 'DownloadMaxsizeExceeded', error);
    }
    throw new DownloadError(`Download of ${request.url} failed: could not decode its ${encoding} body: ${e.message ?? String(error)}`, request, e.code ?? 'DecodeError', error);
  }
}

function toDownloadError(error: unknown, request: Request, timeoutSecs: number): DownloadError {
  const e = error as { name?: string; code?: string; message?: string };
  if (e.name === 'TimeoutError') {
    return new DownloadError(`Download of ${request.url} timed out after ${timeoutSecs} s`, request, 'TimeoutError', error);
  }
  if (e.name === 'CancelError') return new DownloadError(`Download of ${request.url} was cancelled`, request, 'CancelError', error);
  const code = e.code && e.code !== 'ERR_GOT_REQUEST_ERROR' ? e.code : (e.name ?? 'Error');
  // A ReadError is a failure after the headers, e.g. a body cut short (the connection closed before
  // its Content-Length or last chunk), which got reports as ECONNRESET "The server aborted pending request".
  const when = e.name === 'ReadError' ? ' while reading the body' : '';
  return new DownloadError(`Download of ${request.url} failed${when}: ${e.message ?? String(error)}`, request, code, error);
}
