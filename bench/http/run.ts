/**
 * HTTP benchmark harness: teinei vs Crawlee 3 HttpCrawler vs a raw got-scraping loop.
 *
 *   node --import tsx bench/http/run.ts        (or: npm run bench:http)
 *
 * Env: BENCH_PAGES="5000,20000"  BENCH_ROUNDS=3  BENCH_RUNNERS="teinei,crawlee,raw-got"
 *      BENCH_CONCURRENCY=16  BENCH_TIMEOUT_S=900 (per run)
 *
 * The JSON server runs in its own process; every (runner, N, round) is a fresh
 * process whose own measurements (wall time of the crawl, process CPU, peak
 * RSS) are collected, summarised with medians and written to
 * bench/http/results/latest.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RunnerResult } from './runners/common.js';
import { median, positiveInt, runMain, table, tail, writeResults } from '../lib/harness.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..', '..');
const ALL_RUNNERS = ['teinei', 'crawlee', 'raw-got'] as const;
type RunnerName = (typeof ALL_RUNNERS)[number];

const TARGET_SPEEDUP_VS_CRAWLEE = 2;
const TARGET_CPU_VS_RAW = 1.5;
const TARGET_PEAK_RSS_MB = 150;
/** "flat as N grows": our (informal) threshold on RSS(N max) / RSS(N min). */
const TARGET_RSS_GROWTH = 1.25;

// ---------------------------------------------------------------- config

function intList(value: string | undefined, fallback: number[]): number[] {
  if (!value) return fallback;
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`bad number list: ${value}`);
  return list;
}


function runnerList(value: string | undefined): RunnerName[] {
  if (!value) return [...ALL_RUNNERS];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(ALL_RUNNERS as readonly string[]).includes(name)) {
      throw new Error(`unknown runner ${name}; known: ${ALL_RUNNERS.join(', ')}`);
    }
  }
  return ALL_RUNNERS.filter((r) => names.includes(r));
}

const config = {
  pages: [...new Set(intList(process.env.BENCH_PAGES, [5000, 20000]))].sort((a, b) => a - b),
  rounds: positiveInt(process.env.BENCH_ROUNDS, 3, 'BENCH_ROUNDS'),
  runners: runnerList(process.env.BENCH_RUNNERS),
  concurrency: positiveInt(process.env.BENCH_CONCURRENCY, 16, 'BENCH_CONCURRENCY'),
  timeoutSeconds: positiveInt(process.env.BENCH_TIMEOUT_S, 900, 'BENCH_TIMEOUT_S'),
};

// ---------------------------------------------------------------- server

interface Server {
  url: string;
  child: ChildProcess;
  stats(): Promise<{ cpuMs: number; requests: number }>;
  stop(): void;
}

