/**
 * The downloader: the downloader-middleware chain around per-domain slots and the handler.
 * Middlewares run before a request waits for its slot, so a cache hit never waits for a delay.
 */
import { Request } from '../http/request.js';
import { Response } from '../http/response.js';
import type { DownloaderMiddleware } from '../middlewares/types.js';
import type { Spider } from '../spiders/spider.js';
import type { DownloadHandler } from './handlers/types.js';
import type { Signals } from './signals.js';
import { SlotCancelled, type SlotLimiter } from './slots.js';

/** Sends requests through the middlewares, the slot and the handler. */
export class Downloader {
  private readonly requestChain: DownloaderMiddleware[];
  private readonly responseChain: DownloaderMiddleware[];
  private readonly exceptionChain: DownloaderMiddleware[];

  constructor(
    middlewares: DownloaderMiddleware[],
    private readonly handler: DownloadHandler,
    readonly slots: SlotLimiter,
    private readonly spider: Spider,
    private readonly signals: Signals,
  ) {
    this.requestChain = middlewares.filter((m) => m.processRequest);
    // Scrapy's order: responses and exceptions travel back up the chain.
    this.responseChain = middlewares.filter((m) => m.processResponse).reverse();
    this.exceptionChain = middlewares.filter((m) => m.processException).reverse();
  }

  /** The slot a request waits in: `meta.downloadSlot`, else its host. */
  static slotKey(request: Request): string {
    const slot = request.meta.downloadSlot;
    if (typeof slot === 'string') return slot;
    const start = request.url.indexOf('//') + 2;
    let end = start;
    while (end < request.url.length && !'/?#'.includes(request.url[end]!)) end++;
    const authority = request.url.slice(start, end);
    const host = authority.slice(authority.lastIndexOf('@') + 1);
    return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':', 1)[0]!.toLowerCase();
  }

  /** Returns the Response, or a Request to schedule instead; rejects when no middleware recovers. */
  async fetch(request: Request): Promise<Response | Request> {
    let response: Response | undefined;
    try {
      for (const mw of this.requestChain) {
        const result = await mw.processRequest!(request, this.spider);
        if (result instanceof Request) return result;
        if (result instanceof Response) {
          response = result;
          break;
        }
      }
      response ??= await this.download(request);
    } catch (error) {
      if (error instanceof SlotCancelled) throw error;
      const recovered = await this.recover(request, error);
      if (recovered instanceof Request) return recovered;
      response = recovered;
    }
    for (const mw of this.responseChain) {
      const result = await mw.processResponse!(request, response, this.spider);
      if (result instanceof Request) return result;
      response = result;
    }
    return response;
  }

  /** Waits for the request's slot, downloads, and reports latency (seconds, as Scrapy's download_latency). */
  private download(request: Request): Promise<Response> {
    const slot = Downloader.slotKey(request);
    return this.slots.run(slot, async () => {
      if (this.signals.has('requestReachedDownloader')) this.signals.emit('requestReachedDownloader', { spider: this.spider, request });
      const started = performance.now();
      const response = await this.handler.download(request);
      const latency = (performance.now() - started) / 1000;
      request.meta.downloadLatency = latency;
      // Synchronous, inside the slot: a pause or a new delay applies before the slot's next start.
      if (this.signals.has('responseDownloaded')) this.signals.emit('responseDownloaded', { spider: this.spider, request, response, slot, latency });
      return response;
    });
  }

  private async recover(request: Request, error: unknown): Promise<Response | Request> {
    for (const mw of this.exceptionChain) {
      const result = await mw.processException!(request, error, this.spider);
      if (result instanceof Request || result instanceof Response) return result;
    }
    throw error;
  }

  /** Drops requests still waiting for their slot (a closing spider sends no more). */
  cancelWaiting(): void {
    this.slots.cancelWaiting();
  }

  /** Aborts downloads in flight (second stop signal). */
  abortAll(): void {
    this.handler.abortAll();
  }

  /** Frees slots and sockets. */
  async close(): Promise<void> {
    await this.slots.close();
    await this.handler.close();
  }
}
