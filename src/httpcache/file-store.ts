/**
 * A keyv store on disk with one small JSON file per key, so a write touches one file (keyv-file
 * rewrites its whole database on every write, which a cache writing per response cannot afford).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, TMP_SUFFIX, writeFileAtomic } from './write-atomic.js';

/** What one file holds: the key in full (file names are its hash) and keyv's serialized value. */
interface FileRecord {
  key: string;
  value: unknown;
}

/**
 * A `Map`-like keyv store (`new Keyv({ store: new FileKeyvStore(dir) })`): each key is the file
 * `<dir>/<sha1(key)>.json`, written atomically (temporary file, then rename). Expiry is keyv's:
 * it keeps `expires` inside the serialized value and deletes expired keys when it reads them.
 */
export class FileKeyvStore extends EventEmitter {
  /** Options keyv reads from a store. */
  readonly opts: { dir: string };
  /** Set by keyv; `clear()` deletes only this namespace's keys. */
  namespace: string | undefined;

  constructor(readonly dir: string) {
    super();
    this.opts = { dir };
  }

  /** The file holding a key. */
  pathFor(key: string): string {
    return join(this.dir, `${createHash('sha1').update(key).digest('hex')}.json`);
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    const record = await this.read(this.pathFor(key));
    return record?.key === key ? (record.value as Value) : undefined;
  }

  async set(key: string, value: unknown): Promise<boolean> {
    const record: FileRecord = { key, value };
    await writeFileAtomic(this.pathFor(key), JSON.stringify(record));
    return true;
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async delete(key: string): Promise<boolean> {
    try {
      await rm(this.pathFor(key));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Deletes this namespace's keys (every key when there is no namespace). */
  async clear(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const prefix = this.namespace ? `${this.namespace}:` : '';
    for (const name of names) {
      const path = join(this.dir, name);
      if (name.endsWith(TMP_SUFFIX)) {
        await rm(path, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const record = await this.read(path);
      if (record && record.key.startsWith(prefix)) await rm(path, { force: true });
    }
  }

  /** Nothing stays open between calls. */
  async disconnect(): Promise<void> {}

  /** A file's record; undefined when missing or damaged (a damaged entry is a miss, not a crash). */
  private async read(path: string): Promise<FileRecord | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    try {
      const record = JSON.parse(text) as FileRecord;
      return typeof record?.key === 'string' ? record : undefined;
    } catch {
      return undefined;
    }
  }
}
