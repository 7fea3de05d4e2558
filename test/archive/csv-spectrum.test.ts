/**
 * csv-spectrum (an outside reference of RFC 4180 cases: quoted commas, doubled quotes, newlines
 * inside quotes, CRLF, UTF-8, empty fields) through the whole archive path: splitCsv must copy
 * every record whole into chunks, and processChunks must parse the chunks back into exactly the
 * rows the package's JSON lists.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processChunks, splitCsv } from '../../src/archive/index.js';

const spectrum = path.dirname(createRequire(import.meta.url).resolve('csv-spectrum/package.json'));
const rowsTask = fileURLToPath(new URL('./fixtures/rows-task.ts', import.meta.url));
// location_coordinates puts a bare `"` inside an unquoted field (not RFC 4180) and its JSON does not
// match its CSV (another phone number, an object instead of an array): checked on its own below.
const NOT_RFC4180 = 'location_coordinates';
const cases = (await readdir(path.join(spectrum, 'csvs'))).map((f) => f.replace(/\.csv$/, '')).filter((c) => c !== NOT_RFC4180).sort();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'teinei-spectrum-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('csv-spectrum through splitCsv and processChunks', () => {
  it('has the cases it is meant to check', () => {
    expect(cases).toEqual(expect.arrayContaining(['comma_in_quotes', 'escaped_quotes', 'newlines', 'newlines_crlf', 'quotes_and_newlines', 'utf8', 'empty_crlf']));
  });

  it.each(cases)('%s', async (name) => {
    const source = path.join(spectrum, 'csvs', `${name}.csv`);
    const expected = JSON.parse(await readFile(path.join(spectrum, 'json', `${name}.json`), 'utf8')) as Array<Record<string, string>>;
    const split = await splitCsv({ source, chunkRows: 1, outDir: path.join(dir, name) });
    expect(split.badRows).toEqual([]);
    expect(split.rowsWritten).toBe(expected.length);
    expect(split.chunks).toHaveLength(expected.length);
    // Byte-exact: the header plus each chunk's body is the source.
    const bodies = await Promise.all(split.chunks.map(async (c) => (await readFile(c.path)).subarray(split.header.length)));
    expect(Buffer.concat([split.header, ...bodies]).equals(await readFile(source))).toBe(true);

    const processed = await processChunks(split.chunks, { task: rowsTask, workers: 2 });
    const rows = processed.results.flatMap((r) => {
      if (!r.ok) throw new Error(r.error);
      return r.value as Array<Record<string, string>>;
    });
    expect(rows).toEqual(expected);
  });

  it(`${NOT_RFC4180}: split copies the record as is; parsing the chunk fails naming the stray quote`, async () => {
    const source = path.join(spectrum, 'csvs', `${NOT_RFC4180}.csv`);
    const split = await splitCsv({ source, chunkRows: 1, outDir: path.join(dir, NOT_RFC4180) });
    // The two bare quotes balance, so the byte scan sees 4 fields and copies the record whole.
    expect(split).toMatchObject({ rowsWritten: 1, badRows: [] });
    expect((await readFile(split.chunks[0]!.path)).equals(await readFile(source))).toBe(true);
    const processed = await processChunks(split.chunks, { task: rowsTask, workers: 1 });
    expect(processed.results[0]).toMatchObject({ ok: false, error: expect.stringMatching(/location_coordinates-00001\.csv: .*quote.*line 2/i) as unknown });
  });
});
