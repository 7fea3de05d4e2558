/**
 * Generates the CSV benchmark feed (not committed) in the directory given: `plans.csv` (≈ plansMb MB),
 * `shops.csv` (≈ shopsMb MB) and `feed.zip` holding both as entries `plans.csv` and `shops.csv`.
 *
 * plans.csv: id,plan_name,date,price,notes; CRLF. plan_name is Japanese (with 𠮷, a non-BMP
 * character); date is YYYYMMDD over 2017-12-01 … 2018-01-31; every 7th notes field is quoted and
 * holds a comma, doubled quotes and an embedded CRLF or LF.
 *
 * shops.csv: shop_id,shop_name,pref,address,opened,description; LF. Names, prefectures, addresses
 * and descriptions are Japanese; opened is YYYYMMDD over 1995 … 2024; about one description in 5
 * is quoted and holds commas, doubled quotes and embedded LF and CRLF newlines.
 *
 * Deterministic: the same sizes always give the same bytes. `expectedFiltered(spec, rows)` is the
 * exact number of data rows that `spec.filter` keeps among the first `rows` records.
 *
 *   node --import tsx bench/csv/generate.ts <dir> [plansMb=200] [shopsMb=plansMb·300/700]
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { spawnSync } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { createDeflateRaw } from 'node:zlib';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** One generated file: its records and the date-range filter the benchmark applies to it. */
export interface CsvSpec {
  name: 'plans' | 'shops';
  header: string;
  /** Data record i (1-based), terminator included. */
  record(i: number): string;
  /** Inclusive YYYYMMDD range on `column`; teinei gets it as `column >= lo && column <= hi`. */
  filter: { column: string; lo: number; hi: number };
  /** The filter column's value in record i. */
  filterValue(i: number): number;
}

export const whereOf = (spec: CsvSpec): string => `${spec.filter.column} >= ${spec.filter.lo} && ${spec.filter.column} <= ${spec.filter.hi}`;

/** Data records among ids 1..rows that the spec's filter keeps. */
export function expectedFiltered(spec: CsvSpec, rows: number): number {
  const { lo, hi } = spec.filter;
  let n = 0;
  for (let i = 1; i <= rows; i++) {
    const v = spec.filterValue(i);
    if (v >= lo && v <= hi) n++;
  }
  return n;
}

// ---- plans.csv ----

const PLAN_NAMES = ['スタンダードプラン', '【朝食付き】ゆったり温泉プラン', '素泊まり・ビジネス応援', 'カップル限定♪記念日プラン', '𠮷野家コラボ 特別会席'];
const PLAN_NOTES = ['', 'キャンセル不可', 'early bird', '駐車場あり 先着10台', 'WiFi完備'];
/** Dates 20171201 … 20180131, in order. */
const PLAN_DATES: string[] = [];
for (let d = 1; d <= 31; d++) PLAN_DATES.push(`201712${String(d).padStart(2, '0')}`);
for (let d = 1; d <= 31; d++) PLAN_DATES.push(`201801${String(d).padStart(2, '0')}`);
const planDate = (i: number): string => PLAN_DATES[(i * 7919) % PLAN_DATES.length]!;

export const PLANS: CsvSpec = {
  name: 'plans',
  header: 'id,plan_name,date,price,notes\r\n',
  record(i) {
    const name = PLAN_NAMES[i % PLAN_NAMES.length]!;
    const price = 3000 + ((i * 37) % 40_000);
    const notes =
      i % 7 === 0
        ? `"注意事項, その${i % 13}:\n「${PLAN_NAMES[(i + 1) % PLAN_NAMES.length]}」は""税込""${i % 2 ? '\r\n' : '\n'}2行目 (${i})"`
        : `${PLAN_NOTES[i % PLAN_NOTES.length]} ${i}`;
    return `${i},${name} ${i % 1000},${planDate(i)},${price},${notes}\r\n`;
  },
  filter: { column: 'date', lo: 20171224, hi: 20171225 },
  filterValue: (i) => Number(planDate(i)),
};

// ---- shops.csv ----

