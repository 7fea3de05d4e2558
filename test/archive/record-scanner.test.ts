import { describe, expect, it } from 'vitest';
import { RecordScanner, type ScannedRecord } from '../../src/archive/index.js';

function scanPieces(pieces: Buffer[], options?: { maxRecordBytes?: number }): ScannedRecord[] {
  const s = new RecordScanner(options);
  const out: ScannedRecord[] = [];
  for (const p of pieces) out.push(...s.push(p));
  const last = s.end();
  if (last) out.push(last);
  return out;
}

/** Scans the input whole, byte by byte, and split at every position; all must agree. */
function scanAllWays(input: string | Buffer): ScannedRecord[] {
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  const whole = scanPieces([buf]);
  const summary = (recs: ScannedRecord[]) => recs.map((r) => ({ ...r, bytes: r.bytes.toString('latin1') }));
  const expected = summary(whole);
  expect(summary(scanPieces([...buf].map((b) => Buffer.from([b]))))).toEqual(expected);
  for (let i = 0; i <= buf.length; i++) {
    expect(summary(scanPieces([buf.subarray(0, i), buf.subarray(i)]))).toEqual(expected);
  }
  return whole;
}

const texts = (recs: ScannedRecord[]) => recs.map((r) => r.bytes.toString());

describe('RecordScanner', () => {
  it('splits LF and CRLF records, keeping terminators, with lines, offsets and field counts', () => {
    const recs = scanAllWays('a,b,c\r\n1,2,3\n,,\r\nx');
    expect(texts(recs)).toEqual(['a,b,c\r\n', '1,2,3\n', ',,\r\n', 'x']);
    expect(recs.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(recs.map((r) => r.offset)).toEqual([0, 7, 13, 17]);
    expect(recs.map((r) => r.fields)).toEqual([3, 3, 3, 1]);
    expect(recs.map((r) => r.terminated)).toEqual([true, true, true, false]);
    expect(recs.every((r) => r.error === undefined)).toBe(true);
  });

  it('handles quoted commas, doubled quotes and newlines inside quotes', () => {
    const input = 'h1,h2\n"a,b","say ""hi"""\r\n"multi\r\nline\nfield",z\n"""",""\nlast,"x"';
    const recs = scanAllWays(input);
    expect(texts(recs)).toEqual(['h1,h2\n', '"a,b","say ""hi"""\r\n', '"multi\r\nline\nfield",z\n', '"""",""\n', 'last,"x"']);
    expect(recs.map((r) => r.fields)).toEqual([2, 2, 2, 2, 2]);
    // the multi-line record starts on line 3 and spans 3 physical lines
    expect(recs.map((r) => r.line)).toEqual([1, 2, 3, 6, 7]);
    expect(recs.map((r) => r.offset)).toEqual([0, 6, 26, 48, 56]);
    expect(Buffer.concat(recs.map((r) => r.bytes)).toString()).toBe(input);
  });

  it('returns nothing for empty input and no final record after a trailing newline', () => {
    expect(scanAllWays('')).toEqual([]);
    expect(texts(scanAllWays('a\n'))).toEqual(['a\n']);
    expect(texts(scanAllWays('a\n\n'))).toEqual(['a\n', '\n']);
  });

  it('reports an unclosed quote at end of input with line and offset', () => {
    const recs = scanAllWays('a,b\n1,2\n3,"oops\nmore,stuff\n');
    expect(recs).toHaveLength(3);
    const bad = recs[2]!;
    expect(bad.error).toBe('unclosed quote at end of input');
    expect(bad).toMatchObject({ line: 3, offset: 8, terminated: false });
    expect(bad.bytes.toString()).toBe('3,"oops\nmore,stuff\n');
  });

  it('returns zero-copy views for records inside one chunk', () => {
    const chunk = Buffer.from('a,b\n1,2\n');
    const recs = new RecordScanner().push(chunk);
    expect(recs[1]!.bytes.buffer).toBe(chunk.buffer);
    expect(recs[1]!.bytes.byteOffset).toBe(chunk.byteOffset + 4);
  });

  it('drops records longer than maxRecordBytes with an error and keeps scanning', () => {
    const input = Buffer.from('a,b\n"' + 'x'.repeat(100) + '",1\nc,d\n');
    const pieces = [input.subarray(0, 10), input.subarray(10, 50), input.subarray(50)];
    const recs = scanPieces(pieces, { maxRecordBytes: 50 });
    expect(recs.map((r) => r.error === undefined)).toEqual([true, false, true]);
    expect(recs[1]).toMatchObject({ line: 2, offset: 4, length: 105, bytes: Buffer.alloc(0) });
    expect(recs[2]!.bytes.toString()).toBe('c,d\n');
  });
});
