/**
 * Whole-file writes that readers only ever see complete: the data goes to a temporary file in
 * the same directory, which is then renamed over the target (rename is atomic on one filesystem).
 * Unlike feeds' AtomicFileWriter (one streaming writer per path), any number of writers may race
 * on one path: each uses its own temporary name, and the last rename wins.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Suffix of temporary files; a crash may leave some behind, and they are safe to delete. */
export const TMP_SUFFIX = '.tmp';

/**
 * Writes `data` to `path` atomically, creating the directory when it is missing.
 * @throws the file system's error; the temporary file is removed first
 */
export async function writeFileAtomic(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}${TMP_SUFFIX}`;
  try {
    await writeFile(tmp, data);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, data);
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Whether an error means "no such file" (a cache miss, not a failure). */
export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
