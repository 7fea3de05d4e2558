/**
 * Text encodings of archive CSV feeds: UTF-8 (with or without BOM) and CP932 (Microsoft's
 * Shift_JIS), decoded with iconv-lite.
 *
 * - `detectEncoding(sample)`: a UTF-8 BOM or bytes that are valid UTF-8 mean 'utf8'; anything else
 *   is taken to be 'cp932'. Pass the start of a file; a sample cut in the middle of a multibyte
 *   character is tolerated (an incomplete trailing sequence does not count against UTF-8).
 * - `decoderFor(encoding)`: Buffer → string. The UTF-8 decoder strips a leading BOM. Both
 *   decoders are lenient (bad bytes become U+FFFD); call `checkDecodes` first to reject them.
 * - `checkDecodes(buffer, encoding)`: finds the first byte that does not decode cleanly and
 *   reports its 1-based line, 0-based byte offset and a reason.
 */
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

export type TextEncoding = 'utf8' | 'cp932';

export type DecodeCheck = { ok: true } | { ok: false; line: number; offset: number; reason: string };

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function hasUtf8Bom(buf: Buffer): boolean {
  return buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
}

/** Normalises common spellings ('UTF-8', 'shift_jis', 'sjis', 'windows-31j', …) to a supported encoding. */
export function normalizeEncoding(name: string): TextEncoding {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (n === 'utf8' || n === 'utf8bom') return 'utf8';
  if (['cp932', 'shiftjis', 'sjis', 'windows31j', 'ms932', 'mskanji'].includes(n)) return 'cp932';
  throw new Error(`unsupported encoding "${name}" (supported: utf8, cp932)`);
}

/**
 * The first invalid UTF-8 sequence (its 0-based offset and why), or null when all is valid.
 * With `allowTruncatedEnd`, an incomplete (but so far valid) sequence at the very end is accepted.
 */
export function firstInvalidUtf8(buf: Buffer, allowTruncatedEnd: boolean): { offset: number; reason: string } | null {
  const len = buf.length;
  let i = 0;
  while (i < len) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else {
      return { offset: i, reason: `invalid UTF-8 lead byte 0x${b.toString(16).padStart(2, '0')}` };
    }
    for (let k = 1; k <= need; k++) {
      if (i + k >= len) {
        if (allowTruncatedEnd) return null;
        return { offset: i, reason: 'truncated UTF-8 sequence at end of input' };
      }
      const c = buf[i + k]!;
      if ((c & 0xc0) !== 0x80) {
        return { offset: i, reason: `invalid UTF-8 continuation byte 0x${c.toString(16).padStart(2, '0')}` };
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min) return { offset: i, reason: 'overlong UTF-8 sequence' };
    if (cp > 0x10ffff) return { offset: i, reason: 'UTF-8 sequence beyond U+10FFFF' };
    if (cp >= 0xd800 && cp <= 0xdfff) return { offset: i, reason: 'UTF-8 encoded surrogate' };
    i += need + 1;
  }
  return null;
}

const isCp932Lead = (b: number): boolean => (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc);
const isCp932Trail = (b: number): boolean => b >= 0x40 && b <= 0xfc && b !== 0x7f;
const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

/** First CP932 byte (sequence) that is structurally invalid; null when clean. Offsets are 0-based in `buf`. */
export function firstInvalidCp932(buf: Buffer): { offset: number; reason: string } | null {
  const len = buf.length;
  let i = 0;
  while (i < len) {
    const b = buf[i]!;
    if (b < 0x80 || (b >= 0xa1 && b <= 0xdf)) {
      i++;
      continue;
    }
    if (!isCp932Lead(b)) return { offset: i, reason: `invalid CP932 byte ${hex(b)}` };
    if (i + 1 >= len) return { offset: i, reason: `truncated CP932 double-byte character (lead ${hex(b)} at end of input)` };
    const t = buf[i + 1]!;
    if (!isCp932Trail(t)) return { offset: i, reason: `invalid CP932 trail byte ${hex(t)} after lead ${hex(b)}` };
    i += 2;
  }
  return null;
}

/** Structurally valid CP932 can still contain unassigned codes; iconv-lite turns those into U+FFFD. */
export function firstUnmappedCp932(buf: Buffer): { offset: number; reason: string } | null {
  if (!iconv.decode(buf, 'cp932').includes('\ufffd')) return null;
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const width = isCp932Lead(b) ? 2 : 1;
    const piece = buf.subarray(i, i + width);
    if (iconv.decode(piece, 'cp932').includes('\ufffd')) {
      return { offset: i, reason: `unmapped CP932 code ${[...piece].map(hex).join(' ')}` };
    }
    i += width;
  }
  return null;
}

/** Guesses the encoding of the start of a file: BOM or valid UTF-8 → 'utf8', else 'cp932'. */
export function detectEncoding(sample: Buffer): TextEncoding {
  if (hasUtf8Bom(sample)) return 'utf8';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample);
    return 'utf8';
  } catch {
    // The sample may end in the middle of a character: judge it without the incomplete tail.
    return firstInvalidUtf8(sample, true) === null ? 'utf8' : 'cp932';
  }
}

/** A lenient Buffer → string decoder for the encoding (UTF-8: leading BOM stripped). */
export function decoderFor(encoding: TextEncoding): (buf: Buffer) => string {
  if (encoding === 'utf8') {
    return (buf) => (hasUtf8Bom(buf) ? buf.subarray(UTF8_BOM.length) : buf).toString('utf8');
  }
  if (encoding === 'cp932') return (buf) => iconv.decode(buf, 'cp932');
  throw new Error(`unsupported encoding "${String(encoding)}" (supported: utf8, cp932)`);
}

function countLine(buf: Buffer, offset: number): number {
  let line = 1;
  let i = buf.indexOf(0x0a);
  while (i !== -1 && i < offset) {
    line++;
    i = buf.indexOf(0x0a, i + 1);
  }
  return line;
}

/**
 * Checks that `buffer` decodes cleanly in `encoding`. On failure reports the first bad byte's
 * 0-based offset and its line: 1-based physical line within `buffer` by default, or whatever
 * `lineOf(offset)` returns (e.g. to map a chunk offset back to a line of the source file).
 */
export function checkDecodes(buffer: Buffer, encoding: TextEncoding, lineOf?: (offset: number) => number): DecodeCheck {
  let bad: { offset: number; reason: string } | null;
  if (encoding === 'utf8') {
    // isUtf8 validates natively without building the string a fatal TextDecoder would.
    bad = isUtf8(buffer) ? null : (firstInvalidUtf8(buffer, false) ?? { offset: 0, reason: 'invalid UTF-8' });
  } else if (encoding === 'cp932') {
    bad = firstInvalidCp932(buffer) ?? firstUnmappedCp932(buffer);
  } else {
    throw new Error(`unsupported encoding "${String(encoding)}" (supported: utf8, cp932)`);
  }
  if (bad === null) return { ok: true };
  const line = lineOf ? lineOf(bad.offset) : countLine(buffer, bad.offset);
  return { ok: false, line, offset: bad.offset, reason: bad.reason };
}