const SHOP_NAMES = ['らーめん𠮷田', 'カフェ・ド・ソレイユ', '居酒屋 さくら', '焼肉 牛角亭', 'パティスリー Ｍｉｎａｍｉ', '寿司処 海風', '手打ちそば 松月庵', 'ベーカリー こむぎ'];
const BRANCHES = ['本店', '駅前店', '北口店', '南口店', '中央店', '西新宿店', '梅田店', '天神店', '栄店'];
const PREFS = ['北海道', '宮城県', '東京都', '神奈川県', '愛知県', '京都府', '大阪府', '兵庫県', '広島県', '福岡県', '沖縄県'];
const CITIES = ['中央区', '北区', '港区', '緑区', '青葉区', '博多区', '那覇市', '西宮市', '左京区'];
const TOWNS = ['本町', '栄町', '若葉台', '桜木町', '旭が丘', '錦', '天神'];
const PHRASES = [
  '地元の食材にこだわった料理をご提供しています。',
  '駅から徒歩3分、ランチタイムは大変混み合います。',
  'お子様連れ歓迎・個室あり。',
  '季節限定メニューは数量限定です。',
  '店内は全席禁煙となっております。',
  'テイクアウト・デリバリーにも対応しております。',
  '創業以来の秘伝のタレをお楽しみください。',
  'ご予約はお電話またはWebにて承ります。',
];

