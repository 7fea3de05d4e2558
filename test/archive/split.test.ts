import { readFile, readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordScanner, splitCsv, type SplitCsvResult } from '../../src/archive/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'teinei-split-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function source(name: string, content: string | Buffer): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

function scanAll(buf: Buffer) {
  const s = new RecordScanner();
  const recs = s.push(buf);
  const last = s.end();
  if (last) recs.push(last);
  return recs;
}

/** Reads every chunk, checks it starts with the header and holds `rows` whole records, returns header + all bodies. */
async function reassemble(result: SplitCsvResult): Promise<Buffer> {
  const headerNoBom = result.header.subarray(0, 3).equals(BOM) ? result.header.subarray(3) : result.header;
  const headerFields = scanAll(result.header)[0]!.fields;
  const bodies: Buffer[] = [result.header];
  for (const [i, chunk] of result.chunks.entries()) {
    const data = await readFile(chunk.path);
    const header = i === 0 ? result.header : headerNoBom;
    expect(data.subarray(0, header.length).equals(header)).toBe(true);
    const body = data.subarray(header.length);
    const recs = scanAll(body);
    expect(recs).toHaveLength(chunk.rows);
    for (const r of recs) {
      expect(r.error).toBeUndefined();
      expect(r.fields).toBe(headerFields);
    }
    bodies.push(body);
  }
  return Buffer.concat(bodies);
}

