/**
 * Checks, while `splitCsv` copies bytes, that the source decodes cleanly in its encoding, without
 * decoding it: UTF-8 with Node's native `buffer.isUtf8`, CP932 with a structural lead/trail byte
 * check. Each read is checked before the scanner sees it, so when a record comes out the guard
 * already knows whether it holds a bad byte.
 *
 * A read is cut at arbitrary bytes, which may split a character. LF (0x0A) is never part of a
 * multibyte sequence in either encoding, so the guard checks each read from its first LF to its
 * last LF in one call and checks the seams (the bytes between a read's last LF and the next
 * read's first LF) separately. Only when a region fails does it look line by line for the bytes
 * to blame; a clean file costs one native call per read.
 *
 * CP932 codes that are well formed but unassigned are caught only with `deep` (a full decode of
 * each region); `splitCsv` leaves them to the `processChunks` workers, which check deep.
 */
import { isUtf8 } from 'node:buffer';
import { firstInvalidCp932, firstInvalidUtf8, firstUnmappedCp932, type TextEncoding } from './encoding.js';

const LF = 0x0a;
/** Seam bytes kept beyond this belong to a record the scanner drops as oversized anyway. */
const MAX_SEAM_BYTES = 64 * 1024 * 1024;

export class DecodeGuard {
  /** Bad bytes found but not yet claimed by a record: absolute offsets, ascending. */
  private readonly bad: Array<{ offset: number; reason: string }> = [];
  private seam: Buffer[] = [];
  private seamBytes = 0;
  private seamOffset = 0;

  constructor(
    private readonly encoding: TextEncoding,
    /** Appended to every reason (e.g. how the encoding was chosen). */
    private readonly hint = '',
    /** Also find CP932 codes that are well formed but unassigned (decodes each region: slower). */
    private readonly deep = false,
  ) {}

  /** Checks the next read, which starts at absolute offset `at`. */
  check(chunk: Buffer, at: number): void {
    const first = chunk.indexOf(LF);
    if (first === -1) {
      this.keepSeam(chunk);
      return;
    }
    this.keepSeam(chunk.subarray(0, first + 1));
    this.checkSeam();
    const last = chunk.lastIndexOf(LF);
    if (last > first) this.checkRegion(chunk.subarray(first + 1, last + 1), at + first + 1);
    this.seamOffset = at + last + 1;
    if (last + 1 < chunk.length) this.keepSeam(chunk.subarray(last + 1));
  }

  /** Checks the bytes after the last LF; call before the scanner's final record. */
  end(): void {
    this.checkSeam();
  }

  /** The reason a record at `[offset, offset + length)` does not decode, or undefined; claims the bad bytes in it. */
  claim(offset: number, length: number): string | undefined {
    const found = this.claimByte(offset, length);
    return found ? `${found.reason} at byte ${found.offset}${this.hint}` : undefined;
  }

  /** The first bad byte in `[offset, offset + length)` (absolute offset and why), or undefined; claims the bad bytes in it. */
  claimByte(offset: number, length: number): { offset: number; reason: string } | undefined {
    if (this.bad.length === 0 || this.bad[0]!.offset >= offset + length) return undefined;
    let found: { offset: number; reason: string } | undefined;
    while (this.bad.length > 0 && this.bad[0]!.offset < offset + length) {
      const next = this.bad.shift()!;
      if (next.offset >= offset) found ??= next;
    }
    return found;
  }

  private keepSeam(piece: Buffer): void {
    if (this.seamBytes > MAX_SEAM_BYTES) return;
    this.seam.push(piece);
    this.seamBytes += piece.length;
  }

  private checkSeam(): void {
    if (this.seamBytes > 0 && this.seamBytes <= MAX_SEAM_BYTES) {
      this.checkRegion(this.seam.length === 1 ? this.seam[0]! : Buffer.concat(this.seam), this.seamOffset);
    }
    this.seam = [];
    this.seamBytes = 0;
  }

  private checkRegion(region: Buffer, at: number): void {
    if (this.clean(region)) return;
    // Slow path, only for regions with bad bytes: blame the first bad byte of each line.
    let start = 0;
    while (start < region.length) {
      const lf = region.indexOf(LF, start);
      const end = lf === -1 ? region.length : lf + 1;
      const line = region.subarray(start, end);
      const bad = this.encoding === 'utf8' ? firstInvalidUtf8(line, false) : (firstInvalidCp932(line) ?? (this.deep ? firstUnmappedCp932(line) : null));
      if (bad) this.bad.push({ offset: at + start + bad.offset, reason: bad.reason });
      start = end;
    }
  }

  private clean(region: Buffer): boolean {
    if (this.encoding === 'utf8') return isUtf8(region);
    return firstInvalidCp932(region) === null && !(this.deep && firstUnmappedCp932(region) !== null);
  }
}
