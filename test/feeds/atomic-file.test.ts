import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtomicFileWriter } from '../../src/feeds/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'teinei-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('AtomicFileWriter', () => {
  it('writes to FILE.part and only renames on commit, creating parent dirs', async () => {
    const path = join(dir, 'a', 'b', 'out.txt');
    const file = await AtomicFileWriter.open(path);
    await file.write('hello ');
    await file.write('世界\n');
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.part`)).toBe(true);
    await file.commit();
    expect(existsSync(`${path}.part`)).toBe(false);
    expect(await readFile(path, 'utf8')).toBe('hello 世界\n');
  });

  it('replaces an existing file only at commit when not appending', async () => {
    const path = join(dir, 'out.txt');
    await writeFile(path, 'old\n');
    const file = await AtomicFileWriter.open(path);
    expect(file.initialSize).toBe(0);
    await file.write('new\n');
    expect(await readFile(path, 'utf8')).toBe('old\n');
    await file.commit();
    expect(await readFile(path, 'utf8')).toBe('new\n');
  });

  it('appends by copying the old content into .part first', async () => {
    const path = join(dir, 'out.txt');
    await writeFile(path, 'old\n');
    const file = await AtomicFileWriter.open(path, { append: true });
    expect(file.initialSize).toBe(4);
    await file.write('new\n');
    expect(await readFile(path, 'utf8')).toBe('old\n');
    await file.commit();
    expect(await readFile(path, 'utf8')).toBe('old\nnew\n');
  });

  it('abort keeps .part (with the data so far) and leaves FILE untouched', async () => {
    const path = join(dir, 'out.txt');
    await writeFile(path, 'old\n');
    const file = await AtomicFileWriter.open(path);
    await file.write('partial');
    await file.abort();
    expect(await readFile(path, 'utf8')).toBe('old\n');
    expect(await readFile(`${path}.part`, 'utf8')).toBe('partial');
    await expect(file.write('x')).rejects.toThrow(/already aborted/);
    await expect(file.commit()).rejects.toThrow(/already aborted/);
  });

  it.each([1, 1000])('keeps exact content over many writes (flushThreshold %i)', async (flushThreshold) => {
    const path = join(dir, 'big.txt');
    // flushThreshold 1 makes every write exceed the stream's high-water mark,
    // so the 'drain' path is exercised on each call.
    const file = await AtomicFileWriter.open(path, { flushThreshold });
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const line = `${i}:あいう\n`;
      lines.push(line);
      await file.write(line);
    }
    await file.commit();
    expect(await readFile(path, 'utf8')).toBe(lines.join(''));
  });

  it('reports I/O errors from open', async () => {
    const path = join(dir, 'file-not-dir', 'out.txt');
    await writeFile(join(dir, 'file-not-dir'), 'x');
    await expect(AtomicFileWriter.open(path)).rejects.toThrow();
  });
});
