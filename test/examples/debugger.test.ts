/**
 * examples/.vscode/launch.json under a real debugger: a breakpoint in a TypeScript spider is hit.
 *
 * Spawns the command of the "crawl partnerA --count 10" launch configuration (program, args, cwd
 * from launch.json) with `--inspect-brk=127.0.0.1:0` against the mock partner, and drives it over the
 * inspector protocol the way VS Code's js-debug does:
 *
 * - tsx compiles partnerA.ts in memory into one minified line with an inline source map, so V8
 *   cannot place a breakpoint by a TypeScript line number (setBreakpointByUrl with the TS line
 *   resolves to nothing). The debugger has to map the TS line to the generated line and column
 *   through the script's source map.
 * - To do so before the spider runs, it pauses before every script that has a source map
 *   (the instrumentation breakpoint `beforeScriptWithSourceMapExecution`, js-debug's
 *   `pauseForSourceMap`), sets the breakpoint in partnerA.ts there, and resumes.
 *
 * The test then checks that the paused location maps back to the TS line, that locals of `parse`
 * (`response`, `page`) are readable, and that the crawl, resumed, finishes with exit 0. Needs
 * `npm run build` and `npm install --prefix examples` (as test/examples/mock-partner.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, TraceMap, generatedPositionFor, originalPositionFor } from '@jridgewell/trace-mapping';
import CDP from 'chrome-remote-interface';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockPartner, type MockPartner } from '../../examples/mock-partner/server.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');
const spiderFile = join(examples, 'spiders', 'partnerA.ts');
/** The statement in PartnerA.parse to break on: after `page` is parsed, before the next page is requested. */
const breakOn = 'const next = page.results_start + page.results_returned;';

interface LaunchConfiguration {
  name: string;
  type: string;
  request: string;
  cwd?: string;
  program?: string;
  args?: string[];
  runtimeArgs?: string[];
  preLaunchTask?: string;
  sourceMaps?: boolean;
  resolveSourceMapLocations?: string[];
  skipFiles?: string[];
}

/** The parts of the inspector's Debugger.paused event used here. */
interface Paused {
  reason: string;
  data?: object;
  hitBreakpoints?: string[];
  callFrames: Array<{ callFrameId: string; functionName: string; location: { scriptId: string; lineNumber: number; columnNumber?: number } }>;
}

/** Reads a .vscode JSON file; comments there take whole lines (VS Code reads it as JSON with comments). */
function readVscodeJson<T>(name: string): T {
  const text = readFileSync(join(examples, '.vscode', name), 'utf8');
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) as T;
}

function launchConfiguration(name: string): LaunchConfiguration {
  const { configurations } = readVscodeJson<{ configurations: LaunchConfiguration[] }>('launch.json');
  const found = configurations.find((configuration) => configuration.name === name);
  if (!found) throw new Error(`examples/.vscode/launch.json has no configuration named "${name}"`);
  return found;
}

/** VS Code's variable substitution, for the variables these configurations use. */
function substitute(value: string, file: string): string {
  return value
    .replaceAll('${workspaceFolder}', examples)
    .replaceAll('${file}', file)
    .replaceAll('${fileBasenameNoExtension}', basename(file).replace(/\.[^.]*$/, ''));
}

/** Resolves with `ws://…` once the child prints "Debugger listening on ws://…" on stderr. */
function inspectorUrl(child: ChildProcess, output: { stderr: string }, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "Debugger listening on ws://…" on stderr within ${timeoutMs} ms:\n${output.stderr}`)), timeoutMs);
    const onData = () => {
      const match = /Debugger listening on (ws:\/\/\S+)/.exec(output.stderr);
      if (!match) return;
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      resolve(match[1]!);
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the crawl exited (${code}) before its inspector listened:\n${output.stderr}`)));
  });
}

let child: ChildProcess | undefined;
let client: CDP.Client | undefined;
let mock: MockPartner | undefined;

afterEach(async () => {
  await client?.close().catch(() => {});
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await mock?.close();
  child = client = mock = undefined;
});

