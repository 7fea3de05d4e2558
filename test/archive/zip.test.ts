import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { text } from 'node:stream/consumers';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openZipEntry, safeEntryBaseName, splitCsv } from '../../src/archive/index.js';

// Zip64: real entries over 4 GB would need > 4 GB of data. `buildZip64` below writes small entries
// in the zip64 layout instead (sizes and offsets only in zip64 extra fields, a zip64 end record and
// locator), which is the code path such entries take; a declared size over 4 GiB is read from it.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'teinei-zip-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface TestEntry {
  name: string;
  data: Buffer | string;
  method?: 0 | 8;
  /** Override the CRC-32 written in both headers. */
  crc?: number;
  /** Override the uncompressed size written in both headers. */
  uncompressedSize?: number;
}

/** Minimal zip writer (no data descriptors, no zip64): local headers + data, central directory, EOCD. */
function buildZip(entries: TestEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.from(e.data);
    const method = e.method ?? 8;
    const body = method === 8 ? zlib.deflateRawSync(data) : data;
    const name = Buffer.from(e.name, 'utf8');
    const crc = (e.crc ?? zlib.crc32(data)) >>> 0;
    const usize = e.uncompressedSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(usize, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4); // made by
    local.copy(cd, 6, 4, 30); // version needed .. name length, extra length
    cd.writeUInt16LE(0, 32); // comment length
    cd.writeUInt16LE(0, 34); // disk
    cd.writeUInt16LE(0, 36); // internal attrs
    cd.writeUInt32LE(0, 38); // external attrs
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(cd, name);
    offset += local.length + name.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, eocd]);
}

/**
 * Minimal zip64 writer: every size and offset in the classic headers is 0xFFFFFFFF (count 0xFFFF)
 * and the real values live in zip64 extra fields and the zip64 end-of-central-directory record.
 * `declaredSize` overrides the uncompressed size written (to declare more than 4 GiB).
 */
