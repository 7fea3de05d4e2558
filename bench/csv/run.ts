/**
 * CSV split/filter benchmark (prints numbers; not a test). Generates a feed in a temp dir —
 * plans.csv, shops.csv and feed.zip holding both — plus a plans.csv twice the size, then runs each
 * runner in its own process, for each of the two files: teinei splitCsv (split and `where` filter,
 * from the csv and from the zip entry), teinei filter with worker threads (splitCsv, then
 * processChunks with `where` and a row task), pandas read_csv(chunksize) split/filter (csv and zip
 * member; when /usr/bin/python3 imports pandas) and a plain csv-parse → csv-stringify split.
 * teinei-split also runs on the 2× plans.csv, for the RSS-flatness check. Results go to
 * bench/csv/results/latest.json; everything generated is deleted at the end, also on failure.
 *
 *   npm run bench:csv                                  (= node --import tsx bench/csv/run.ts)
 *   BENCH_PLANS_MB=700 BENCH_ROUNDS=3 node --import tsx bench/csv/run.ts
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, positiveInt, runMain, table, tail, writeResults } from '../lib/harness.js';
import { defaultShopsMb, expectedFiltered, generateFeed, PLANS, whereOf, writeCsv, type GeneratedCsv } from './generate.js';

const PLANS_MB = positiveInt(process.env.BENCH_PLANS_MB, 200, 'BENCH_PLANS_MB');
const SHOPS_MB = positiveInt(process.env.BENCH_SHOPS_MB, defaultShopsMb(PLANS_MB), 'BENCH_SHOPS_MB');
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 1, 'BENCH_ROUNDS');
const CHUNK_ROWS = positiveInt(process.env.BENCH_CHUNK_ROWS, 100_000, 'BENCH_CHUNK_ROWS');
const WORKERS = positiveInt(process.env.BENCH_WORKERS, os.availableParallelism(), 'BENCH_WORKERS');
const TIMEOUT_S = positiveInt(process.env.BENCH_TIMEOUT_S, 1800, 'BENCH_TIMEOUT_S');
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const TARGET_SPEEDUP = 5;
const TARGET_FILTER = 1;
const TARGET_RSS_MB = 150;
const TARGET_RSS_GROWTH = 1.25;

const here = path.dirname(fileURLToPath(import.meta.url));
const runners = path.join(here, 'runners');

type Source = 'csv' | 'zip';
type Size = '1×' | '2×';

interface Result {
  runner: string;
  task: string;
  seconds: number;
  peakRssMb: number;
  rowsOut: number;
  chunks: number;
  splitSeconds?: number;
  processSeconds?: number;
}

interface Job {
  runner: string;
  file: 'plans' | 'shops';
  source: Source;
  size: Size;
  /** e.g. `teinei-split (shops, zip, 1×)`. */
  label: string;
  /** Uncompressed CSV bytes read (for MB/s). */
  bytes: number;
  cmd: string;
  args: (outDir: string) => string[];
  expectRows: number;
}

let current: ChildProcess | undefined;

