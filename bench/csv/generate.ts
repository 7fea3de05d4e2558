/**
 * Generates the CSV benchmark feed (not committed): `plans.csv` of about `mb` MB and `plans.zip`
 * holding it as its only entry, in the directory given.
 *
 * Columns: id,plan_name,date,price,notes. plan_name is Japanese; date is YYYYMMDD spread over
 * 2017-12-01 … 2018-01-31 (62 days, so the `20171224..20171225` filter keeps ~2/62 of the rows);
 * every 7th notes field is quoted and holds a comma, a doubled quote and an embedded newline
 * (CRLF or LF). Deterministic: the same size always gives the same bytes.
 *
 *   node --import tsx bench/csv/generate.ts <dir> [mb]
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat, rm } from 'node:fs/promises';
import { createDeflateRaw } from 'node:zlib';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const HEADER = 'id,plan_name,date,price,notes\r\n';
const NAMES = ['スタンダードプラン', '【朝食付き】ゆったり温泉プラン', '素泊まり・ビジネス応援', 'カップル限定♪記念日プラン', '𠮷野家コラボ 特別会席'];
const NOTES = ['', 'キャンセル不可', 'early bird', '駐車場あり 先着10台', 'WiFi完備'];

/** Dates 20171201 … 20180131, in order. */
const DATES: string[] = [];
for (let d = 1; d <= 31; d++) DATES.push(`201712${String(d).padStart(2, '0')}`);
for (let d = 1; d <= 31; d++) DATES.push(`201801${String(d).padStart(2, '0')}`);

/** Data records whose date falls within 20171224..20171225 for ids 1..rows (for checking the filter). */
export function expectedFiltered(rows: number): number {
  let n = 0;
  for (let i = 1; i <= rows; i++) {
    const date = DATES[(i * 7919) % DATES.length]!;
    if (date === '20171224' || date === '20171225') n++;
  }
  return n;
}

function record(i: number): string {
  const name = NAMES[i % NAMES.length]!;
  const date = DATES[(i * 7919) % DATES.length]!;
  const price = 3000 + ((i * 37) % 40_000);
  const notes =
    i % 7 === 0
      ? `"注意事項, その${i % 13}:\n「${NAMES[(i + 1) % NAMES.length]}」は""税込""${i % 2 ? '\r\n' : '\n'}2行目 (${i})"`
      : `${NOTES[i % NOTES.length]} ${i}`;
  return `${i},${name} ${i % 1000},${date},${price},${notes}\r\n`;
}

export interface Feed {
  csv: string;
  zip: string;
  rows: number;
  csvBytes: number;
  zipBytes: number;
}

/** Writes plans.csv (≈ mb MB) into dir; returns its path and data-row count. */
async function writeCsv(file: string, mb: number): Promise<{ rows: number; bytes: number }> {
  const target = mb * 1024 * 1024;
  const ws = createWriteStream(file, { highWaterMark: 1 << 20 });
  let bytes = Buffer.byteLength(HEADER);
  ws.write(HEADER);
  let i = 0;
  while (bytes < target) {
    let batch = '';
    for (let k = 0; k < 2000 && bytes < target; k++) {
      const r = record(++i);
      batch += r;
      bytes += Buffer.byteLength(r);
    }
    if (!ws.write(batch)) await once(ws, 'drain');
  }
  ws.end();
  await finished(ws);
  return { rows: i, bytes };
}

// ---- a minimal single-entry zip writer (deflate, data descriptor, Zip64 when needed) ----

