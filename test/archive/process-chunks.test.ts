import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processChunks } from '../../src/archive/process-chunks.js';

const task = fileURLToPath(new URL('./fixtures/count-task.ts', import.meta.url));
let dir: string;

/** Day i (0-based) of a range starting 2017-12-20. */
const dateOf = (i: number): string => String(20171220 + (i % 10));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'teinei-process-chunks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeChunks(prefix: string, count: number, rowsPer: number): Promise<Array<{ path: string; rows: number }>> {
  const chunks: Array<{ path: string; rows: number }> = [];
  let n = 0;
  for (let c = 0; c < count; c++) {
    const lines = ['id,date,name'];
    for (let r = 0; r < rowsPer; r++, n++) lines.push(`${n},${dateOf(n)},"row ${n}, quoted"`);
    const p = path.join(dir, `${prefix}-${String(c + 1).padStart(3, '0')}.csv`);
    await writeFile(p, lines.join('\r\n') + '\r\n');
    chunks.push({ path: p, rows: rowsPer });
  }
  return chunks;
}

describe('processChunks', () => {
  it('runs 6 chunks over 2 workers, results in input order', async () => {
    const chunks = await writeChunks('all', 6, 25);
    const out = await processChunks(chunks, { task, workers: 2, options: { field: 'id' } });
    expect(out.results).toHaveLength(6);
    expect(out.rowsRead).toBe(150);
    expect(out.rowsKept).toBe(150);
    out.results.forEach((r, i) => {
      expect(r).toMatchObject({ chunk: chunks[i]!.path, ok: true, rows: 25, kept: 25 });
      if (r.ok) {
        const v = r.value as { count: number; first: Record<string, string>; values: string[] };
        expect(v.count).toBe(25);
        expect(v.first).toEqual({ id: String(i * 25), date: dateOf(i * 25), name: `row ${i * 25}, quoted` });
        expect(v.values[24]).toBe(String(i * 25 + 24));
      }
    });
    const threads = new Set(out.results.map((r) => (r.ok ? (r.value as { thread: number }).thread : -1)));
    expect(threads.size).toBe(2);
    expect(threads.has(0)).toBe(false); // not the main thread
  });

  it('applies a where filter with exact kept counts', async () => {
    const chunks = await writeChunks('where', 6, 37);
    const total = 6 * 37;
    let expected = 0;
    for (let n = 0; n < total; n++) if (Number(dateOf(n)) >= 20171224 && Number(dateOf(n)) <= 20171225) expected++;
    const out = await processChunks(chunks, { task: pathToFileURL(task).href, workers: 2, where: 'date >= 20171224 && date <= 20171225', options: { field: 'date' } });
    expect(out.rowsRead).toBe(total);
    expect(out.rowsKept).toBe(expected);
    out.results.forEach((r, i) => {
      if (!r.ok) throw new Error(r.error);
      let want = 0;
      for (let n = i * 37; n < (i + 1) * 37; n++) if (['20171224', '20171225'].includes(dateOf(n))) want++;
      expect(r.kept).toBe(want);
      expect(r.rows).toBe(37);
      const v = r.value as { values: string[] };
      expect(new Set(v.values)).toEqual(new Set(['20171224', '20171225']));
    });
  });

  it('decodes a CP932 chunk', async () => {
    const p = path.join(dir, 'sjis-001.csv');
    await writeFile(p, iconv.encode('id,date,name\r\n1,20171224,東京都千代田区\r\n2,20171225,"髙橋①, ｶﾅ"\r\n', 'cp932'));
    const out = await processChunks([{ path: p }], { task, workers: 2, encoding: 'cp932', options: { field: 'name' } });
    const r = out.results[0]!;
    if (!r.ok) throw new Error(r.error);
    expect((r.value as { values: string[] }).values).toEqual(['東京都千代田区', '髙橋①, ｶﾅ']);
  });

  it('a CP932 chunk read as UTF-8 fails with its line', async () => {
    const p = path.join(dir, 'sjis-002.csv');
    await writeFile(p, iconv.encode('id,date,name\n1,20171224,東京\n', 'cp932'));
    const out = await processChunks([{ path: p }], { task, workers: 1 });
    expect(out.results[0]).toEqual({ chunk: p, ok: false, error: expect.stringMatching(/sjis-002\.csv: not valid utf8 at line 2 \(byte 24\)/) as unknown });
  });

  it('a well-formed but unassigned CP932 code fails the chunk with its line and byte', async () => {
    const p = path.join(dir, 'sjis-003.csv');
    const head = iconv.encode('id,date,name\r\n1,20171224,東京\r\n2,20171224,', 'cp932');
    await writeFile(p, Buffer.concat([head, Buffer.from([0x85, 0x40]), Buffer.from('\r\n')]));
    const out = await processChunks([{ path: p, rows: 2 }], { task, workers: 1, encoding: 'cp932' });
    expect(out.results[0]).toMatchObject({ ok: false, error: expect.stringMatching(new RegExp(`sjis-003\\.csv: not valid cp932 at line 3 \\(byte ${head.length}\\): unmapped CP932 code 0x85 0x40`)) as unknown });
  });

  it('names failing chunks while the others finish', async () => {
    const chunks = await writeChunks('fail', 6, 10);
    const missing = path.join(dir, 'missing.csv');
    const ragged = path.join(dir, 'ragged.csv');
    await writeFile(ragged, 'id,date,name\n1,20171224\n');
    const list = [...chunks.slice(0, 3), { path: missing }, ...chunks.slice(3), { path: ragged }];
    const out = await processChunks(list, { task, workers: 2, options: { failOn: 'fail-005' } });
    expect(out.results.map((r) => r.ok)).toEqual([true, true, true, false, true, false, true, false]);
    const errors = out.results.flatMap((r) => (r.ok ? [] : [r.error]));
    expect(errors[0]).toMatch(new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*ENOENT`));
    expect(errors[1]).toMatch(/fail-005\.csv: task refused fail-005$/);
    expect(errors[2]).toMatch(/ragged\.csv: line 2: expected 3 fields, got 2/);
    expect(out.rowsRead).toBe(50);
  });

  it('a worker that dies fails only its chunk and is replaced', async () => {
    const chunks = await writeChunks('crash', 5, 4);
    const out = await processChunks(chunks, { task, workers: 2, options: { exitOn: 'crash-002' } });
    expect(out.results.map((r) => r.ok)).toEqual([true, false, true, true, true]);
    expect(out.results[1]).toMatchObject({ ok: false, error: expect.stringMatching(/crash-002\.csv: worker died: exit code 3/) as unknown });
    expect(out.rowsRead).toBe(16);
  });

  it('an unknown where column fails every chunk with the header listed', async () => {
    const chunks = await writeChunks('badwhere', 2, 3);
    const out = await processChunks(chunks, { task, workers: 2, where: 'day >= 1' });
    for (const r of out.results) expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/unknown column "day" \(columns: "id", "date", "name"\)/) as unknown });
  });

  it('a task module without a default export fails each chunk', async () => {
    const bad = path.join(dir, 'no-default.mjs');
    await writeFile(bad, 'export const x = 1;\n');
    const chunks = await writeChunks('nodefault', 2, 2);
    const out = await processChunks(chunks, { task: bad, workers: 1 });
    for (const r of out.results) expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/default export must be a function \(rows, context\) or an object with a row/) as unknown });
  });

  it('runs a row-form task one row at a time, after the where filter', async () => {
    const rowTask = fileURLToPath(new URL('./fixtures/sum-row-task.ts', import.meta.url));
    const chunks = await writeChunks('rows', 4, 50);
    const out = await processChunks(chunks, { task: rowTask, workers: 2, where: 'date >= 20171224 && date <= 20171225', options: { field: 'id' } });
    out.results.forEach((r, i) => {
      if (!r.ok) throw new Error(r.error);
      let sum = 0;
      let kept = 0;
      for (let n = i * 50; n < (i + 1) * 50; n++) {
        if (['20171224', '20171225'].includes(dateOf(n))) {
          sum += n;
          kept++;
        }
      }
      expect(r).toMatchObject({ rows: 50, kept });
      expect(r.value).toEqual({ sum, rows: kept, inOrder: true, last: expect.any(Number) as unknown, chunk: chunks[i]!.path });
    });
  });

  it('fails a chunk whose parsed row count differs from what splitCsv wrote (a quote swallowed rows)', async () => {
    const p = path.join(dir, 'swallowed.csv');
    // Three records as written, but an unbalanced quote makes the parser see the 2nd and 3rd as one.
    await writeFile(p, 'id,date,name\n1,20171224,a\n2,20171224,"b\n3,20171225,c"\n');
    const out = await processChunks([{ path: p, rows: 3 }], { task, workers: 1 });
    expect(out.results[0]).toEqual({ chunk: p, ok: false, error: `${p}: found 2 rows where 3 were written (a stray quote may have merged rows)` });
    const unchecked = await processChunks([{ path: p }], { task, workers: 1 });
    expect(unchecked.results[0]).toMatchObject({ ok: true, rows: 2 });
  });

  it('names the chunk line of a row csv-parse rejects, also when where kept only some rows', async () => {
    const p = path.join(dir, 'stray-quote.csv');
    await writeFile(p, 'id,date,name\n1,20171220,a\n2,20171224,ok\n3,20171224,b"x"\n');
    const out = await processChunks([{ path: p, rows: 3 }], { task, workers: 1, where: 'date >= 20171224' });
    expect(out.results[0]).toMatchObject({ ok: false, error: expect.stringMatching(/stray-quote\.csv: line 4: .*quote/i) as unknown });
  });

  it('handles no chunks and rejects bad worker counts', async () => {
    expect(await processChunks([], { task })).toEqual({ results: [], rowsRead: 0, rowsKept: 0 });
    await expect(processChunks([], { task, workers: 0 })).rejects.toThrow(/workers must be a positive integer/);
  });
});