function runOnce(job: Job, outDir: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(job.cmd, job.args(outDir), { stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_S * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${job.label} exited ${code ?? signal}\n${tail(err || out)}`));
      try {
        const result = JSON.parse(line) as Result;
        if (result.rowsOut !== job.expectRows) throw new Error(`${job.label}: rowsOut ${result.rowsOut}, expected ${job.expectRows}`);
        resolve(result);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

function hasPandas(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

const nodeArgs = (script: string, ...rest: string[]) => [...(script.endsWith('.mjs') ? [] : ['--import', 'tsx']), path.join(runners, script), ...rest];

/** Every runner for one generated file; `zip` is feed.zip (undefined: csv only, teinei-split only). */
function jobsFor(csv: GeneratedCsv, zip: string | undefined, size: Size, pandas: boolean): Job[] {
  const { spec } = csv;
  const where = whereOf(spec);
  const filtered = expectedFiltered(spec, csv.rows);
  const jobs: Job[] = [];
  const add = (runner: string, source: Source, cmd: string, args: (out: string) => string[]) =>
    jobs.push({
      runner,
      file: spec.name,
      source,
      size,
      label: `${runner} (${spec.name}, ${source}, ${size})`,
      bytes: csv.bytes,
      cmd,
      args,
      expectRows: runner.includes('filter') ? filtered : csv.rows,
    });
  const srcOf = (source: Source) => (source === 'csv' ? csv.path : zip!);
  const entryArgs = (source: Source) => (source === 'zip' ? ['--entry', csv.entry] : []);
  const sources: Source[] = zip ? ['csv', 'zip'] : ['csv'];
  for (const s of sources) {
    add('teinei-split', s, process.execPath, (out) => nodeArgs('teinei.ts', 'split', srcOf(s), out, String(CHUNK_ROWS), ...entryArgs(s)));
  }
  if (!zip) return jobs;
  for (const s of sources) {
    add('teinei-filter', s, process.execPath, (out) => nodeArgs('teinei.ts', 'filter', srcOf(s), out, String(CHUNK_ROWS), '--where', where, ...entryArgs(s)));
  }
  for (const s of sources) {
    add('teinei-filter-workers', s, process.execPath, (out) =>
      nodeArgs('teinei-workers.mjs', srcOf(s), out, String(CHUNK_ROWS), '--where', where, '--workers', String(WORKERS), ...entryArgs(s)));
  }
  add('csv-parse-split', 'csv', process.execPath, (out) => nodeArgs('csv-parse.ts', csv.path, out, String(CHUNK_ROWS)));
  if (pandas) {
    const py = path.join(runners, 'pandas_runner.py');
    const { column, lo, hi } = spec.filter;
    for (const s of sources) add('pandas-split', s, PYTHON, (out) => [py, 'split', srcOf(s), out, String(CHUNK_ROWS), ...entryArgs(s)]);
    for (const s of sources) {
      add('pandas-filter', s, PYTHON, (out) => [py, 'filter', srcOf(s), out, String(CHUNK_ROWS), '--column', column, '--lo', String(lo), '--hi', String(hi), ...entryArgs(s)]);
    }
  }
  return jobs;
}

async function main(): Promise<number> {
  const pandas = hasPandas();
  const root = await mkdtemp(path.join(os.tmpdir(), 'teinei-bench-csv-'));
  // Ctrl-C / kill: stop the running child and delete the generated files before exiting.
  const onSignal = (signal: NodeJS.Signals): void => {
    current?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    console.error(`\n${signal}: stopped; ${root} deleted`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const runs: Array<Result & { label: string; round: number }> = [];
  const results = new Map<string, Result[]>();
  try {
    const dir1 = path.join(root, 'x1');
    const dir2 = path.join(root, 'x2');
    await mkdir(dir1);
    await mkdir(dir2);
    let t = performance.now();
    const feed = await generateFeed(dir1, PLANS_MB, SHOPS_MB);
    const plans2 = await writeCsv(dir2, PLANS, PLANS_MB * 2);
    const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
    console.log(
      `teinei CSV bench — plans.csv ${mb(feed.plans.bytes)} MB (${feed.plans.rows} rows), shops.csv ${mb(feed.shops.bytes)} MB (${feed.shops.rows} rows), ` +
        `feed.zip ${mb(feed.zipBytes)} MB (zip by ${feed.zipper}), 2× plans.csv ${mb(plans2.bytes)} MB (${plans2.rows} rows); ` +
        `chunkRows ${CHUNK_ROWS}; workers ${WORKERS}; ${ROUNDS} round(s); pandas ${pandas ? `yes (${PYTHON})` : 'not importable — skipped'}; ` +
        `generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n` +
        `filters: plans ${whereOf(PLANS)} (${expectedFiltered(PLANS, feed.plans.rows)} rows), shops ${whereOf(feed.shops.spec)} (${expectedFiltered(feed.shops.spec, feed.shops.rows)} rows)\n`,
    );
    const jobs = [...jobsFor(feed.plans, feed.zip, '1×', pandas), ...jobsFor(feed.shops, feed.zip, '1×', pandas), ...jobsFor(plans2, undefined, '2×', pandas)];
    for (let round = 1; round <= ROUNDS; round++) {
      // Rotate the order each round so no runner always gets the warm (or cold) page cache.
      const order = jobs.map((_, i) => jobs[(i + round - 1) % jobs.length]!);
      for (const job of order) {
        const out = path.join(root, 'out');
        await rm(out, { recursive: true, force: true });
        const r = await runOnce(job, out);
        await rm(out, { recursive: true, force: true });
        const list = results.get(job.label) ?? [];
        list.push(r);
        results.set(job.label, list);
        runs.push({ ...r, label: job.label, round });
        const parts = r.splitSeconds !== undefined ? `  (split ${r.splitSeconds.toFixed(2)} + process ${r.processSeconds!.toFixed(2)} s)` : '';
        console.log(`[r${round}] ${job.label.padEnd(40)} ${r.seconds.toFixed(2).padStart(7)} s  ${r.peakRssMb.toFixed(0).padStart(4)} MB  ${r.rowsOut} rows  ${r.chunks} file(s)${parts}`);
      }
    }

    const sec = (label: string) => median((results.get(label) ?? []).map((r) => r.seconds));
    const rss = (label: string) => Math.max(...(results.get(label) ?? []).map((r) => r.peakRssMb));
    const has = (label: string) => results.has(label);
    const summary = jobs.map((j) => ({
      runner: j.runner,
      file: j.file,
      source: j.source,
      size: j.size,
      medianSeconds: sec(j.label),
      mbPerSecond: j.bytes / 1024 / 1024 / sec(j.label),
      maxRssMb: rss(j.label),
      rowsOut: results.get(j.label)![0]!.rowsOut,
      rounds: results.get(j.label)!.length,
    }));
    console.log(`\n${table(['runner', 'file', 'source', 'size', 'median s', 'MB/s', 'max RSS MB', 'rows out'], summary.map((s) => [
      s.runner, s.file, s.source, s.size, s.medianSeconds.toFixed(2), s.mbPerSecond.toFixed(0), s.maxRssMb.toFixed(0), String(s.rowsOut),
    ]))}`);

    const checks: Array<{ check: string; value: number; target: string; result: string }> = [];
    const check = (name: string, value: number, target: string, ok: boolean | undefined) =>
      checks.push({ check: name, value, target, result: ok === undefined ? 'info' : ok ? 'PASS' : 'FAIL' });
    const l = (runner: string, file: string, source: Source, size: Size = '1×') => `${runner} (${file}, ${source}, ${size})`;
    for (const file of ['plans', 'shops'] as const) {
      for (const s of ['csv', 'zip'] as const) {
        if (has(l('pandas-split', file, s))) {
          const v = sec(l('pandas-split', file, s)) / sec(l('teinei-split', file, s));
          check(`${file} ${s}: pandas-split s ÷ teinei-split s`, v, `≥ ${TARGET_SPEEDUP}`, v >= TARGET_SPEEDUP);
        } else {
          check(`${file} ${s}: pandas-split s ÷ teinei-split s (no pandas)`, Number.NaN, `≥ ${TARGET_SPEEDUP}`, undefined);
        }
      }
      for (const s of ['csv', 'zip'] as const) {
        const single = sec(l('teinei-filter', file, s));
        const workers = sec(l('teinei-filter-workers', file, s));
        const best = Math.min(single, workers);
        const which = workers < single ? 'workers' : 'single-thread';
        if (has(l('pandas-filter', file, s))) {
          const v = sec(l('pandas-filter', file, s)) / best;
          check(`${file} ${s}: pandas-filter s ÷ best teinei filter s (${which})`, v, `≥ ${TARGET_FILTER}`, v >= TARGET_FILTER);
        }
        check(`${file} ${s}: teinei-filter s ÷ teinei-filter-workers s`, single / workers, '—', undefined);
      }
      check(`${file} csv: csv-parse-split s ÷ teinei-split s`, sec(l('csv-parse-split', file, 'csv')) / sec(l('teinei-split', file, 'csv')), '—', undefined);
    }
    const teineiLabels = jobs.filter((j) => j.runner.startsWith('teinei')).map((j) => j.label);
    const singleRss = Math.max(...teineiLabels.filter((x) => !x.startsWith('teinei-filter-workers')).map(rss));
    const workersRss = Math.max(...teineiLabels.filter((x) => x.startsWith('teinei-filter-workers')).map(rss));
    check('teinei max RSS MB, single-thread runs (split, filter)', singleRss, `≤ ${TARGET_RSS_MB}`, singleRss <= TARGET_RSS_MB);
    check(`teinei max RSS MB, filter-workers runs (${WORKERS} workers, whole process)`, workersRss, `≤ ${TARGET_RSS_MB}`, workersRss <= TARGET_RSS_MB);
    const growth = rss(l('teinei-split', 'plans', 'csv', '2×')) / rss(l('teinei-split', 'plans', 'csv'));
    check('teinei-split max RSS, plans csv 2× ÷ 1×', growth, `≤ ${TARGET_RSS_GROWTH}`, growth <= TARGET_RSS_GROWTH);
    console.log(`\n${table(['check', 'value', 'target', 'result'], checks.map((c) => [c.check, Number.isFinite(c.value) ? c.value.toFixed(2) : 'n/a', c.target, c.result]))}`);

    writeResults(here, {
      config: { plansMb: PLANS_MB, shopsMb: SHOPS_MB, rounds: ROUNDS, chunkRows: CHUNK_ROWS, workers: WORKERS, pandas, python: PYTHON },
      feed: {
        plans: { bytes: feed.plans.bytes, rows: feed.plans.rows, where: whereOf(PLANS), kept: expectedFiltered(PLANS, feed.plans.rows) },
        shops: { bytes: feed.shops.bytes, rows: feed.shops.rows, where: whereOf(feed.shops.spec), kept: expectedFiltered(feed.shops.spec, feed.shops.rows) },
        plans2x: { bytes: plans2.bytes, rows: plans2.rows },
        zipBytes: feed.zipBytes,
        zipper: feed.zipper,
      },
      runs,
      summary,
      checks,
    });
    return 0;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

runMain(main);
