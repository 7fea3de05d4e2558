/**
 * The default CacheStorage: keyv holds each entry's metadata (status, URL, headers, stored-at,
 * where the body is), bodies are gzip files. Any keyv store can hold the metadata.
 */
import { join } from 'node:path';
import { Keyv, type KeyvStoreAdapter } from 'keyv';
import { BodyFiles, gunzip, gzip, sha1 } from './body-files.js';
import { FileKeyvStore } from './file-store.js';
import type { BodyRef, CachedEntry, CacheMeta, CacheStorage, StoredMeta } from './storage.js';

/** Keyv namespace of the keyv instances this storage creates (a Keyv you pass keeps its own). */
export const KEYV_NAMESPACE = 'teinei-httpcache';

/** Bodies up to this size are inlined in the metadata when the metadata lives in your store. */
export const INLINE_MAX_BYTES = 64 * 1024;

/** Options of {@link KeyvCacheStorage}. */
export interface KeyvCacheStorageOptions {
  /** `httpcacheDir`: metadata in `<dir>/meta/` (default store), bodies in `<dir>/bodies/`. */
  dir: string;
  /**
   * `httpcacheStore`: a Keyv instance, or a keyv store (e.g. `new KeyvRedis(url)`), that holds the
   * metadata instead of `<dir>/meta/`. Bodies still go to gzip files under `<dir>/bodies/`, except
   * bodies up to `inlineMaxBytes`, which are kept inline (gzip, then base64) in the metadata, so
   * a Redis-only setup works for typical API responses. The store is yours: it is not closed.
   */
  store?: object | undefined;
  /** Largest body kept inline; default {@link INLINE_MAX_BYTES} with `store`, 0 (always files) without. */
  inlineMaxBytes?: number;
}

/** Whether a value is a Keyv instance (also one from another copy of the keyv package). */
function isKeyv(value: object): value is Keyv {
  if (value instanceof Keyv) return true;
  const v = value as Partial<Keyv>;
  return typeof v.getRaw === 'function' && typeof v.disconnect === 'function' && typeof v.opts === 'object' && 'hooks' in value;
}

/** Metadata in keyv, bodies in gzip files (or inline for small bodies in a user's store). */
export class KeyvCacheStorage implements CacheStorage {
  /** Where the metadata goes. */
  readonly keyv: Keyv<StoredMeta>;
  /** Where the bodies go. */
  readonly bodies: BodyFiles;
  private readonly inlineMaxBytes: number;
  /** Whether `keyv` and its store were created here (and so are closed here). */
  private readonly owned: boolean;
  private readonly pending = new Set<Promise<void>>();

  constructor(options: KeyvCacheStorageOptions) {
    const { dir, store } = options;
    this.bodies = new BodyFiles(join(dir, 'bodies'));
    this.owned = store === undefined;
    if (store === undefined) {
      this.keyv = new Keyv<StoredMeta>({ store: new FileKeyvStore(join(dir, 'meta')), namespace: KEYV_NAMESPACE, throwOnErrors: true });
    } else if (isKeyv(store)) {
      this.keyv = store as Keyv<StoredMeta>;
    } else {
      this.keyv = new Keyv<StoredMeta>({ store: store as KeyvStoreAdapter, namespace: KEYV_NAMESPACE, throwOnErrors: true });
    }
    this.inlineMaxBytes = options.inlineMaxBytes ?? (store === undefined ? 0 : INLINE_MAX_BYTES);
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    const meta = await this.keyv.get(key);
    if (!meta || meta.v !== 1 || typeof meta.body !== 'object' || meta.body === null) return undefined;
    const body = await this.readBody(meta.body);
    // A body that does not match its checksum (a race between two writers, a damaged file) is a miss.
    if (!body || body.length !== meta.body.size || sha1(body) !== meta.body.sha1) return undefined;
    return { meta, body };
  }

  /** Stores an entry; `close()` waits for it, so callers need not. */
  set(key: string, meta: CacheMeta, body: Buffer): Promise<void> {
    const write = this.write(key, meta, body);
    this.pending.add(write);
    const done = () => void this.pending.delete(write);
    write.then(done, done);
    return write;
  }

  async close(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    if (this.owned) await this.keyv.disconnect();
  }

  private async write(key: string, meta: CacheMeta, body: Buffer): Promise<void> {
    const name = BodyFiles.nameFor(key);
    const common = { sha1: sha1(body), size: body.length };
    const inline = body.length <= this.inlineMaxBytes;
    let ref: BodyRef;
    if (inline) {
      ref = { inline: (await gzip(body)).toString('base64'), ...common };
    } else {
      // The body first: metadata never points at a file that is not there yet.
      await this.bodies.write(name, body);
      ref = { file: name, ...common };
    }
    const record: StoredMeta = { v: 1, url: meta.url, status: meta.status, headers: meta.headers, storedAt: meta.storedAt, body: ref };
    if ((await this.keyv.set(key, record)) === false) throw new Error(`The keyv store did not store ${key}`);
    // A body that was big before and is inline now leaves no orphan file behind.
    if (inline) await this.bodies.remove(name);
  }

  private async readBody(ref: BodyRef): Promise<Buffer | undefined> {
    if ('inline' in ref) {
      try {
        return await gunzip(Buffer.from(ref.inline, 'base64'));
      } catch {
        return undefined;
      }
    }
    return typeof ref.file === 'string' && /^[0-9a-f]{40}\.gz$/.test(ref.file) ? this.bodies.read(ref.file) : undefined;
  }
}