function buildZip64(entries: Array<TestEntry & { declaredSize?: bigint }>): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0n;
  for (const e of entries) {
    const data = Buffer.from(e.data);
    const body = zlib.deflateRawSync(data);
    const name = Buffer.from(e.name, 'utf8');
    const usize = e.declaredSize ?? BigInt(data.length);
    const localExtra = Buffer.alloc(20);
    localExtra.writeUInt16LE(0x0001, 0);
    localExtra.writeUInt16LE(16, 2);
    localExtra.writeBigUInt64LE(usize, 4);
    localExtra.writeBigUInt64LE(BigInt(body.length), 12);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(45, 4); // version needed: zip64
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(zlib.crc32(data) >>> 0, 14);
    local.writeUInt32LE(0xffffffff, 18);
    local.writeUInt32LE(0xffffffff, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    const cdExtra = Buffer.alloc(28);
    cdExtra.writeUInt16LE(0x0001, 0);
    cdExtra.writeUInt16LE(24, 2);
    cdExtra.writeBigUInt64LE(usize, 4);
    cdExtra.writeBigUInt64LE(BigInt(body.length), 12);
    cdExtra.writeBigUInt64LE(offset, 20);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(45, 4);
    local.copy(cd, 6, 4, 28); // version needed .. name length
    cd.writeUInt16LE(cdExtra.length, 30);
    cd.writeUInt32LE(0xffffffff, 42);
    parts.push(local, name, localExtra, body);
    central.push(cd, name, cdExtra);
    offset += BigInt(local.length + name.length + localExtra.length + body.length);
  }
  const cdBuf = Buffer.concat(central);
  const eocd64 = Buffer.alloc(56);
  eocd64.writeUInt32LE(0x06064b50, 0);
  eocd64.writeBigUInt64LE(44n, 4);
  eocd64.writeUInt16LE(45, 12);
  eocd64.writeUInt16LE(45, 14);
  eocd64.writeBigUInt64LE(BigInt(entries.length), 24);
  eocd64.writeBigUInt64LE(BigInt(entries.length), 32);
  eocd64.writeBigUInt64LE(BigInt(cdBuf.length), 40);
  eocd64.writeBigUInt64LE(offset, 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(offset + BigInt(cdBuf.length), 8);
  locator.writeUInt32LE(1, 16);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([...parts, cdBuf, eocd64, locator, eocd]);
}

async function zipFile(name: string, entries: TestEntry[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, buildZip(entries));
  return file;
}

function sampleCsv(rows: number): string {
  const lines = ['id,name,note\r\n'];
  for (let i = 1; i <= rows; i++) {
    lines.push(i % 7 === 0 ? `${i},"multi\r\nline, ""quoted""",日本語\r\n` : `${i},name${i},note ${i % 13}\r\n`);
  }
  return lines.join('');
}

describe('safeEntryBaseName', () => {
  it('keeps only a harmless last segment', () => {
    expect(safeEntryBaseName('../../evil.csv')).toBe('evil.csv');
    expect(safeEntryBaseName('/etc/passwd')).toBe('passwd');
    expect(safeEntryBaseName('C:\\x\\y.csv')).toBe('y.csv');
    expect(safeEntryBaseName('dir/..')).toBe('dir');
    expect(safeEntryBaseName('..')).toBe('entry');
    expect(safeEntryBaseName('a/.hidden.csv')).toBe('hidden.csv');
    expect(safeEntryBaseName('データ 1.csv')).toBe('データ_1.csv');
  });
});

describe('openZipEntry', () => {
  it('picks one of two entries by name, deflate and stored', async () => {
    const a = sampleCsv(500);
    const b = 'x,y\n1,2\n';
    const zip = await zipFile('two.zip', [
      { name: 'dir/a.csv', data: a, method: 8 },
      { name: 'b.csv', data: b, method: 0 },
    ]);
    const ea = await openZipEntry(zip, { entry: 'dir/a.csv' });
    expect(ea.name).toBe('dir/a.csv');
    expect(ea.uncompressedSize).toBe(Buffer.byteLength(a));
    expect(ea.compressedSize).toBeLessThan(ea.uncompressedSize);
    expect(await text(ea.stream)).toBe(a);
    const eb = await openZipEntry(zip, { entry: 'b.csv' });
    expect(eb.compressedSize).toBe(eb.uncompressedSize);
    expect(await text(eb.stream)).toBe(b);
    await expect(openZipEntry(zip)).rejects.toThrow(/several \.csv entries.*"dir\/a\.csv", "b\.csv"/);
  });

  it('defaults to the only .csv entry and lists entries when the named one is missing', async () => {
    const zip = await zipFile('one.zip', [
      { name: 'readme.txt', data: 'hello' },
      { name: 'data.CSV', data: 'a\n1\n' },
    ]);
    const e = await openZipEntry(zip);
    expect(e.name).toBe('data.CSV');
    expect(await text(e.stream)).toBe('a\n1\n');
    await expect(openZipEntry(zip, { entry: 'nope.csv' })).rejects.toThrow(
      /one\.zip.*no entry named "nope\.csv"; entries: "readme\.txt", "data\.CSV"/,
    );
  });

  it('names the zip for garbage and truncated archives', async () => {
    const garbage = join(dir, 'garbage.zip');
    await writeFile(garbage, Buffer.alloc(1000, 0x41));
    await expect(openZipEntry(garbage)).rejects.toThrow(/garbage\.zip.*end of central directory record signature not found/i);
    const good = buildZip([{ name: 'data.csv', data: sampleCsv(2000) }]);
    const truncated = join(dir, 'truncated.zip');
    await writeFile(truncated, good.subarray(0, Math.floor(good.length / 2)));
    await expect(openZipEntry(truncated)).rejects.toThrow(/truncated\.zip: /);
  });

  it('names the entry when the compressed data is corrupt', async () => {
    const good = buildZip([{ name: 'data.csv', data: sampleCsv(2000) }]);
    for (let i = 200; i < 260; i++) good[i] = good[i]! ^ 0x5a;
    const bad = join(dir, 'corrupt.zip');
    await writeFile(bad, good);
    const e = await openZipEntry(bad);
    await expect(text(e.stream)).rejects.toThrow(/corrupt\.zip, entry "data\.csv": /);
  });

  it('checks the CRC-32 that yauzl does not', async () => {
    const data = sampleCsv(100);
    const real = zlib.crc32(data) >>> 0;
    const zip = await zipFile('crc.zip', [{ name: 'data.csv', data, crc: real ^ 1 }]);
    const e = await openZipEntry(zip);
    const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
    await expect(text(e.stream)).rejects.toThrow(
      `zip ${zip}, entry "data.csv": CRC-32 mismatch: expected ${hex(real ^ 1)}, got ${hex(real)}`,
    );
  });

  it('refuses zip bombs by ratio, by declared size and by actual size', async () => {
    const zeros = Buffer.alloc(50 * 1024 * 1024);
    const bomb = await zipFile('bomb.zip', [{ name: 'zeros.csv', data: zeros }]);
    await expect(openZipEntry(bomb)).rejects.toThrow(/bomb\.zip, entry "zeros\.csv": compression ratio \d+\.\d \(52428800 \/ \d+ bytes\) exceeds maxRatio 200/);
    const csv = await zipFile('big.zip', [{ name: 'data.csv', data: sampleCsv(200) }]);
    await expect(openZipEntry(csv, { maxBytes: 1000 })).rejects.toThrow(/big\.zip, entry "data\.csv": declared uncompressed size \d+ bytes exceeds maxBytes 1000/);
    // Lying header: declares 100 bytes but inflates to much more.
    const liar = await zipFile('liar.zip', [{ name: 'data.csv', data: sampleCsv(2000), uncompressedSize: 100 }]);
    const e = await openZipEntry(liar, { maxRatio: 1e9 });
    await expect(text(e.stream)).rejects.toThrow(/liar\.zip, entry "data\.csv": .*(too many bytes|more than 100 bytes)/);
    const out = join(dir, 'out-liar');
    await expect(splitCsv({ source: liar, chunkRows: 10, outDir: out, maxRatio: 1e9 })).rejects.toThrow(/liar\.zip/);
  });
});

describe('zip64 archives', () => {
  it('reads entries whose sizes and offsets are only in zip64 records', async () => {
    const plans = sampleCsv(500);
    const file = join(dir, 'feed64.zip');
    await writeFile(file, buildZip64([{ name: 'shops.csv', data: 'id,name\n1,a\n' }, { name: 'plans.csv', data: plans }]));
    const entry = await openZipEntry(file, { entry: 'plans.csv' });
    expect(entry.uncompressedSize).toBe(Buffer.byteLength(plans));
    expect(await text(entry.stream)).toBe(plans);
    const result = await splitCsv({ source: file, entry: 'plans.csv', chunkRows: 200, outDir: join(dir, 'out') });
    expect(result.chunks.map((c) => c.rows)).toEqual([200, 200, 100]);
  });

  it('reads a declared size over 4 GiB from the zip64 extra field and refuses it against maxBytes', async () => {
    const file = join(dir, 'big64.zip');
    await writeFile(file, buildZip64([{ name: 'huge.csv', data: 'a,b\n1,2\n', declaredSize: 5n * 1024n ** 3n }]));
    await expect(openZipEntry(file, { maxBytes: 4 * 1024 ** 3, maxRatio: 1e12 })).rejects.toThrow(
      /huge\.csv.*declared uncompressed size 5368709120 bytes exceeds maxBytes 4294967296/,
    );
  });
});

describe('splitCsv from a zip', () => {
  async function chunksOf(outDir: string): Promise<Map<string, Buffer>> {
    const m = new Map<string, Buffer>();
    for (const f of (await readdir(outDir)).sort()) m.set(f, await readFile(join(outDir, f)));
    return m;
  }

  it('gives the same chunks as the extracted file, byte for byte', async () => {
    const csv = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sampleCsv(3000) + '99,bad\r\n')]);
    const plain = join(dir, 'data.csv');
    await writeFile(plain, csv);
    const zip = await zipFile('Feed.ZIP', [
      { name: 'notes.txt', data: 'x' },
      { name: 'export/data.csv', data: csv },
    ]);
    const fromFile = await splitCsv({ source: plain, chunkRows: 250, outDir: join(dir, 'a') });
    const fromZip = await splitCsv({ source: zip, entry: 'export/data.csv', chunkRows: 250, outDir: join(dir, 'b') });
    expect(fromZip.chunks.length).toBe(12);
    expect(fromZip.badRows).toHaveLength(1);
    expect(fromZip.chunks.map((c) => c.rows)).toEqual(fromFile.chunks.map((c) => c.rows));
    expect(fromZip.badRows).toEqual(fromFile.badRows);
    expect(fromZip.header.equals(fromFile.header)).toBe(true);
    expect(await chunksOf(join(dir, 'b'))).toEqual(await chunksOf(join(dir, 'a')));
  });

  it.skipIf(!existsSync('/usr/bin/zip'))('reads archives written by the zip CLI (stored and deflate)', async () => {
    const csv = sampleCsv(2000);
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'data.csv'), csv);
    await writeFile(join(dir, 'src', 'tiny.csv'), 'a,b\n1,2\n');
    execFileSync('zip', ['-q', '-X', join(dir, 'cli.zip'), 'data.csv'], { cwd: join(dir, 'src') });
    execFileSync('zip', ['-q', '-X', '-0', join(dir, 'cli.zip'), 'tiny.csv'], { cwd: join(dir, 'src') });
    const d = await openZipEntry(join(dir, 'cli.zip'), { entry: 'data.csv' });
    expect(await text(d.stream)).toBe(csv);
    const t = await openZipEntry(join(dir, 'cli.zip'), { entry: 'tiny.csv' });
    expect(t.compressedSize).toBe(t.uncompressedSize);
    expect(await text(t.stream)).toBe('a,b\n1,2\n');
  });

  it('keeps chunks inside outDir for ../ and absolute entry names (zip-slip)', async () => {
    const zip = await zipFile('slip.zip', [
      { name: '../../evil.csv', data: 'a,b\n1,2\n3,4\n' },
      { name: '/tmp/abs.csv', data: 'a\n1\n' },
    ]);
    const outDir = join(dir, 'deep', 'out');
    const r = await splitCsv({ source: zip, entry: '../../evil.csv', chunkRows: 1, outDir });
    expect(r.chunks.map((c) => c.path)).toEqual([join(resolve(outDir), 'evil-00001.csv'), join(resolve(outDir), 'evil-00002.csv')]);
    for (const c of r.chunks) expect(dirname(c.path)).toBe(resolve(outDir));
    expect((await readdir(join(dir, 'deep'))).sort()).toEqual(['out']);
    expect((await readdir(dir)).sort()).toEqual(['deep', 'slip.zip']);
    const abs = await splitCsv({ source: zip, entry: '/tmp/abs.csv', chunkRows: 5, outDir });
    expect(abs.chunks.map((c) => c.path)).toEqual([join(resolve(outDir), 'abs-00001.csv')]);
    expect(existsSync('/tmp/abs-00001.csv')).toBe(false);
  });
});
