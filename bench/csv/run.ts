/**
 * CSV split/filter benchmark (prints numbers; not a test). Generates a plans feed (plans.csv + plans.zip)
 * in a temp dir, then runs each runner in its own process: teinei splitCsv (split and `where` filter,
 * from the csv and from the zip), a plain csv-parse → csv-stringify split, and pandas
 * read_csv(chunksize) split/filter when /usr/bin/python3 imports pandas. teinei-split also runs on a
 * feed twice the size, for the RSS-flatness check. Everything is deleted at the end.
 *
 *   npm run bench:csv                                  (= node --import tsx bench/csv/run.ts)
 *   BENCH_PLANS_MB=700 BENCH_ROUNDS=3 node --import tsx bench/csv/run.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, positiveInt, tail, table } from '../lib/harness.js';
import { expectedFiltered, generateFeed, type Feed } from './generate.js';

const PLANS_MB = positiveInt(process.env.BENCH_PLANS_MB, 200, 'BENCH_PLANS_MB');
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 1, 'BENCH_ROUNDS');
const CHUNK_ROWS = positiveInt(process.env.BENCH_CHUNK_ROWS, 100_000, 'BENCH_CHUNK_ROWS');
const TIMEOUT_S = positiveInt(process.env.BENCH_TIMEOUT_S, 1800, 'BENCH_TIMEOUT_S');
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const WHERE = 'date >= 20171224 && date <= 20171225';
const TARGET_SPEEDUP = 5;
const TARGET_RSS_MB = 150;
const TARGET_RSS_GROWTH = 1.25;

const here = path.dirname(fileURLToPath(import.meta.url));
const runners = path.join(here, 'runners');

interface Result {
  runner: string;
  task: string;
  seconds: number;
  peakRssMb: number;
  rowsOut: number;
  chunks: number;
}

interface Job {
  /** Table label, e.g. `teinei-split (zip)`. */
  label: string;
  cmd: string;
  args: (outDir: string) => string[];
  expectRows: number;
}