describe('examples/.vscode debugging', () => {
  it('stops at a breakpoint in spiders/partnerA.ts, shows parse() locals, and the crawl then finishes', async () => {
    const configuration = launchConfiguration('crawl partnerA --count 10');
    expect(configuration).toMatchObject({ type: 'node', request: 'launch', preLaunchTask: 'mock partner', sourceMaps: true });
    expect(configuration.skipFiles).toContain('<node_internals>/**');

    // 30 events at --count 10: three pages, so the spider's 0.5 s downloadDelay keeps this short.
    mock = await startMockPartner({ events: 30 });
    const args = (configuration.args ?? []).map((arg) => substitute(arg, spiderFile));
    const baseUrlAt = args.indexOf('--base-url') + 1;
    expect(baseUrlAt, 'the configuration passes --base-url').toBeGreaterThan(0);
    args[baseUrlAt] = mock.url;

    const tsLine = readFileSync(spiderFile, 'utf8').split('\n').findIndex((line) => line.includes(breakOn)) + 1;
    expect(tsLine, `partnerA.ts contains "${breakOn}"`).toBeGreaterThan(0);

    const output = { stdout: '', stderr: '' };
    child = spawn(
      process.execPath,
      ['--inspect-brk=127.0.0.1:0', ...(configuration.runtimeArgs ?? []), substitute(configuration.program!, spiderFile), ...args],
      { cwd: substitute(configuration.cwd ?? '${workspaceFolder}', spiderFile), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d: Buffer) => (output.stdout += d));
    child.stderr!.on('data', (d: Buffer) => (output.stderr += d));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    client = await CDP({ target: await inspectorUrl(child, output, 10_000), local: true });
    const { Debugger, Runtime } = client;

    // Every pause, in order; nextPause() takes the next one, or fails when the crawl exits or time is up.
    const pauses: Paused[] = [];
    let wakeUp = () => {};
    const scripts = new Map<string, { url: string; sourceMapURL: string }>();
    Debugger.on('scriptParsed', ({ scriptId, url, sourceMapURL }) => void scripts.set(scriptId, { url, sourceMapURL: sourceMapURL ?? '' }));
    const isSpider = (scriptId: string) => scripts.get(scriptId)?.url.endsWith('/examples/spiders/partnerA.ts') ?? false;
    Debugger.on('paused', (pause) => {
      // About a hundred scripts with source maps (teinei's dist/ among them) load before the
      // spider: resume those at once, as js-debug does for scripts without breakpoints.
      if (pause.reason === 'instrumentation' && !isSpider((pause.data as { scriptId: string }).scriptId)) return void Debugger.resume({}).catch(() => {});
      pauses.push(pause);
      wakeUp();
    });
    // At its end, a process with a debugger attached waits for it to detach instead of exiting.
    child.stderr!.on('data', () => wakeUp());
    let exitCode: number | null | undefined;
    void exited.then((code) => {
      exitCode = code;
      wakeUp();
    });
    const deadline = Date.now() + 15_000;
    const notHit = () => `the breakpoint at examples/spiders/partnerA.ts:${tsLine} was never hit`;
    async function nextPause(): Promise<Paused> {
      for (;;) {
        const pause = pauses.shift();
        if (pause) return pause;
        if (exitCode !== undefined) throw new Error(`${notHit()}: the crawl exited (${exitCode}) first\n${output.stderr}`);
        if (output.stderr.includes('Waiting for the debugger to disconnect')) throw new Error(`${notHit()}: the crawl ran to its end\n${output.stderr}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${notHit()} within 15 s\n${output.stderr}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }

    await Debugger.enable({});
    const { breakpointId: beforeSourceMapped } = await Debugger.setInstrumentationBreakpoint({ instrumentation: 'beforeScriptWithSourceMapExecution' });
    await Runtime.runIfWaitingForDebugger();

    let map: TraceMap | undefined;
    let breakpointId: string | undefined;
    let hit: Paused | undefined;
    while (!hit) {
      const pause = await nextPause();
      const scriptId = (pause.data as { scriptId?: string } | undefined)?.scriptId ?? '';
      if (pause.reason === 'instrumentation' && isSpider(scriptId) && !map) {
        const script = scripts.get(scriptId)!;
        // tsx's source map is inline: data:application/json;base64,…
        expect(script.sourceMapURL).toMatch(/^data:application\/json;(charset=utf-8;)?base64,/);
        map = new TraceMap(Buffer.from(script.sourceMapURL.slice(script.sourceMapURL.indexOf(',') + 1), 'base64').toString());
        const source = map.resolvedSources.find((s) => s.endsWith('/examples/spiders/partnerA.ts'));
        expect(source, `the source map of ${script.url} lists partnerA.ts`).toBeDefined();
        // The first generated position of that TS line (as VS Code does for a line breakpoint).
        const generated = generatedPositionFor(map, { source: source!, line: tsLine, column: 0, bias: LEAST_UPPER_BOUND });
        expect(generated.line, `partnerA.ts:${tsLine} maps to generated code`).not.toBeNull();
        const set = await Debugger.setBreakpoint({ location: { scriptId, lineNumber: generated.line! - 1, columnNumber: generated.column! } });
        breakpointId = set.breakpointId;
      } else if (pause.reason === 'other' && breakpointId && pause.hitBreakpoints?.includes(breakpointId)) {
        hit = pause;
        break;
      }
      await Debugger.resume({});
    }

    // Where it stopped, mapped back through the source map: partnerA.ts at the TS line.
    const frame = hit.callFrames[0]!;
    expect(frame.functionName).toBe('parse');
    const original = originalPositionFor(map!, { line: frame.location.lineNumber + 1, column: frame.location.columnNumber ?? 0, bias: GREATEST_LOWER_BOUND });
    expect(original.source).toMatch(/\/examples\/spiders\/partnerA\.ts$/);
    expect(original.line).toBe(tsLine);

    // parse()'s locals, read on the paused frame: the first page of --count 10.
    const { result, exceptionDetails } = await Debugger.evaluateOnCallFrame({
      callFrameId: frame.callFrameId,
      expression: '({ url: response.url, start: page.results_start, returned: page.results_returned, first: page.events[0].event_id })',
      returnByValue: true,
    });
    expect(exceptionDetails).toBeUndefined();
    expect(result.value).toEqual({ url: `${mock.url}/partnerA/events?count=10&start=1`, start: 1, returned: 10, first: 300001 });

    // Let the crawl run to the end without stopping again, and detach (Node waits at exit for an attached debugger).
    await Debugger.removeBreakpoint({ breakpointId: breakpointId! });
    await Debugger.removeBreakpoint({ breakpointId: beforeSourceMapped });
    await Debugger.resume({});
    await client.close();
    client = undefined;
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
    expect(code, output.stderr).toBe(0);
    expect(output.stdout).toMatch(/partnerA: finished/);
    expect(output.stdout).toMatch(/items\s+30 scraped/);
  }, 30_000);

  it('names each spider file after its spider, as "crawl current spider file" expects', async () => {
    const configuration = launchConfiguration('crawl current spider file');
    const files = readdirSync(join(examples, 'spiders')).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const mod = (await import(join(examples, 'spiders', file))) as { default: { spiderName: string } };
      const [spiderName] = (configuration.args ?? []).map((arg) => substitute(arg, join(examples, 'spiders', file)));
      expect(mod.default.spiderName, `spiders/${file}`).toBe(spiderName);
    }
  });

  it('runs the current file with node --import tsx in "run current script"', () => {
    const configuration = launchConfiguration('run current script');
    expect(configuration.runtimeArgs).toEqual(['--import', 'tsx']);
    expect(configuration.program).toBe('${file}');
    expect(configuration.preLaunchTask).toBeUndefined();
  });

  it('runs jobs/debug-partnerA.ts, a plain runSpider script for "run current script", offline', async () => {
    // No mock is started: the script replays fixtures/partnerA, so a request leaving would fail it.
    child = spawn(process.execPath, ['--import', 'tsx', 'jobs/debug-partnerA.ts'], { cwd: examples, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('finished: 250 items from 3 recorded responses');
    expect(stdout).toContain('GET http://127.0.0.1:8080/partnerA/events?count=100&start=201');
  }, 30_000);

  it('has the mock partner task the crawl configurations start first, ready when it prints its URL', async () => {
    type Task = { label: string; command: string; args: string[]; options?: { cwd?: string }; isBackground?: boolean; problemMatcher?: { background?: { endsPattern?: string } } };
    const { tasks } = readVscodeJson<{ tasks: Task[] }>('tasks.json');
    const task = tasks.find((t) => t.label === launchConfiguration('crawl partnerA --count 10').preLaunchTask);
    expect(task?.isBackground).toBe(true);
    expect(task!.command).toBe('node');
    // Its port is the one the crawl configurations pass as --base-url.
    const portAt = task!.args.indexOf('--port') + 1;
    expect(portAt).toBeGreaterThan(0);
    for (const name of ['crawl partnerA --count 10', 'crawl current spider file']) {
      const args = launchConfiguration(name).args!;
      expect(args[args.indexOf('--base-url') + 1], name).toBe(`http://127.0.0.1:${task!.args[portAt]}`);
    }
    // Run the task's command (on an ephemeral port): VS Code launches the debugger once a line
    // matches the matcher's endsPattern.
    const args = task!.args.map((arg, i) => (i === portAt ? '0' : arg));
    child = spawn(process.execPath, args, { cwd: substitute(task!.options?.cwd ?? '${workspaceFolder}', spiderFile), stdio: ['ignore', 'pipe', 'inherit'] });
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    const line = chunk.toString().trim();
    expect(line).toMatch(new RegExp(task!.problemMatcher!.background!.endsPattern!));
    const { url } = JSON.parse(line) as { url: string };
    expect((await fetch(`${url}/partnerA/events?count=1`)).status).toBe(200);
  });
});
