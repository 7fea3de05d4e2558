/**
 * Politeness benchmark harness: teinei vs Scrapy (DOWNLOAD_DELAY) vs Crawlee 3 (maxRequestsPerMinute)
 * against the same strict partner (test/helpers/strict-partner.ts: N requests per sliding second,
 * 429 + Retry-After + RateLimit-* over it).
 *
 *   node --import tsx bench/politeness/run.ts        (suggested: npm run bench:politeness)
 *
 * Env: BENCH_SCENARIOS="paced,eager"  BENCH_RUNNERS="teinei,teinei-randomized,scrapy,crawlee"
 *      BENCH_ROUNDS=3  BENCH_TIMEOUT_S=120 (per crawler process)  BENCH_LIMIT=10 (partner, req/s)
 *      BENCH_PACED_SHAPE=100x10  BENCH_EAGER_SHAPE=126x9 (pages × items per page)
 *      BENCH_LATENCY_MS=0 (partner's delay before each answer)
 *      BENCH_PYTHON=/usr/bin/python3 (Scrapy is skipped, with a note, when it cannot import scrapy)
 *
 * Every run gets a FRESH partner process (so its stats are that run's alone) and a fresh crawler
 * process; when the crawler is done the partner is sent SIGTERM and prints its stats line. Runs,
 * summaries and checks go to bench/politeness/results/latest.json. This prints numbers; it is not a
 * test, and it exits 0 even when a check fails (1 only when a run crashed or timed out).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StrictPartnerStats } from '../../test/helpers/strict-partner.js';
import type { RunnerArgs, RunnerResult } from './runners/common.js';
import { median, positiveInt, runMain, table, tail, writeResults } from '../lib/harness.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..', '..');
const PARTNER = join(ROOT, 'test', 'helpers', 'strict-partner.ts');

/** The partner forgives arrivals in the first 50 ms of a Retry-After window (requests already in flight). */
const IN_FLIGHT_GRACE_MS = 50;
/** Paced target: at least this share of the configured rate, sustained at the partner. */
const TARGET_RATE_SHARE = 0.95;

// ---------------------------------------------------------------- config

type RunnerKind = 'teinei' | 'scrapy' | 'crawlee';
const ALL_CONTENDERS = ['teinei', 'teinei-randomized', 'scrapy', 'crawlee'] as const;
type ContenderName = (typeof ALL_CONTENDERS)[number];
const ALL_SCENARIOS = ['paced', 'eager'] as const;
type ScenarioName = (typeof ALL_SCENARIOS)[number];


function nonNegativeInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be an integer ≥ 0, got ${value}`);
  return n;
}

function shape(value: string | undefined, fallback: [number, number], name: string): { pages: number; items: number } {
  if (!value) return { pages: fallback[0], items: fallback[1] };
  const match = /^(\d+)x(\d+)$/.exec(value.trim());
  if (!match || Number(match[1]) <= 0 || Number(match[2]) <= 0) throw new Error(`${name} must look like 100x10 (pages x items), got ${value}`);
  return { pages: Number(match[1]), items: Number(match[2]) };
}

function nameList<T extends string>(value: string | undefined, all: readonly T[], what: string): T[] {
  if (!value) return [...all];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) if (!(all as readonly string[]).includes(name)) throw new Error(`unknown ${what} ${name}; known: ${all.join(', ')}`);
  return all.filter((n) => names.includes(n));
}

const config = {
  scenarios: nameList(process.env.BENCH_SCENARIOS, ALL_SCENARIOS, 'scenario'),
  contenders: nameList(process.env.BENCH_RUNNERS, ALL_CONTENDERS, 'runner'),
  rounds: positiveInt(process.env.BENCH_ROUNDS, 3, 'BENCH_ROUNDS'),
  timeoutSeconds: positiveInt(process.env.BENCH_TIMEOUT_S, 120, 'BENCH_TIMEOUT_S'),
  limit: positiveInt(process.env.BENCH_LIMIT, 10, 'BENCH_LIMIT'),
  retryAfter: 1,
  latencyMs: nonNegativeInt(process.env.BENCH_LATENCY_MS, 0, 'BENCH_LATENCY_MS'),
  paced: shape(process.env.BENCH_PACED_SHAPE, [100, 10], 'BENCH_PACED_SHAPE'),
  eager: shape(process.env.BENCH_EAGER_SHAPE, [126, 9], 'BENCH_EAGER_SHAPE'),
  python: process.env.BENCH_PYTHON || '/usr/bin/python3',
};

interface Contender {
  name: ContenderName;
  runner: RunnerKind;
  /** The crawler's own settings, in its own vocabulary. */
  settings: Record<string, unknown>;
}

interface Scenario {
  name: ScenarioName;
  title: string;
  pages: number;
  items: number;
  contenders: Contender[];
}

/** The configured rate in "paced" is the partner's limit: 10/s → a delay of 0.1 s, 600 per minute. */
function scenarios(): Scenario[] {
  const delay = 1 / config.limit;
  const all: Scenario[] = [
    {
      name: 'paced',
      title: `paced: configured rate ${config.limit}/s (delay ${delay} s, 2 concurrent), partner limit ${config.limit}/s, Retry-After ${config.retryAfter}`,
      ...config.paced,
      contenders: [
        { name: 'teinei', runner: 'teinei', settings: { downloadDelay: delay, concurrentRequestsPerDomain: 2, randomizeDownloadDelay: false } },
        { name: 'teinei-randomized', runner: 'teinei', settings: { downloadDelay: delay, concurrentRequestsPerDomain: 2, randomizeDownloadDelay: true } },
        { name: 'scrapy', runner: 'scrapy', settings: { DOWNLOAD_DELAY: delay, CONCURRENT_REQUESTS_PER_DOMAIN: 2, RANDOMIZE_DOWNLOAD_DELAY: false } },
        // min = max, as the others run at their concurrency from the first request (see README).
        { name: 'crawlee', runner: 'crawlee', settings: { maxRequestsPerMinute: 60 * config.limit, minConcurrency: 2, maxConcurrency: 2 } },
      ],
    },
    {
      name: 'eager',
      title: `eager: 8 concurrent, no delay, default retries; partner limit ${config.limit}/s, Retry-After ${config.retryAfter}`,
      ...config.eager,
      contenders: [
        { name: 'teinei', runner: 'teinei', settings: { concurrentRequests: 8, concurrentRequestsPerDomain: 8, downloadDelay: 0 } },
        { name: 'scrapy', runner: 'scrapy', settings: { CONCURRENT_REQUESTS: 8, CONCURRENT_REQUESTS_PER_DOMAIN: 8, DOWNLOAD_DELAY: 0 } },
        { name: 'crawlee', runner: 'crawlee', settings: { minConcurrency: 8, maxConcurrency: 8 } },
      ],
    },
  ];
  return all
    .filter((s) => config.scenarios.includes(s.name))
    .map((s) => ({ ...s, contenders: s.contenders.filter((c) => config.contenders.includes(c.name)) }));
}

// ---------------------------------------------------------------- partner

interface Partner {
  url: string;
  /** SIGTERM, then the stats line it prints. */
  stop(): Promise<StrictPartnerStats>;
}

function nextLine(lines: Interface, child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: no line within ${timeoutMs / 1000} s`)), timeoutMs);
    const onLine = (line: string) => done(undefined, line);
    const onExit = (code: number | null) => done(new Error(`${what}: partner exited with code ${code}`));
    const done = (error?: Error, line?: string) => {
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(line!);
    };
    lines.once('line', onLine);
    child.once('exit', onExit);
  });
}

