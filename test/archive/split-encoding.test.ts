import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DecodeGuard } from '../../src/archive/decode-guard.js';
import { RecordScanner } from '../../src/archive/index.js';
import { splitCsv } from '../../src/archive/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'teinei-split-enc-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sjis = (text: string) => iconv.encode(text, 'cp932');

/** Runs the guard and the scanner over `input` cut into `size`-byte reads, as splitCsv does; returns each record's verdict. */
function verdicts(input: Buffer, encoding: 'utf8' | 'cp932', size: number): Array<string | undefined> {
  const guard = new DecodeGuard(encoding);
  const scanner = new RecordScanner();
  const out: Array<string | undefined> = [];
  const sink = (_b: Buffer, start: number, end: number, _f: number, _l: number, offset: number) => out.push(guard.claim(offset, end - start));
  for (let at = 0; at < input.length; at += size) {
    const read = input.subarray(at, at + size);
    guard.check(read, at);
    scanner.scan(read, sink);
  }
  guard.end();
  scanner.endInto(sink);
  return out;
}

describe('DecodeGuard', () => {
  const utf8Rows = ['id,name\n', '1,東京タワー\n', '2,"改行\nあり"\n', '3,𠮷野家\n', '4,最後'];

  it('finds no fault in clean UTF-8 and CP932, however the reads cut characters', () => {
    const utf8 = Buffer.from(utf8Rows.join(''));
    const cp932 = sjis('id,name\r\n1,表示\r\n2,"ソ連\r\n能力"\r\n3,ﾊﾝｶｸ\r\n');
    for (let size = 1; size <= 12; size++) {
      expect(verdicts(utf8, 'utf8', size)).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(verdicts(cp932, 'cp932', size)).toEqual([undefined, undefined, undefined, undefined]);
    }
  });

  it('blames exactly the record holding a bad byte, wherever the reads cut', () => {
    const bad = Buffer.concat([Buffer.from('id,name\n1,ok\n2,bad'), Buffer.from([0xff]), Buffer.from('byte\n3,ok\n4,'), Buffer.from([0xe6, 0x9d]), Buffer.from('\n')]);
    for (let size = 1; size <= 20; size++) {
      const v = verdicts(bad, 'utf8', size);
      expect(v[0]).toBeUndefined();
      expect(v[1]).toBeUndefined();
      expect(v[2]).toMatch(/^invalid UTF-8 lead byte 0xff at byte 18$/);
      expect(v[3]).toBeUndefined();
      expect(v[4]).toMatch(/invalid UTF-8 continuation byte 0x0a at byte 31/);
    }
  });

  it('finds a CP932 lead byte without its trail byte', () => {
    const input = Buffer.concat([sjis('a,b\r\n1,東\r\n2,'), Buffer.from([0x93, 0x0d, 0x0a]), sjis('3,京\r\n')]);
    for (let size = 1; size <= 8; size++) {
      expect(verdicts(input, 'cp932', size)).toEqual([undefined, undefined, expect.stringMatching(/invalid CP932 trail byte 0x0d after lead 0x93 at byte 13/), undefined]);
    }
  });
});

describe('splitCsv encodings', () => {
  it('detects CP932, sets aside a row that does not decode (with line and byte), and keeps the rows after it', async () => {
    const rows = [sjis('店名,住所\r\n'), sjis('ラーメン一番,東京都\r\n'), Buffer.concat([sjis('壊れた'), Buffer.from([0x81, 0x7f]), sjis(',大阪府\r\n')]), sjis('寿司,"京都府\r\n左京区"\r\n')];
    const input = Buffer.concat(rows);
    const src = join(dir, 'shops.csv');
    await writeFile(src, input);
    const result = await splitCsv({ source: src, chunkRows: 10, outDir: join(dir, 'out') });
    expect(result.encoding).toBe('cp932');
    expect(result.encodingDetected).toBe(true);
    expect(result.rowsRead).toBe(3);
    expect(result.rowsWritten).toBe(2);
    const offset = rows[0]!.length + rows[1]!.length;
    expect(result.badRows).toEqual([{ line: 3, offset, reason: expect.stringMatching(new RegExp(`^invalid CP932 trail byte 0x7f after lead 0x81 at byte ${offset + 6} \\(encoding cp932 was detected`)) }]);
    expect((await readFile(result.chunks[0]!.path)).equals(Buffer.concat([rows[0]!, rows[1]!, rows[3]!]))).toBe(true);
    expect(await readFile(result.badRowsPath, 'utf8')).toContain(`3,${offset},`);
  });

  it('reports invalid UTF-8 when the encoding is declared, without the detection hint', async () => {
    const input = Buffer.concat([Buffer.from('a,b\n1,ok\n2,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n3,ok\n')]);
    const src = join(dir, 'u.csv');
    await writeFile(src, input);
    const result = await splitCsv({ source: src, chunkRows: 10, outDir: join(dir, 'out'), encoding: 'utf8' });
    expect(result.badRows).toEqual([{ line: 3, offset: 9, reason: 'invalid UTF-8 continuation byte 0x28 at byte 11' }]);
    expect(await readFile(result.chunks[0]!.path, 'utf8')).toBe('a,b\n1,ok\n3,ok\n');
  });

  it('re-encodes CP932 to UTF-8 on request, header included, quoted newlines intact', async () => {
    const text = 'name,city\r\nラーメン,東京\r\n"寿司, 表",東京\r\n表,"ラーメン\r\n寿司"\r\n';
    const src = join(dir, 'feed.csv');
    await writeFile(src, sjis(text));
    const result = await splitCsv({ source: src, chunkRows: 2, outDir: join(dir, 'out'), encoding: 'cp932', outputEncoding: 'utf8' });
    expect(result.outputEncoding).toBe('utf8');
    expect(await readFile(result.chunks[0]!.path, 'utf8')).toBe('name,city\r\nラーメン,東京\r\n"寿司, 表",東京\r\n');
    expect(await readFile(result.chunks[1]!.path, 'utf8')).toBe('name,city\r\n表,"ラーメン\r\n寿司"\r\n');
  });

  it('filters CP932 on a column after a Japanese one without decoding it wrongly', async () => {
    const text = '名前,都道府県,日付\r\n"ラーメン, 一番",東京都,20171224\r\n寿司,大阪府,20171226\r\n"表""示""",京都府,20171225\r\n';
    const src = join(dir, 'f.csv');
    await writeFile(src, sjis(text));
    const result = await splitCsv({ source: src, chunkRows: 10, outDir: join(dir, 'out'), where: "日付 <= 20171225 && 都道府県 != '東京都'" });
    expect(result.rowsWritten).toBe(1);
    expect(iconv.decode(await readFile(result.chunks[0]!.path), 'cp932')).toBe('名前,都道府県,日付\r\n"表""示""",京都府,20171225\r\n');
  });
});