function runOnce(job: Job, outDir: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(job.cmd, job.args(outDir), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_S * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${job.label} exited ${code}\n${tail(err || out)}`));
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

const node = (script: string, ...rest: string[]) => ({ cmd: process.execPath, pre: ['--import', 'tsx', path.join(runners, script), ...rest] });

function jobsFor(feed: Feed, sizeLabel: string, all: boolean, pandas: boolean): Job[] {
  const filtered = expectedFiltered(feed.rows);
  const teinei = (task: 'split' | 'filter', src: 'csv' | 'zip'): Job => {
    const n = node('teinei.ts');
    return {
      label: `teinei-${task} (${src}, ${sizeLabel})`,
      cmd: n.cmd,
      args: (out) => [...n.pre, task, feed[src], out, String(CHUNK_ROWS), ...(task === 'filter' ? [WHERE] : [])],
      expectRows: task === 'split' ? feed.rows : filtered,
    };
  };
  if (!all) return [teinei('split', 'csv')];
  const jobs = [teinei('split', 'csv'), teinei('split', 'zip'), teinei('filter', 'csv'), teinei('filter', 'zip')];
  const cp = node('csv-parse.ts');
  jobs.push({ label: `csv-parse-split (csv, ${sizeLabel})`, cmd: cp.cmd, args: (out) => [...cp.pre, feed.csv, out, String(CHUNK_ROWS)], expectRows: feed.rows });
  if (pandas) {
    for (const task of ['split', 'filter'] as const) {
      jobs.push({
        label: `pandas-${task} (csv, ${sizeLabel})`,
        cmd: PYTHON,
        args: (out) => [path.join(runners, 'pandas_runner.py'), task, feed.csv, out, String(CHUNK_ROWS)],
        expectRows: task === 'split' ? feed.rows : filtered,
      });
    }
  }
  return jobs;
}

async function main(): Promise<void> {
  const pandas = hasPandas();
  const root = await mkdtemp(path.join(os.tmpdir(), 'teinei-bench-csv-'));
  const results = new Map<string, Result[]>();
  try {
    const dir1 = path.join(root, 'x1');
    const dir2 = path.join(root, 'x2');
    await mkdir(dir1);
    await mkdir(dir2);
    let t = performance.now();
    const feed1 = await generateFeed(dir1, PLANS_MB);
    const feed2 = await generateFeed(dir2, PLANS_MB * 2);
    const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
    console.log(`teinei CSV bench — plans.csv ${mb(feed1.csvBytes)} MB (${feed1.rows} rows, zip ${mb(feed1.zipBytes)} MB) and ${mb(feed2.csvBytes)} MB (${feed2.rows} rows); ` +
      `chunkRows ${CHUNK_ROWS}; ${ROUNDS} round(s); zip by ${feed1.zipper}; pandas ${pandas ? `yes (${PYTHON})` : 'not importable — skipped'}; generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    const jobs = [...jobsFor(feed1, '1×', true, pandas), ...jobsFor(feed2, '2×', false, pandas)];
    for (let round = 1; round <= ROUNDS; round++) {
      // Rotate the order each round so no runner always gets the warm (or cold) page cache.
      const order = jobs.map((_, i) => jobs[(i + round - 1) % jobs.length]!);
      for (const job of order) {
        const out = path.join(root, 'out');
        await rm(out, { recursive: true, force: true });
        t = performance.now();
        const r = await runOnce(job, out);
        await rm(out, { recursive: true, force: true });
        const list = results.get(job.label) ?? [];
        list.push(r);
        results.set(job.label, list);
        console.log(`[r${round}] ${job.label.padEnd(28)} ${r.seconds.toFixed(2).padStart(7)} s  ${r.peakRssMb.toFixed(0).padStart(4)} MB  ${r.rowsOut} rows  ${r.chunks} file(s)`);
      }
    }
    const sec = (label: string) => median((results.get(label) ?? []).map((r) => r.seconds));
    const rss = (label: string) => Math.max(...(results.get(label) ?? []).map((r) => r.peakRssMb));
    const labels = jobs.map((j) => j.label);
    const csvMb = (label: string) => (label.includes('2×') ? feed2.csvBytes : feed1.csvBytes) / 1024 / 1024;
    console.log(`\n${table(['runner (source, size)', 'median s', 'MB/s', 'peak RSS MB', 'rows out'], labels.map((l) => [
      l, sec(l).toFixed(2), (csvMb(l) / sec(l)).toFixed(0), rss(l).toFixed(0), String(results.get(l)![0]!.rowsOut),
    ]))}`);

    const checks: string[][] = [];
    const split1 = 'teinei-split (csv, 1×)';
    if (pandas) {
      const speedup = sec('pandas-split (csv, 1×)') / sec(split1);
      checks.push(['pandas-split s ÷ teinei-split s (csv)', speedup.toFixed(1), `≥ ${TARGET_SPEEDUP}`, speedup >= TARGET_SPEEDUP ? 'PASS' : 'FAIL']);
      const fSpeed = sec('pandas-filter (csv, 1×)') / sec('teinei-filter (csv, 1×)');
      checks.push(['pandas-filter s ÷ teinei-filter s (csv, info)', fSpeed.toFixed(1), '—', 'info']);
    } else {
      checks.push(['pandas-split s ÷ teinei-split s (csv)', 'n/a', `≥ ${TARGET_SPEEDUP}`, 'SKIPPED (no pandas)']);
    }
    const cpSpeed = sec('csv-parse-split (csv, 1×)') / sec(split1);
    checks.push(['csv-parse-split s ÷ teinei-split s (info)', cpSpeed.toFixed(1), '—', 'info']);
    const teineiRss = Math.max(...labels.filter((l) => l.startsWith('teinei')).map(rss));
    checks.push(['teinei peak RSS MB (all teinei runs)', teineiRss.toFixed(0), `≤ ${TARGET_RSS_MB}`, teineiRss <= TARGET_RSS_MB ? 'PASS' : 'FAIL']);
    const growth = rss('teinei-split (csv, 2×)') / rss(split1);
    checks.push(['teinei-split RSS 2× ÷ 1×', growth.toFixed(2), `≤ ${TARGET_RSS_GROWTH}`, growth <= TARGET_RSS_GROWTH ? 'PASS' : 'FAIL']);
    console.log(`\n${table(['check', 'value', 'target', 'result'], checks)}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