async function startPartner(pages: number, items: number): Promise<Partner> {
  const flags = ['--pages', String(pages), '--items', String(items), '--limit', String(config.limit), '--retry-after', String(config.retryAfter)];
  if (config.latencyMs > 0) flags.push('--latency', String(config.latencyMs));
  const child = spawn(process.execPath, ['--import', 'tsx', PARTNER, ...flags], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  try {
    const first = await nextLine(lines, child, 'partner start', 60_000);
    const url = (JSON.parse(first) as { url: string }).url;
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`partner is not on loopback: ${url}`);
    return {
      url,
      async stop() {
        const line = nextLine(lines, child, 'partner stats', 10_000);
        child.kill('SIGTERM');
        try {
          return JSON.parse(await line) as StrictPartnerStats;
        } finally {
          if (child.exitCode === null) child.kill('SIGKILL');
        }
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

// ---------------------------------------------------------------- one run

interface RunRecord {
  scenario: ScenarioName;
  contender: ContenderName;
  round: number;
  ok: boolean;
  error?: string;
  result?: RunnerResult;
  partner?: StrictPartnerStats;
  /** Pages the partner never answered with a page body. */
  pagesLost?: number;
}


function command(runner: RunnerKind, args: RunnerArgs): [string, string[]] {
  const json = JSON.stringify(args);
  if (runner === 'scrapy') return [config.python, [join(HERE, 'runners', 'scrapy_runner.py'), json]];
  return [process.execPath, ['--import', 'tsx', join(HERE, 'runners', `${runner}.ts`), json]];
}

async function runOnce(scenario: Scenario, contender: Contender, round: number): Promise<RunRecord> {
  const record: RunRecord = { scenario: scenario.name, contender: contender.name, round, ok: false };
  const partner = await startPartner(scenario.pages, scenario.items);
  const storageDir = contender.runner === 'crawlee' ? mkdtempSync(join(tmpdir(), 'teinei-bench-crawlee-')) : undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (storageDir) {
    env.CRAWLEE_STORAGE_DIR = storageDir;
    env.CRAWLEE_PERSIST_STORAGE = 'false';
  }
  const [file, argv] = command(contender.runner, { url: partner.url, pages: scenario.pages, items: scenario.items, settings: contender.settings });
  const child = spawn(file, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
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
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      stderr += String(error);
      resolve(-1);
    });
    child.once('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  try {
    record.partner = await partner.stop();
    record.pagesLost = scenario.pages - record.partner.pagesServed;
  } catch (error) {
    record.error = `partner: ${error instanceof Error ? error.message : String(error)}`;
  }

  const lastLine = stdout.trim().split('\n').filter(Boolean).at(-1);
  if (lastLine) {
    try {
      record.result = JSON.parse(lastLine) as RunnerResult;
    } catch {
      // reported below
    }
  }
  if (timedOut) record.error = `timed out after ${config.timeoutSeconds} s`;
  else if (code !== 0) record.error = `exit code ${code}: ${tail(stderr.trim()) || '(no stderr)'}`;
  else if (!record.result) record.error = `no JSON result line; stdout: ${tail(stdout.trim())}`;
  else if (record.partner) record.ok = true;
  return record;
}

// ---------------------------------------------------------------- statistics


interface Range {
  min: number;
  max: number;
  median: number;
}

function range(values: number[]): Range | undefined {
  if (values.length === 0) return undefined;
  return { min: Math.min(...values), max: Math.max(...values), median: median(values) };
}

interface Cell {
  scenario: ScenarioName;
  contender: ContenderName;
  expectedItems: number;
  pages: number;
  okRuns: number;
  failedRuns: number;
  /** Arrivals per second at the partner, first to last arrival (429'd arrivals included). */
  rate?: Range;
  /** Most arrivals in any 1-second window. */
  maxInAnyWindow?: Range;
  served429?: Range;
  /** Arrivals inside an announced Retry-After window (no grace). */
  violations?: Range;
  /** The same, forgiving the first 50 ms of each window (requests already in flight). */
  violationsAfter50ms?: Range;
  arrivals?: Range;
  items?: Range;
  giveUps?: Range;
  pagesLost?: Range;
  seconds?: Range;
}

function summarise(records: RunRecord[], list: Scenario[]): Cell[] {
  const cells: Cell[] = [];
  for (const scenario of list) {
    for (const contender of scenario.contenders) {
      const mine = records.filter((r) => r.scenario === scenario.name && r.contender === contender.name);
      if (mine.length === 0) continue;
      const ok = mine.filter((r) => r.ok);
      const p = ok.map((r) => r.partner!);
      const res = ok.map((r) => r.result!);
      cells.push({
        scenario: scenario.name,
        contender: contender.name,
        expectedItems: scenario.pages * scenario.items,
        pages: scenario.pages,
        okRuns: ok.length,
        failedRuns: mine.length - ok.length,
        rate: range(p.map((s) => s.ratePerSecond ?? Number.NaN)),
        maxInAnyWindow: range(p.map((s) => s.maxInAnyWindow)),
        served429: range(p.map((s) => s.served429)),
        violations: range(p.map((s) => s.violations)),
        violationsAfter50ms: range(p.map((s) => s.violationsAfter50ms)),
        arrivals: range(p.map((s) => s.arrivals)),
        items: range(res.map((r) => r.items)),
        giveUps: range(res.map((r) => r.giveUps)),
        pagesLost: range(ok.map((r) => r.pagesLost ?? Number.NaN)),
        seconds: range(res.map((r) => r.seconds)),
      });
    }
  }
  return cells;
}

function findCell(cells: Cell[], scenario: ScenarioName, contender: ContenderName): Cell | undefined {
  const c = cells.find((x) => x.scenario === scenario && x.contender === contender);
  return c && c.okRuns > 0 ? c : undefined;
}

interface Check {
  name: string;
  value: number | undefined;
  target: string;
  pass: boolean | undefined;
  note?: string;
}

/** The issue's targets, held in EVERY round: the value shown is the worst round's. */
function checks(cells: Cell[]): Check[] {
  const out: Check[] = [];
  const eager = findCell(cells, 'eager', 'teinei');
  if (config.scenarios.includes('eager') && config.contenders.includes('teinei')) {
    out.push({
      name: `teinei eager: Retry-After violations (after ${IN_FLIGHT_GRACE_MS} ms in-flight grace), worst round`,
      value: eager?.violationsAfter50ms?.max,
      target: '= 0',
      pass: eager?.violationsAfter50ms ? eager.violationsAfter50ms.max === 0 : undefined,
      note: eager?.violations ? `no grace: ${rangeText(eager.violations)}` : undefined,
    });
    out.push({
      name: 'teinei eager: items kept, worst round',
      value: eager?.items?.min,
      target: `= ${eager?.expectedItems ?? config.eager.pages * config.eager.items}`,
      pass: eager?.items ? eager.items.min === eager.expectedItems : undefined,
    });
  }
  const paced = findCell(cells, 'paced', 'teinei');
  if (config.scenarios.includes('paced') && config.contenders.includes('teinei')) {
    out.push({
      name: 'teinei paced (not randomized): max in any 1 s window, worst round',
      value: paced?.maxInAnyWindow?.max,
      target: `≤ ${config.limit}`,
      pass: paced?.maxInAnyWindow ? paced.maxInAnyWindow.max <= config.limit : undefined,
    });
    const floor = TARGET_RATE_SHARE * config.limit;
    out.push({
      name: 'teinei paced (not randomized): req/s at the partner, worst round',
      value: paced?.rate?.min,
      target: `≥ ${floor}`,
      pass: paced?.rate ? paced.rate.min >= floor : undefined,
    });
  }
  return out;
}

/** Numbers for the other rows, for context (no targets). */
function context(cells: Cell[]): string[] {
  const out: string[] = [];
  const r = findCell(cells, 'paced', 'teinei-randomized');
  if (r) {
    out.push(
      `teinei paced, randomized (the default): ${fmt(r.rate?.median, 2)} req/s, max ${rangeText(r.maxInAnyWindow)} in any 1 s ` +
        `(limit ${config.limit}), ${rangeText(r.served429)} × 429`,
    );
  }
  for (const name of ['scrapy', 'crawlee'] as const) {
    const c = findCell(cells, 'eager', name);
    if (c) {
      out.push(
        `${name} eager: kept ${rangeText(c.items)} of ${c.expectedItems} items, ${rangeText(c.served429)} × 429, ` +
          `${rangeText(c.violations)} arrivals inside Retry-After windows (${rangeText(c.violationsAfter50ms)} after the grace), ` +
          `gave up on ${rangeText(c.giveUps)} pages`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------- output

function fmt(value: number | undefined, digits = 0): string {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
}

/** "7" when every round agrees, else "min–max". */
function rangeText(r: Range | undefined, digits = 0): string {
  if (!r || Number.isNaN(r.min)) return 'n/a';
  return r.min === r.max ? fmt(r.min, digits) : `${fmt(r.min, digits)}–${fmt(r.max, digits)}`;
}


function runsText(c: Cell): string {
  return c.failedRuns ? `${c.okRuns} (+${c.failedRuns} failed)` : String(c.okRuns);
}

function report(cells: Cell[], list: Scenario[]): string {
  const out: string[] = [];
  for (const scenario of list) {
    const mine = cells.filter((c) => c.scenario === scenario.name);
    if (mine.length === 0) continue;
    out.push(`${scenario.title}; ${scenario.pages} pages × ${scenario.items} items`);
    if (scenario.name === 'paced') {
      out.push(
        table(
          ['runner', 'runs', 'req/s', 'max in 1 s', '429s', 'violations', 'viol >50ms', 'items kept', 'wall s'],
          mine.map((c) => [
            c.contender,
            runsText(c),
            fmt(c.rate?.median, 2),
            rangeText(c.maxInAnyWindow),
            rangeText(c.served429),
            rangeText(c.violations),
            rangeText(c.violationsAfter50ms),
            `${rangeText(c.items)} / ${c.expectedItems}`,
            fmt(c.seconds?.median, 2),
          ]),
        ),
      );
    } else {
      out.push(
        table(
          ['runner', 'runs', 'items kept', '429s', 'violations', 'viol >50ms', 'gave up', 'pages lost', 'arrivals', 'max in 1 s', 'wall s'],
          mine.map((c) => [
            c.contender,
            runsText(c),
            `${rangeText(c.items)} / ${c.expectedItems}`,
            rangeText(c.served429),
            rangeText(c.violations),
            rangeText(c.violationsAfter50ms),
            rangeText(c.giveUps),
            rangeText(c.pagesLost),
            rangeText(c.arrivals),
            rangeText(c.maxInAnyWindow),
            fmt(c.seconds?.median, 2),
          ]),
        ),
      );
    }
    out.push('');
  }
  out.push(
    `(req/s and wall s: medians over the rounds; every other column: the value, or min–max when rounds differ. ` +
      `"violations": arrivals inside a Retry-After window the partner had announced; "viol >50ms": the same ` +
      `after the first ${IN_FLIGHT_GRACE_MS} ms of each window, which forgives requests already in flight)`,
  );
  out.push('');
  out.push(
    table(
      ['check', 'value', 'target', 'result', 'note'],
      checks(cells).map((c) => [c.name, fmt(c.value, c.name.includes('req/s') ? 2 : 0), c.target, c.pass === undefined ? 'n/a' : c.pass ? 'PASS' : 'FAIL', c.note ?? '']),
    ),
  );
  const ctx = context(cells);
  if (ctx.length) out.push('');
  for (const line of ctx) out.push(`context: ${line}`);
  return out.join('\n');
}

function runLine(record: RunRecord, expected: number): string {
  const label = `[${record.scenario} r${record.round}] ${record.contender.padEnd(17)}`;
  const p = record.partner;
  const r = record.result;
  if (!record.ok || !p || !r) return `${label} FAILED: ${record.error}`;
  return (
    `${label} ${fmt(p.ratePerSecond ?? undefined, 2).padStart(7)} req/s  max ${String(p.maxInAnyWindow).padStart(3)} in 1 s  ` +
    `429s ${String(p.served429).padStart(3)}  violations ${String(p.violations).padStart(3)} (>50ms ${String(p.violationsAfter50ms).padStart(3)})  ` +
    `items ${r.items}/${expected}  gave up ${r.giveUps}  ${r.seconds.toFixed(2)} s`
  );
}

// ---------------------------------------------------------------- main

function scrapyAvailable(): { ok: boolean; version?: string; why?: string } {
  const probe = spawnSync(config.python, ['-c', 'import scrapy, sys; sys.stdout.write(scrapy.__version__)'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status === 0) return { ok: true, version: probe.stdout.trim() };
  return { ok: false, why: (probe.error?.message ?? probe.stderr.trim().split('\n').at(-1)) || `exit ${probe.status}` };
}

async function main(): Promise<number> {
  const scrapy = config.contenders.includes('scrapy') ? scrapyAvailable() : { ok: false, why: 'not selected' };
  if (config.contenders.includes('scrapy') && !scrapy.ok) {
    console.log(`note: Scrapy skipped: \`${config.python} -c "import scrapy"\` failed (${scrapy.why}). On Debian: apt-get install python3-scrapy.`);
    config.contenders = config.contenders.filter((c) => c !== 'scrapy');
  }
  const list = scenarios().filter((s) => s.contenders.length > 0);
  if (list.length === 0) throw new Error('no scenario/runner selected');
  console.log(
    `teinei politeness bench — node ${process.version}, ${cpus().length} CPUs, ${config.rounds} round(s), partner limit ${config.limit}/s, ` +
      `latency ${config.latencyMs} ms, runners ${config.contenders.join(', ')}${scrapy.ok ? ` (scrapy ${scrapy.version})` : ''}, timeout ${config.timeoutSeconds} s per run`,
  );

  const records: RunRecord[] = [];
  for (const scenario of list) {
    for (let round = 1; round <= config.rounds; round++) {
      const shift = (round - 1) % scenario.contenders.length;
      const order = [...scenario.contenders.slice(shift), ...scenario.contenders.slice(0, shift)];
      for (const contender of order) {
        const record = await runOnce(scenario, contender, round);
        records.push(record);
        console.log(runLine(record, scenario.pages * scenario.items));
      }
    }
  }

  const cells = summarise(records, list);
  console.log(`\n${report(cells, list)}`);

  writeResults(HERE, {
    scrapy: scrapy.ok ? scrapy.version : `skipped: ${scrapy.why}`,
    config,
    scenarios: list,
    runs: records,
    summary: cells,
    checks: checks(cells),
    context: context(cells),
  });
  return records.every((r) => r.ok) ? 0 : 1;
}

runMain(main);