/** A small deterministic integer hash of (i, salt). */
function h(i: number, salt: number): number {
  let x = Math.imul(i ^ Math.imul(salt, 0x9e3779b1), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
const shopOpened = (i: number): number => (1995 + (h(i, 1) % 30)) * 10000 + (1 + (h(i, 2) % 12)) * 100 + (1 + (h(i, 3) % 28));

export const SHOPS: CsvSpec = {
  name: 'shops',
  header: 'shop_id,shop_name,pref,address,opened,description\n',
  record(i) {
    const name = `${SHOP_NAMES[h(i, 4) % SHOP_NAMES.length]} ${BRANCHES[h(i, 5) % BRANCHES.length]}`;
    const pref = PREFS[h(i, 6) % PREFS.length]!;
    const address = `${pref}${CITIES[h(i, 7) % CITIES.length]}${TOWNS[h(i, 8) % TOWNS.length]}${1 + (h(i, 9) % 9)}丁目${1 + (h(i, 10) % 30)}-${1 + (h(i, 11) % 20)}`;
    const n = 1 + (h(i, 12) % 4);
    let text = '';
    for (let k = 0; k < n; k++) text += PHRASES[(h(i, 13) + k) % PHRASES.length];
    const description =
      h(i, 14) % 5 === 0
        ? `"${text}営業時間, 11:00-22:00 (L.O. 21:30)。""名物""あり\n定休日: 水曜、年末年始\r\n※価格は""税込""表記, 予告なく変更する場合があります (${i})"`
        : `${text}No.${i}`;
    return `${i},${name},${pref},${address},${shopOpened(i)},${description}\n`;
  },
  filter: { column: 'opened', lo: 20200401, hi: 20210331 },
  filterValue: shopOpened,
};

export interface GeneratedCsv {
  spec: CsvSpec;
  path: string;
  /** Entry name in feed.zip. */
  entry: string;
  rows: number;
  bytes: number;
}

/** Writes `<dir>/<spec.name>.csv` of about mb MB (whole records). */
export async function writeCsv(dir: string, spec: CsvSpec, mb: number): Promise<GeneratedCsv> {
  const file = path.join(dir, `${spec.name}.csv`);
  const target = mb * 1024 * 1024;
  const ws = createWriteStream(file, { highWaterMark: 1 << 20 });
  let bytes = Buffer.byteLength(spec.header);
  ws.write(spec.header);
  let i = 0;
  while (bytes < target) {
    let batch = '';
    for (let k = 0; k < 2000 && bytes < target; k++) {
      const r = spec.record(++i);
      batch += r;
      bytes += Buffer.byteLength(r);
    }
    if (!ws.write(batch)) await once(ws, 'drain');
  }
  ws.end();
  await finished(ws);
  return { spec, path: file, entry: path.basename(file), rows: i, bytes };
}

// ---- a minimal zip writer (deflate, data descriptors, Zip64 records) for when the zip CLI is missing ----

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

async function writeZipNode(files: string[], zip: string): Promise<void> {
  const ws = createWriteStream(zip);
  const write = async (b: Buffer): Promise<void> => {
    if (!ws.write(b)) await once(ws, 'drain');
  };
  let offset = 0;
  const central: Buffer[] = [];
  for (const file of files) {
    const name = Buffer.from(path.basename(file));
    const localOffset = offset;
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
    const head = Buffer.concat([local, name, zip64Extra]);
    await write(head);
    offset += head.length;
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
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const b = chunk as Buffer;
      crc = crc32(b, crc);
      size += b.length;
      if (!deflate.write(b)) await once(deflate, 'drain');
    }
    deflate.end();
    await done;
    offset += csize;
    const desc = Buffer.alloc(24);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(crc, 4);
    desc.writeBigUInt64LE(BigInt(csize), 8);
    desc.writeBigUInt64LE(BigInt(size), 16);
    await write(desc);
    offset += desc.length;
    const cdExtra = Buffer.alloc(28);
    cdExtra.writeUInt16LE(0x0001, 0);
    cdExtra.writeUInt16LE(24, 2);
    cdExtra.writeBigUInt64LE(BigInt(size), 4);
    cdExtra.writeBigUInt64LE(BigInt(csize), 12);
    cdExtra.writeBigUInt64LE(BigInt(localOffset), 20);
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
    central.push(cd, name, cdExtra);
  }
  const cdOffset = offset;
  const cdBytes = Buffer.concat(central);
  const n = BigInt(files.length);
  const eocd64 = Buffer.alloc(56);
  eocd64.writeUInt32LE(0x06064b50, 0);
  eocd64.writeBigUInt64LE(44n, 4);
  eocd64.writeUInt16LE(45, 12);
  eocd64.writeUInt16LE(45, 14);
  eocd64.writeBigUInt64LE(n, 24);
  eocd64.writeBigUInt64LE(n, 32);
  eocd64.writeBigUInt64LE(BigInt(cdBytes.length), 40);
  eocd64.writeBigUInt64LE(BigInt(cdOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(cdOffset + cdBytes.length), 8);
  locator.writeUInt32LE(1, 16);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  ws.end(Buffer.concat([cdBytes, eocd64, locator, eocd]));
  await finished(ws);
}

/** Zips the files (stored under their basenames) with the `zip` CLI when present, else the Node writer above. */
export async function writeZip(files: string[], zip: string): Promise<'zip-cli' | 'node'> {
  await rm(zip, { force: true });
  if (process.env.BENCH_NODE_ZIP !== '1') {
    const r = spawnSync('zip', ['-j', '-q', zip, ...files], { stdio: 'inherit' });
    if (!r.error && r.status === 0) return 'zip-cli';
    await rm(zip, { force: true });
  }
  await writeZipNode(files, zip);
  return 'node';
}

export interface Feed {
  plans: GeneratedCsv;
  shops: GeneratedCsv;
  /** feed.zip, holding plans.csv and shops.csv. */
  zip: string;
  zipBytes: number;
  zipper: 'zip-cli' | 'node';
}

/** plans.csv, shops.csv and feed.zip (both entries) in dir. */
export async function generateFeed(dir: string, plansMb: number, shopsMb: number): Promise<Feed> {
  const plans = await writeCsv(dir, PLANS, plansMb);
  const shops = await writeCsv(dir, SHOPS, shopsMb);
  const zip = path.join(dir, 'feed.zip');
  const zipper = await writeZip([plans.path, shops.path], zip);
  return { plans, shops, zip, zipBytes: (await stat(zip)).size, zipper };
}

/** The default shops size: 300 MB per 700 MB of plans (the proportions), at least 1 MB. */
export const defaultShopsMb = (plansMb: number): number => Math.max(1, Math.round((300 * plansMb) / 700));

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: generate.ts <dir> [plansMb] [shopsMb]');
  const plansMb = Number(process.argv[3] ?? 200);
  const feed = await generateFeed(dir, plansMb, Number(process.argv[4] ?? defaultShopsMb(plansMb)));
  const brief = (c: GeneratedCsv) => ({ path: c.path, rows: c.rows, bytes: c.bytes, filter: whereOf(c.spec), kept: expectedFiltered(c.spec, c.rows) });
  console.log(JSON.stringify({ plans: brief(feed.plans), shops: brief(feed.shops), zip: feed.zip, zipBytes: feed.zipBytes, zipper: feed.zipper }));
}
