import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { checkDecodes, decoderFor, detectEncoding, normalizeEncoding } from '../../src/archive/encoding.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('detectEncoding', () => {
  it('BOM and valid UTF-8 are utf8', () => {
    expect(detectEncoding(Buffer.concat([BOM, Buffer.from('a,b\n')]))).toBe('utf8');
    expect(detectEncoding(Buffer.from('名前,値\n東京,1\n'))).toBe('utf8');
    expect(detectEncoding(Buffer.from('plain ascii'))).toBe('utf8');
  });
  it('Shift_JIS bytes are cp932', () => {
    expect(detectEncoding(iconv.encode('名前,値\n東京,1\n', 'cp932'))).toBe('cp932');
  });
  it('a sample cut inside a UTF-8 character is still utf8', () => {
    const full = Buffer.from('abc東京');
    expect(detectEncoding(full.subarray(0, full.length - 1))).toBe('utf8');
  });
});

describe('decoderFor', () => {
  it('utf8 strips the BOM', () => {
    expect(decoderFor('utf8')(Buffer.concat([BOM, Buffer.from('名前,x')]))).toBe('名前,x');
  });
  it('cp932 decodes Japanese, including NEC/IBM extensions', () => {
    const text = '株式会社,①,髙橋,ｶﾅ\r\n';
    expect(decoderFor('cp932')(iconv.encode(text, 'cp932'))).toBe(text);
  });
  it('normalizeEncoding accepts common spellings', () => {
    expect(normalizeEncoding('UTF-8')).toBe('utf8');
    expect(normalizeEncoding('Shift_JIS')).toBe('cp932');
    expect(normalizeEncoding('Windows-31J')).toBe('cp932');
    expect(() => normalizeEncoding('latin1')).toThrow(/unsupported encoding/);
  });
});

describe('checkDecodes', () => {
  it('accepts clean input', () => {
    expect(checkDecodes(Buffer.from('a,b\n東京,1\n'), 'utf8')).toEqual({ ok: true });
    expect(checkDecodes(iconv.encode('a,b\n東京,1\n', 'cp932'), 'cp932')).toEqual({ ok: true });
  });
  it('reports the line and offset of bad UTF-8', () => {
    const buf = Buffer.concat([Buffer.from('a,b\nc,d\n'), Buffer.from([0x65, 0xff, 0x0a])]);
    const r = checkDecodes(buf, 'utf8');
    expect(r).toMatchObject({ ok: false, line: 3, offset: 9 });
    if (!r.ok) expect(r.reason).toMatch(/lead byte 0xff/);
    // CP932 read as UTF-8 fails on its first multibyte character.
    const sjis = iconv.encode('id,name\n1,東京\n', 'cp932');
    expect(checkDecodes(sjis, 'utf8')).toMatchObject({ ok: false, line: 2, offset: 10 });
  });
  it('reports truncated UTF-8 at end of input', () => {
    const full = Buffer.from('x\n東');
    expect(checkDecodes(full.subarray(0, full.length - 1), 'utf8')).toMatchObject({ ok: false, line: 2, offset: 2 });
  });
  it('reports invalid CP932 bytes and trail bytes with their line', () => {
    const head = iconv.encode('id,name\n1,東京\n', 'cp932');
    const badLead = Buffer.concat([head, Buffer.from([0x32, 0x2c, 0xfd, 0x0a])]);
    expect(checkDecodes(badLead, 'cp932')).toMatchObject({ ok: false, line: 3, offset: head.length + 2 });
    const badTrail = Buffer.concat([head, Buffer.from([0x32, 0x2c, 0x82, 0x0a])]);
    const r = checkDecodes(badTrail, 'cp932');
    expect(r).toMatchObject({ ok: false, line: 3, offset: head.length + 2 });
    if (!r.ok) expect(r.reason).toMatch(/trail byte 0x0a/);
  });
  it('reports unassigned CP932 codes', () => {
    const buf = Buffer.from([0x61, 0x0a, 0x85, 0x40, 0x0a]);
    const r = checkDecodes(buf, 'cp932');
    expect(r).toMatchObject({ ok: false, line: 2, offset: 2 });
    if (!r.ok) expect(r.reason).toMatch(/unmapped CP932 code 0x85 0x40/);
  });
  it('uses lineOf to map offsets', () => {
    expect(checkDecodes(Buffer.from([0x61, 0xff]), 'utf8', (o) => 100 + o)).toMatchObject({ ok: false, line: 101, offset: 1 });
  });
});