describe('splitCsv', () => {
  it('splits RFC 4180 edge cases into chunks that reassemble byte-for-byte', async () => {
    const input =
      'id,name,note\r\n' +
      '1,"Smith, John","said ""hi"""\r\n' +
      '2,,\n' +
      '3,"multi\r\nline\nnote",x\r\n' +
      '4,"",""\n' +
      '5,plain,"a,b,c"\n' +
      '6,last,no-newline';
    const src = await source('people.csv', input);
    const out = join(dir, 'out');
    const result = await splitCsv({ source: src, chunkRows: 4, outDir: out });
    expect(result.rowsRead).toBe(6);
    expect(result.rowsWritten).toBe(6);
    expect(result.badRows).toEqual([]);
    expect(result.encoding).toBe('utf8');
    expect(result.header.toString()).toBe('id,name,note\r\n');
    expect(result.chunks.map((c) => c.rows)).toEqual([4, 2]);
    expect(result.chunks.map((c) => c.path)).toEqual([join(out, 'people-00001.csv'), join(out, 'people-00002.csv')]);
    expect((await readFile(result.chunks[0]!.path, 'utf8'))).toBe(
      'id,name,note\r\n1,"Smith, John","said ""hi"""\r\n2,,\n3,"multi\r\nline\nnote",x\r\n4,"",""\n',
    );
    expect((await readFile(result.chunks[1]!.path, 'utf8'))).toBe('id,name,note\r\n5,plain,"a,b,c"\n6,last,no-newline');
    expect((await reassemble(result)).toString()).toBe(input);
    expect(await readFile(join(out, 'bad-rows.csv'), 'utf8')).toBe('line,offset,reason\n');
  });

  it('keeps quoted newlines intact across the 64 KiB read boundary', async () => {
    const boundary = 64 * 1024;
    const header = 'id,text,n\r\n';
    for (let delta = -4; delta <= 4; delta++) {
      // One filler row sized so that the quoted "\r\n" of the next row sits around the boundary.
      const special = '2,"before\r\nafter ""q"", more",9\r\n';
      const crAt = special.indexOf('\r'); // position of the quoted CR inside `special`
      const fillerLen = boundary + delta - header.length - crAt;
      const fillerPrefix = '1,"';
      const fillerSuffix = '",0\r\n';
      const filler = fillerPrefix + 'x'.repeat(fillerLen - fillerPrefix.length - fillerSuffix.length) + fillerSuffix;
      const tail = '3,"tail, with comma",1\r\n';
      const input = header + filler + special + tail;
      expect(input.indexOf('\r\nafter')).toBe(boundary + delta);
      const src = await source(`b${delta + 10}.csv`, input);
      const result = await splitCsv({ source: src, chunkRows: 1, outDir: join(dir, `out${delta + 10}`) });
      expect(result.badRows).toEqual([]);
      expect(result.chunks.map((c) => c.rows)).toEqual([1, 1, 1]);
      expect(await readFile(result.chunks[1]!.path, 'utf8')).toBe(header + special);
      expect((await reassemble(result)).toString()).toBe(input);
    }
  });

  it('never splits a record between chunk files; row counts sum to the total; many reads', async () => {
    const rows: string[] = ['a,b,c\n'];
    for (let i = 0; i < 5000; i++) {
      if (i % 7 === 0) rows.push(`${i},"line one\nline two, ""quoted""\r\nline three",end\r\n`);
      else if (i % 11 === 0) rows.push(`${i},,\n`);
      else rows.push(`${i},"${'v'.repeat(i % 97)}",${'w'.repeat(i % 13)}\n`);
    }
    const input = Buffer.from(rows.join(''));
    expect(input.length).toBeGreaterThan(3 * 64 * 1024);
    const src = await source('big.csv', input);
    const result = await splitCsv({ source: src, chunkRows: 333, outDir: join(dir, 'out') });
    expect(result.badRows).toEqual([]);
    expect(result.rowsRead).toBe(5000);
    expect(result.rowsWritten).toBe(5000);
    expect(result.chunks).toHaveLength(Math.ceil(5000 / 333));
    expect(result.chunks.reduce((n, c) => n + c.rows, 0)).toBe(5000);
    expect(result.chunks.slice(0, -1).every((c) => c.rows === 333)).toBe(true);
    expect((await reassemble(result)).equals(input)).toBe(true);
  });

  it('copies CP932 bytes exactly and keeps a UTF-8 BOM only in the first chunk', async () => {
    const sjis = (hex: string) => Buffer.from(hex, 'hex');
    const ramen = sjis('8389815b83818393'); // ラーメン
    const sushi = sjis('8ef58e69'); // 寿司
    const hyo = sjis('955c'); // 表 (trail byte 0x5C)
    const tokyo = sjis('938c8b9e'); // 東京
    const nl = Buffer.from('\r\n');
    const input = Buffer.concat([
      Buffer.from('name,city\r\n'),
      ramen, Buffer.from(','), tokyo, nl,
      Buffer.from('"'), sushi, Buffer.from(', '), hyo, Buffer.from('",'), tokyo, nl,
      hyo, Buffer.from(',"'), ramen, Buffer.from('\r\n'), sushi, Buffer.from('"'), nl,
    ]);
    const decoder = new TextDecoder('shift_jis');
    expect(decoder.decode(input)).toBe('name,city\r\nラーメン,東京\r\n"寿司, 表",東京\r\n表,"ラーメン\r\n寿司"\r\n');
    const src = await source('フィード 2024.csv', input);
    const result = await splitCsv({ source: src, chunkRows: 2, outDir: join(dir, 'out'), encoding: 'cp932' });
    expect(result.encoding).toBe('cp932');
    expect(result.chunks.map((c) => c.rows)).toEqual([2, 1]);
    expect(result.chunks[0]!.path).toBe(join(dir, 'out', 'フィード_2024-00001.csv'));
    expect((await reassemble(result)).equals(input)).toBe(true);
    expect(decoder.decode(await readFile(result.chunks[1]!.path))).toBe('name,city\r\n表,"ラーメン\r\n寿司"\r\n');

    const withBom = Buffer.concat([BOM, Buffer.from('a,b\n1,2\n3,4\n')]);
    const bomResult = await splitCsv({ source: await source('bom.csv', withBom), chunkRows: 1, outDir: join(dir, 'bom') });
    expect(bomResult.header.equals(Buffer.concat([BOM, Buffer.from('a,b\n')]))).toBe(true);
    expect((await readFile(bomResult.chunks[0]!.path)).equals(Buffer.concat([BOM, Buffer.from('a,b\n1,2\n')]))).toBe(true);
    expect(await readFile(bomResult.chunks[1]!.path, 'utf8')).toBe('a,b\n3,4\n');
    expect((await reassemble(bomResult)).equals(withBom)).toBe(true);
  });

  it('reports a bad row in the middle with line and offset, and keeps the following rows', async () => {
    const input = 'a,b,c\n1,2,3\n"x\ny",2,3\n4,5\n"six, 6",7,8\n9,10,11,12\n13,14,15\n';
    const src = await source('data.csv', input);
    const out = join(dir, 'out');
    const result = await splitCsv({ source: src, chunkRows: 10, outDir: out });
    expect(result.rowsRead).toBe(6);
    expect(result.rowsWritten).toBe(4);
    expect(result.badRows).toEqual([
      { line: 5, offset: input.indexOf('4,5'), reason: 'expected 3 fields, got 2' },
      { line: 7, offset: input.indexOf('9,10'), reason: 'expected 3 fields, got 4' },
    ]);
    expect(await readFile(result.chunks[0]!.path, 'utf8')).toBe('a,b,c\n1,2,3\n"x\ny",2,3\n"six, 6",7,8\n13,14,15\n');
    expect(await readFile(join(out, 'bad-rows.csv'), 'utf8')).toBe(
      `line,offset,reason\n5,${input.indexOf('4,5')},"expected 3 fields, got 2"\n7,${input.indexOf('9,10')},"expected 3 fields, got 4"\n`,
    );
    expect((await readdir(out)).sort()).toEqual(['bad-rows.csv', 'data-00001.csv']);
  });

  it('reports an unclosed quote at end of input', async () => {
    const input = 'a,b\n1,2\n3,"never closed\n4,5\n';
    const src = await source('open.csv', input);
    const result = await splitCsv({ source: src, chunkRows: 10, outDir: join(dir, 'out') });
    expect(result.rowsRead).toBe(2);
    expect(result.rowsWritten).toBe(1);
    expect(result.badRows).toEqual([{ line: 3, offset: 8, reason: 'unclosed quote at end of input' }]);
    expect(await readFile(result.chunks[0]!.path, 'utf8')).toBe('a,b\n1,2\n');
    expect(await readFile(join(dir, 'out', 'bad-rows.csv'), 'utf8')).toBe('line,offset,reason\n3,8,unclosed quote at end of input\n');
  });

  it('handles header-only and empty files, sanitises names and validates chunkRows', async () => {
    const only = await splitCsv({ source: await source('only.csv', 'a,b\n'), chunkRows: 5, outDir: join(dir, 'o1') });
    expect(only).toMatchObject({ chunks: [], rowsRead: 0, rowsWritten: 0, badRows: [] });
    expect(only.header.toString()).toBe('a,b\n');
    const empty = await splitCsv({ source: await source('empty.csv', ''), chunkRows: 5, outDir: join(dir, 'o2') });
    expect(empty).toMatchObject({ chunks: [], rowsRead: 0, rowsWritten: 0 });
    expect(empty.header.length).toBe(0);
    const dotted = await splitCsv({ source: await source('..evil;name.csv', 'a\n1\n'), chunkRows: 5, outDir: join(dir, 'o3') });
    expect(dotted.chunks[0]!.path).toBe(join(dir, 'o3', 'evil_name-00001.csv'));
    await expect(splitCsv({ source: join(dir, 'only.csv'), chunkRows: 0, outDir: join(dir, 'o4') })).rejects.toThrow(RangeError);
    await expect(splitCsv({ source: join(dir, 'missing.csv'), chunkRows: 1, outDir: join(dir, 'o5') })).rejects.toThrow(/ENOENT/);
  });
});
