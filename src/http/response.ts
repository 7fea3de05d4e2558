/**
 * A downloaded response. The body is a Buffer; text and JSON are decoded on demand, once.
 */
import { TextDecoder } from 'node:util';
import { JsonParseError } from '../core/errors.js';
import { Request, type RequestOptions } from './request.js';

/** Response headers, names lower-cased; repeated headers as arrays (as Node gives them). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** What a download handler (or a cache) produces. */
export interface ResponseInit {
  url: string;
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
  request: Request;
  /** Markers like 'cached'; shown in logs. */
  flags?: string[];
}

const decoders = new Map<string, TextDecoder>();

/** A response to a Request. */
export class Response {
  readonly url: string;
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
  readonly request: Request;
  readonly flags: string[];
  private textCache: string | undefined;
  private jsonCache: unknown;
  private jsonParsed = false;

  constructor(init: ResponseInit) {
    this.url = init.url;
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.request = init.request;
    this.flags = init.flags ?? [];
  }

  /** The request's meta: data carried from the request to its callback. */
  get meta(): Record<string, unknown> {
    return this.request.meta;
  }

  /** A header's value (first one when repeated), by case-insensitive name. */
  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  /** The body decoded with the charset of Content-Type (UTF-8 when none or unknown). */
  text(): string {
    if (this.textCache === undefined) {
      const charset = /charset=([^;]+)/i.exec(this.header('content-type') ?? '')?.[1]?.trim().toLowerCase() ?? 'utf-8';
      this.textCache = decoderFor(charset).decode(this.body);
    }
    return this.textCache as string;
  }

  /** The body parsed as JSON; a parse error names the URL and shows the body's start. */
  json<T = unknown>(): T {
    if (!this.jsonParsed) {
      const text = this.text();
      try {
        this.jsonCache = JSON.parse(text);
      } catch (error) {
        throw new JsonParseError(this.url, text.slice(0, 120), error);
      }
      this.jsonParsed = true;
    }
    return this.jsonCache as T;
  }

  /** A Request for a URL relative to this response (Scrapy's `response.follow`). */
  follow(url: string | URL, options: RequestOptions = {}): Request {
    return new Request(new URL(url, this.url), options);
  }

  /** `<200 https://…>` as Scrapy prints responses. */
  toString(): string {
    return `<${this.status} ${this.url}>`;
  }
}

function decoderFor(charset: string): TextDecoder {
  let decoder = decoders.get(charset);
  if (!decoder) {
    try {
      decoder = new TextDecoder(charset);
    } catch {
      decoder = decoders.get('utf-8') ?? new TextDecoder('utf-8');
    }
    decoders.set(charset, decoder);
  }
  return decoder;
}
