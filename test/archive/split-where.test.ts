/**
 * splitCsv's `where`: only matching records are written (byte-exact), fields parsed per RFC 4180,
 * CP932 decoded for the comparison while the bytes are copied as they are.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { splitCsv } from '../../src/archive/index.js';
import { parseRecordFields } from '../../src/archive/fields.js';

const tmp = mkdtempSync(join(tmpdir(), 'teinei-where-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('parses record fields per RFC 4180', () => {
  expect(parseRecordFields('1,"a, ""b""","x\r\ny",\r\n')).toEqual(['1', 'a, "b"', 'x\r\ny', '']);
  expect(parseRecordFields('solo')).toEqual(['solo']);
});

it('keeps only records matching the expression, byte-exact, across chunks', async () => {
  const source = join(tmp, 'plans.csv');
  const rows = Array.from({ length: 40 }, (_, i) => `${i},"plan, ${i}",${20171220 + (i % 10)}\n`);
  writeFileSync(source, `id,name,date\n${rows.join('')}`);
  const result = await splitCsv({ source, chunkRows: 5, outDir: join(tmp, 'out'), where: 'date >= 20171224 && date <= 20171225' });
  const kept = rows.filter((_, i) => i % 10 === 4 || i % 10 === 5);
  expect(result.rowsRead).toBe(40);
  expect(result.rowsWritten).toBe(kept.length);
  const bodies = readdirSync(join(tmp, 'out')).filter((f) => f.startsWith('plans-')).sort()
    .map((f) => readFileSync(join(tmp, 'out', f), 'utf8').replace('id,name,date\n', ''));
  expect(bodies.join('')).toBe(kept.join(''));
});

it('compares decoded CP932 values and copies the CP932 bytes unchanged', async () => {
  const source = join(tmp, 'shops.csv');
  const text = 'id,pref\n1,東京都\n2,大阪府\n3,東京都\n';
  writeFileSync(source, iconv.encode(text, 'cp932'));
  const result = await splitCsv({ source, chunkRows: 10, outDir: join(tmp, 'cp932'), encoding: 'cp932', where: "pref == '東京都'" });
  expect(result.rowsWritten).toBe(2);
  const chunk = readFileSync(join(tmp, 'cp932', 'shops-00001.csv'));
  expect(chunk.equals(iconv.encode('id,pref\n1,東京都\n3,東京都\n', 'cp932'))).toBe(true);
});

it('names an unknown column', async () => {
  await expect(splitCsv({ source: join(tmp, 'plans.csv'), chunkRows: 5, outDir: join(tmp, 'bad'), where: 'day > 1' })).rejects.toThrow(/day/);
});
