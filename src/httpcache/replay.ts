/**
 * Replay mode's one failure: a request that has no recorded response. Replay never downloads, so
 * such a request fails at once with an error that names it and says how to record it, and the
 * miss is kept per crawler for runSpider to report (an errback may swallow the error itself).
 */
import { relative, isAbsolute } from 'node:path';
import { TeineiError } from '../core/errors.js';
import type { Request } from '../http/request.js';
import { credentialsHash, NO_CREDENTIALS } from './cache-key.js';

/** Thrown (into the crawl) for a request that is not in the replay fixtures; nothing was downloaded. */
export class FixtureMissingError extends TeineiError {
  override name = 'FixtureMissingError';
  /** The request's method, e.g. `GET`. */
  readonly method: string;
  /** The request's URL. */
  readonly url: string;

  constructor(
    request: Request,
    /** The spider whose fixtures were searched (cache keys are namespaced by it). */
    readonly spiderName: string,
    /** The fixtures directory (`httpcacheDir`), absolute. */
    readonly dir: string,
  ) {
    const shown = displayPath(dir);
    // Cache keys hash credentials: a replay with another API key or token misses every entry.
    const credentials = credentialsHash(request) === NO_CREDENTIALS
      ? ''
      : ' This request carries credentials (Authorization, an API key or token), and fixtures are keyed by their hash: replay with the same credentials as the recording.';
    super(
      `Not in the replay fixtures: ${request.method} ${request.url} (spider ${spiderName}, fixtures ${shown}). ` +
        `Replay never downloads; record the fixtures again with \`crawl ${spiderName} --record ${shown}\` and the spider's arguments.${credentials}`,
    );
    this.method = request.method;
    this.url = request.url;
  }
}

/** Misses per crawler (or any object a crawl is keyed by); weak, so runs leave nothing behind. */
const misses = new WeakMap<object, FixtureMissingError[]>();

/** Notes a miss of the crawl keyed by `owner` (its Crawler). */
export function noteFixtureMissing(owner: object, error: FixtureMissingError): void {
  let list = misses.get(owner);
  if (!list) misses.set(owner, (list = []));
  list.push(error);
}

/** The misses noted for a crawl, in the order they happened. */
export function fixtureMisses(owner: object): readonly FixtureMissingError[] {
  return misses.get(owner) ?? [];
}

/** A directory as the user would type it: relative to the working directory when inside it. */
export function displayPath(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : dir;
}
