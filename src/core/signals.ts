/**
 * Typed events mirroring Scrapy's signals. Handlers may return a promise; `emitAsync` awaits them
 * (used where Scrapy waits for deferreds: spiderOpened, spiderClosed, itemScraped).
 */
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { Spider } from '../spiders/spider.js';

/** Payload of each signal. */
export interface SignalMap {
  spiderOpened: { spider: Spider };
  spiderIdle: { spider: Spider };
  spiderClosed: { spider: Spider; reason: string };
  spiderError: { spider: Spider; error: unknown; response: Response };
  requestScheduled: { spider: Spider; request: Request };
  requestDropped: { spider: Spider; request: Request };
  requestReachedDownloader: { spider: Spider; request: Request };
  /** A response came from the network (not the cache), before the downloader middlewares see it. */
  responseDownloaded: { spider: Spider; request: Request; response: Response; slot: string; latency: number };
  responseReceived: { spider: Spider; request: Request; response: Response };
  itemScraped: { spider: Spider; item: object; response: Response | undefined };
  itemDropped: { spider: Spider; item: object; response: Response | undefined; error: Error };
  itemError: { spider: Spider; item: object; response: Response | undefined; error: unknown };
}

/** A signal's name. */
export type SignalName = keyof SignalMap;
/** A handler of one signal. */
export type SignalHandler<K extends SignalName> = (payload: SignalMap[K]) => void | Promise<void>;

/** One crawler's signal bus. */
export class Signals {
  private readonly handlers: { [K in SignalName]?: Array<SignalHandler<K>> } = {};

  /** @param onError reports a handler's error from `emit` (which does not wait for handlers) */
  constructor(private readonly onError: (name: SignalName, error: unknown) => void = () => {}) {}

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends SignalName>(name: K, handler: SignalHandler<K>): () => void {
    const list = (this.handlers[name] ??= []) as Array<SignalHandler<K>>;
    list.push(handler);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Whether anyone listens (lets hot paths skip building payloads). */
  has(name: SignalName): boolean {
    return (this.handlers[name]?.length ?? 0) > 0;
  }

  /** Calls handlers without waiting; a handler's error is reported, never thrown. */
  emit<K extends SignalName>(name: K, payload: SignalMap[K]): void {
    const list = this.handlers[name] as Array<SignalHandler<K>> | undefined;
    if (!list) return;
    for (const handler of list) {
      try {
        const result = handler(payload);
        if (result) result.catch((error: unknown) => this.onError(name, error));
      } catch (error) {
        this.onError(name, error);
      }
    }
  }

  /**
   * Calls handlers in order; returns a promise only when a handler returned one (so a hot path
   * with synchronous handlers does not pay for a microtask per event).
   */
  emitWait<K extends SignalName>(name: K, payload: SignalMap[K]): void | Promise<void> {
    const list = this.handlers[name] as Array<SignalHandler<K>> | undefined;
    if (!list) return;
    for (let i = 0; i < list.length; i++) {
      const result = list[i]!(payload);
      if (result) return result.then(() => this.emitFrom(list, i + 1, payload));
    }
  }

  private async emitFrom<K extends SignalName>(list: Array<SignalHandler<K>>, from: number, payload: SignalMap[K]): Promise<void> {
    for (let i = from; i < list.length; i++) await list[i]!(payload);
  }

  /** Calls handlers one after another and waits for each. */
  async emitAsync<K extends SignalName>(name: K, payload: SignalMap[K]): Promise<void> {
    const list = this.handlers[name] as Array<SignalHandler<K>> | undefined;
    if (!list) return;
    for (const handler of [...list]) await handler(payload);
  }
}