async function startServer(prebuildPages: number): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'server.ts'), String(prebuildPages)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_SERVER_WATCH_STDIN: '1' },
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`server exited early with code ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch {
        reject(new Error(`unexpected server output: ${line}`));
      }
    });
  });
  return {
    url,
    child,
    async stats() {
      const res = await fetch(`${url}/__stats`);
      return (await res.json()) as { cpuMs: number; requests: number };
    },
    stop() {
      child.stdin?.end();
      child.kill('SIGTERM');
    },
  };
}

// ---------------------------------------------------------------- one run

interface RunRecord {
  runner: RunnerName;
  pages: number;
  round: number;
  ok: boolean;
  error?: string;
  result?: RunnerResult;
  reqPerSec?: number;
  /** CPU the server spent while serving this run (ms) */
  serverCpuMs?: number;
}


async function runOnce(server: Server, runner: RunnerName, pages: number, round: number): Promise<RunRecord> {
  const storageDir = runner === 'crawlee' ? mkdtempSync(join(tmpdir(), 'teinei-bench-crawlee-')) : undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (storageDir) env.CRAWLEE_STORAGE_DIR = storageDir;

  const before = await server.stats();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(HERE, 'runners', `${runner}.ts`), server.url, String(pages), String(config.concurrency)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = tail(stderr + chunk, 64 * 1024);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, config.timeoutSeconds * 1000);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  const after = await server.stats();
  if (storageDir) rmSync(storageDir, { recursive: true, force: true });

  const record: RunRecord = { runner, pages, round, ok: false, serverCpuMs: after.cpuMs - before.cpuMs };
  const lastLine = stdout.trim().split('\n').filter(Boolean).at(-1);
  if (lastLine) {
    try {
      const result = JSON.parse(lastLine) as RunnerResult;
      record.result = result;
      record.reqPerSec = result.pages / result.seconds;
    } catch {
      // reported below
    }
  }
  if (timedOut) record.error = `timed out after ${config.timeoutSeconds} s`;
  else if (code !== 0) record.error = `exit code ${code}: ${tail(stderr.trim()) || '(no stderr)'}`;
  else if (!record.result) record.error = `no JSON result line; stdout: ${tail(stdout.trim())}`;
  else if (record.result.items !== pages * 50) record.error = `got ${record.result.items} items, expected ${pages * 50}`;
  else record.ok = true;
  return record;
}

// ---------------------------------------------------------------- statistics


interface Cell {
  runner: RunnerName;
  pages: number;
  okRuns: number;
  failedRuns: number;
  medianReqPerSec: number;
  medianSeconds: number;
  medianCpuMs: number;
  /** median CPU ms per 1,000 requests, start-up included */
  cpuMsPer1kTotal: number;
  /** max over the runs */
  peakRssMb: number;
  medianServerCpuPct: number;
}

function summarise(records: RunRecord[]): Cell[] {
  const cells: Cell[] = [];
  for (const pages of config.pages) {
    for (const runner of config.runners) {
      const mine = records.filter((r) => r.runner === runner && r.pages === pages);
      const ok = mine.filter((r) => r.ok && r.result);
      const results = ok.map((r) => r.result!);
      const medianCpuMs = median(results.map((r) => r.cpuMs));
      cells.push({
        runner,
        pages,
        okRuns: ok.length,
        failedRuns: mine.length - ok.length,
        medianReqPerSec: median(ok.map((r) => r.reqPerSec!)),
        medianSeconds: median(results.map((r) => r.seconds)),
        medianCpuMs,
        cpuMsPer1kTotal: medianCpuMs / (pages / 1000),
        peakRssMb: results.length ? Math.max(...results.map((r) => r.peakRssMb)) : Number.NaN,
        medianServerCpuPct: median(ok.map((r) => ((r.serverCpuMs ?? Number.NaN) / 1000 / r.result!.seconds) * 100)),
      });
    }
  }
  return cells;
}

function cell(cells: Cell[], runner: RunnerName, pages: number): Cell | undefined {
  const c = cells.find((x) => x.runner === runner && x.pages === pages);
  return c && c.okRuns > 0 ? c : undefined;
}

/** (median CPU at N max − median CPU at N min) per 1,000 extra requests. */
function marginalCpuPer1k(cells: Cell[], runner: RunnerName): number | undefined {
  const lo = config.pages[0]!;
  const hi = config.pages.at(-1)!;
  if (lo === hi) return undefined;
  const a = cell(cells, runner, lo);
  const b = cell(cells, runner, hi);
  if (!a || !b) return undefined;
  return (b.medianCpuMs - a.medianCpuMs) / ((hi - lo) / 1000);
}

interface Check {
  name: string;
  value: number | undefined;
  target: string;
  pass: boolean | undefined;
  note?: string;
}

function checks(cells: Cell[]): Check[] {
  const lo = config.pages[0]!;
  const hi = config.pages.at(-1)!;
  const out: Check[] = [];
  for (const pages of config.pages) {
    const t = cell(cells, 'teinei', pages);
    const c = cell(cells, 'crawlee', pages);
    const value = t && c ? t.medianReqPerSec / c.medianReqPerSec : undefined;
    out.push({
      name: `req/s teinei ÷ crawlee @${pages}`,
      value,
      target: `≥ ${TARGET_SPEEDUP_VS_CRAWLEE}`,
      pass: value === undefined ? undefined : value >= TARGET_SPEEDUP_VS_CRAWLEE,
    });
  }
  const tHi = cell(cells, 'teinei', hi);
  if (lo === hi) {
    out.push({
      name: `teinei peak RSS MB @${hi}`,
      value: tHi?.peakRssMb,
      target: `≤ ${TARGET_PEAK_RSS_MB}`,
      pass: tHi ? tHi.peakRssMb <= TARGET_PEAK_RSS_MB : undefined,
    });
    return out; // marginal CPU and RSS growth need two page counts
  }
  const mt = marginalCpuPer1k(cells, 'teinei');
  const mr = marginalCpuPer1k(cells, 'raw-got');
  const cpuRatio = mt !== undefined && mr !== undefined ? mt / mr : undefined;
  out.push({
    name: `marginal CPU teinei ÷ raw-got (${lo}→${hi})`,
    value: cpuRatio,
    target: `≤ ${TARGET_CPU_VS_RAW}`,
    pass: cpuRatio === undefined ? undefined : cpuRatio <= TARGET_CPU_VS_RAW,
  });
  out.push({
    name: `teinei peak RSS MB @${hi}`,
    value: tHi?.peakRssMb,
    target: `≤ ${TARGET_PEAK_RSS_MB}`,
    pass: tHi ? tHi.peakRssMb <= TARGET_PEAK_RSS_MB : undefined,
  });
  const tLo = cell(cells, 'teinei', lo);
  const growth = tHi && tLo ? tHi.peakRssMb / tLo.peakRssMb : undefined;
  out.push({
    name: `teinei RSS @${hi} ÷ RSS @${lo}`,
    value: growth,
    target: `≤ ${TARGET_RSS_GROWTH} (flat)`,
    pass: growth === undefined ? undefined : growth <= TARGET_RSS_GROWTH,
  });
  return out;
}

/** Same ratios for the reference contenders, for context (no targets). */
function context(cells: Cell[]): Array<{ name: string; value: number | undefined }> {
  const hi = config.pages.at(-1)!;
  const r = cell(cells, 'raw-got', hi);
  const c = cell(cells, 'crawlee', hi);
  const mc = marginalCpuPer1k(cells, 'crawlee');
  const mr = marginalCpuPer1k(cells, 'raw-got');
  return [
    { name: `req/s raw-got ÷ crawlee @${hi}`, value: r && c ? r.medianReqPerSec / c.medianReqPerSec : undefined },
    { name: 'marginal CPU crawlee ÷ raw-got', value: mc !== undefined && mr !== undefined ? mc / mr : undefined },
  ];
}

// ---------------------------------------------------------------- output

function fmt(value: number | undefined, digits = 0): string {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
}


function report(cells: Cell[]): string {
  const out: string[] = [];
  out.push(
    table(
      ['runner', 'pages', 'runs', 'req/s', 'wall s', 'CPU ms', 'CPU ms/1k', 'peak RSS MB', 'server CPU %'],
      cells.map((c) => [
        c.runner,
        String(c.pages),
        c.failedRuns ? `${c.okRuns} (+${c.failedRuns} failed)` : String(c.okRuns),
        fmt(c.medianReqPerSec),
        fmt(c.medianSeconds, 2),
        fmt(c.medianCpuMs),
        fmt(c.cpuMsPer1kTotal),
        fmt(c.peakRssMb, 1),
        fmt(c.medianServerCpuPct),
      ]),
    ),
  );
  out.push('(medians over the runs; peak RSS = max over the runs; CPU ms/1k includes start-up)');
  if (config.pages.length > 1) {
    out.push('');
    out.push(
      table(
        ['runner', `marginal CPU ms / 1k req (${config.pages[0]}→${config.pages.at(-1)})`],
        config.runners.map((r) => [r, fmt(marginalCpuPer1k(cells, r), 1)]),
      ),
    );
  }
  out.push('');
  out.push(
    table(
      ['check', 'value', 'target', 'result'],
      checks(cells).map((c) => [
        c.name,
        fmt(c.value, 2),
        c.target,
        c.pass === undefined ? 'n/a' : c.pass ? 'PASS' : 'FAIL',
      ]),
    ),
  );
  out.push('');
  for (const c of context(cells)) out.push(`context: ${c.name} = ${fmt(c.value, 2)}`);
  return out.join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  if (config.runners.length === 0) throw new Error('no runners selected');
  const maxPages = config.pages.at(-1)!;
  console.log(
    `teinei HTTP bench — node ${process.version}, ${cpus().length} CPUs, pages ${config.pages.join('/')}, ` +
      `${config.rounds} round(s), concurrency ${config.concurrency}, runners ${config.runners.join(', ')}`,
  );
  const server = await startServer(maxPages);
  console.log(`server ${server.url} (own process, pid ${server.child.pid})`);
  const records: RunRecord[] = [];
  try {
    for (const pages of config.pages) {
      for (let round = 1; round <= config.rounds; round++) {
        const shift = (round - 1) % config.runners.length;
        const order = [...config.runners.slice(shift), ...config.runners.slice(0, shift)];
        for (const runner of order) {
          const record = await runOnce(server, runner, pages, round);
          records.push(record);
          const r = record.result;
          const label = `[${pages} r${round}] ${runner.padEnd(7)}`;
          if (record.ok && r) {
            console.log(
              `${label} ${fmt(record.reqPerSec).padStart(6)} req/s  ${r.seconds.toFixed(2).padStart(6)} s  ` +
                `CPU ${fmt(r.cpuMs).padStart(6)} ms  RSS ${r.peakRssMb.toFixed(1).padStart(6)} MB  ` +
                `server CPU ${fmt(record.serverCpuMs)} ms`,
            );
          } else {
            console.log(`${label} FAILED: ${record.error}`);
          }
        }
      }
    }
  } finally {
    server.stop();
  }

  const cells = summarise(records);
  console.log(`\n${report(cells)}`);

  const marginal = Object.fromEntries(config.runners.map((r) => [r, marginalCpuPer1k(cells, r) ?? null]));
  writeResults(HERE, {
    config,
    runs: records,
    summary: cells,
    marginalCpuMsPer1k: marginal,
    checks: checks(cells),
    context: context(cells),
  });
  return records.every((r) => r.ok) ? 0 : 1;
}

runMain(main);
