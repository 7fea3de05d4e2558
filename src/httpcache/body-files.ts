/**
 * Response bodies as gzip files, one per cache key: `<dir>/<sha1-of-key>.gz`. Kept out of keyv,
 * which would hold a Buffer as base64 (a third larger) inside a JSON string, uncompressed.
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import { isNotFound, writeFileAtomic } from './write-atomic.js';

const gzipAsync = promisify(gzipCb);
const gunzipAsync = promisify(gunzipCb);

/** Compresses a body (zlib's thread pool, not the event loop). */
export function gzip(body: Buffer): Promise<Buffer> {
  return gzipAsync(body);
}

/** Decompresses a body written by {@link gzip}. */
export function gunzip(data: Buffer): Promise<Buffer> {
  return gunzipAsync(data);
}

/** Hex SHA-1 of some bytes or text: body checksums and file names. */
export function sha1(data: Buffer | string): string {
  return createHash('sha1').update(data).digest('hex');
}

/** A directory of gzip'd bodies. Files are written atomically, so a reader never sees half of one. */
export class BodyFiles {
  constructor(
    /** The directory, e.g. `<httpcacheDir>/bodies`; created on the first write. */
    readonly dir: string,
  ) {}

  /** The file name for a cache key. */
  static nameFor(key: string): string {
    return `${sha1(key)}.gz`;
  }

  /** The full path of a body file. */
  pathOf(name: string): string {
    return join(this.dir, name);
  }

  /** Compresses and writes a body; resolves when the file is in place. */
  async write(name: string, body: Buffer): Promise<void> {
    await writeFileAtomic(this.pathOf(name), await gzip(body));
  }

  /** A body, decompressed; undefined when the file is missing or not valid gzip. */
  async read(name: string): Promise<Buffer | undefined> {
    let data: Buffer;
    try {
      data = await readFile(this.pathOf(name));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    try {
      return await gunzip(data);
    } catch {
      return undefined;
    }
  }

  /** Deletes a body file if there is one. */
  async remove(name: string): Promise<void> {
    await rm(this.pathOf(name), { force: true });
  }
}