const CRC_TABLE = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf: Buffer, crc: number): number {
  let c = ~crc;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

async function writeZipNode(csv: string, zip: string): Promise<void> {
  const name = Buffer.from(path.basename(csv));
  const ws = createWriteStream(zip);
  // Local header: sizes in the data descriptor (flag bit 3), Zip64 extra with zero sizes.
  const zip64Extra = Buffer.alloc(20);
  zip64Extra.writeUInt16LE(0x0001, 0);
  zip64Extra.writeUInt16LE(16, 2);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(45, 4);
  local.writeUInt16LE(0x0808, 6); // data descriptor + UTF-8 names
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(0xffffffff, 18);
  local.writeUInt32LE(0xffffffff, 22);
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(zip64Extra.length, 28);
  ws.write(Buffer.concat([local, name, zip64Extra]));
  let crc = 0;
  let size = 0;
  let csize = 0;
  const deflate = createDeflateRaw({ level: 6 });
  deflate.on('data', (d: Buffer) => {
    csize += d.length;
    if (!ws.write(d)) {
      deflate.pause();
      ws.once('drain', () => deflate.resume());
    }
  });
  const done = once(deflate, 'end');
  for await (const chunk of createReadStream(csv, { highWaterMark: 1 << 20 })) {
    const b = chunk as Buffer;
    crc = crc32(b, crc);
    size += b.length;
    if (!deflate.write(b)) await once(deflate, 'drain');
  }
  deflate.end();
  await done;
  const localSize = 30 + name.length + zip64Extra.length;
  const desc = Buffer.alloc(24);
  desc.writeUInt32LE(0x08074b50, 0);
  desc.writeUInt32LE(crc, 4);
  desc.writeBigUInt64LE(BigInt(csize), 8);
  desc.writeBigUInt64LE(BigInt(size), 16);
  const cdExtra = Buffer.alloc(28);
  cdExtra.writeUInt16LE(0x0001, 0);
  cdExtra.writeUInt16LE(24, 2);
  cdExtra.writeBigUInt64LE(BigInt(size), 4);
  cdExtra.writeBigUInt64LE(BigInt(csize), 12);
  cdExtra.writeBigUInt64LE(0n, 20);
  const cd = Buffer.alloc(46);
  cd.writeUInt32LE(0x02014b50, 0);
  cd.writeUInt16LE(45, 4);
  cd.writeUInt16LE(45, 6);
  cd.writeUInt16LE(0x0808, 8);
  cd.writeUInt16LE(8, 10);
  cd.writeUInt32LE(crc, 16);
  cd.writeUInt32LE(0xffffffff, 20);
  cd.writeUInt32LE(0xffffffff, 24);
  cd.writeUInt16LE(name.length, 28);
  cd.writeUInt16LE(cdExtra.length, 30);
  cd.writeUInt32LE(0xffffffff, 42);
  const cdOffset = localSize + csize + desc.length;
  const cdSize = cd.length + name.length + cdExtra.length;
  const eocd64 = Buffer.alloc(56);
  eocd64.writeUInt32LE(0x06064b50, 0);
  eocd64.writeBigUInt64LE(44n, 4);
  eocd64.writeUInt16LE(45, 12);
  eocd64.writeUInt16LE(45, 14);
  eocd64.writeBigUInt64LE(1n, 24);
  eocd64.writeBigUInt64LE(1n, 32);
  eocd64.writeBigUInt64LE(BigInt(cdSize), 40);
  eocd64.writeBigUInt64LE(BigInt(cdOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
  locator.writeUInt32LE(1, 16);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  ws.end(Buffer.concat([desc, cd, name, cdExtra, eocd64, locator, eocd]));
  await finished(ws);
}

/** The `zip` CLI when present (-j: no directories), else the Node writer above. */
async function writeZip(csv: string, zip: string): Promise<'zip-cli' | 'node'> {
  await rm(zip, { force: true });
  if (process.env.BENCH_NODE_ZIP !== '1') {
    const r = spawnSync('zip', ['-j', '-q', zip, csv], { stdio: 'inherit' });
    if (!r.error && r.status === 0) return 'zip-cli';
  }
  await writeZipNode(csv, zip);
  return 'node';
}

export async function generateFeed(dir: string, mb: number, name = 'plans'): Promise<Feed & { zipper: string }> {
  const csv = path.join(dir, `${name}.csv`);
  const zip = path.join(dir, `${name}.zip`);
  const { rows, bytes } = await writeCsv(csv, mb);
  const zipper = await writeZip(csv, zip);
  return { csv, zip, rows, csvBytes: bytes, zipBytes: (await stat(zip)).size, zipper };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: generate.ts <dir> [mb]');
  const feed = await generateFeed(dir, Number(process.argv[3] ?? 200));
  console.log(JSON.stringify(feed));
}
