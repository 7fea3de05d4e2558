/**
 * `teinei split` as a spawned process: chunk files, the summary, and exit codes 0/1/2.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'teinei-split-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function teinei(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'teinei.js'), ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

it('splits into chunk files with the header and exits 0', async () => {
  const source = join(tmp, 'plans.csv');
  writeFileSync(source, 'id,name,date\n1,"a, b",20171224\n2,"multi\nline",20171225\n3,c,20171226\n4,d,20171227\n5,e,20171228\n');
  const result = await teinei(['split', source, '--chunk-rows', '2', '--out', join(tmp, 'out')]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const chunks = readdirSync(join(tmp, 'out')).filter((f) => f.startsWith('plans-')).sort();
  expect(chunks).toEqual(['plans-00001.csv', 'plans-00002.csv', 'plans-00003.csv']);
  expect(readFileSync(join(tmp, 'out', 'plans-00001.csv'), 'utf8')).toBe('id,name,date\n1,"a, b",20171224\n2,"multi\nline",20171225\n');
  expect(result.stdout).toMatch(/5 rows read, 5 written to 3 chunks/);
});

it('exits 1 when bad rows were set aside, naming the line', async () => {
  const source = join(tmp, 'bad.csv');
  writeFileSync(source, 'id,name\n1,a\n2,b,extra\n3,c\n');
  const result = await teinei(['split', source, '--chunk-rows', '10', '--out', join(tmp, 'bad')]);
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/bad rows\s+1 .*line 3/);
  expect(existsSync(join(tmp, 'bad', 'bad-rows.csv'))).toBe(true);
});

it('exits 2 for a bad --chunk-rows, a missing option, and a missing file', async () => {
  expect((await teinei(['split', join(tmp, 'plans.csv'), '--chunk-rows', '0', '--out', join(tmp, 'x')])).code).toBe(2);
  expect((await teinei(['split', join(tmp, 'plans.csv'), '--out', join(tmp, 'x')])).code).toBe(2);
  const missing = await teinei(['split', join(tmp, 'nope.csv'), '--chunk-rows', '5', '--out', join(tmp, 'x')]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/nope\.csv/);
});

it('--where keeps only matching records', async () => {
  const result = await teinei(['split', join(tmp, 'plans.csv'), '--chunk-rows', '10', '--out', join(tmp, 'where'), '--where', 'date >= 20171225 && date <= 20171226']);
  expect(result.code).toBe(0);
  expect(readFileSync(join(tmp, 'where', 'plans-00001.csv'), 'utf8')).toBe('id,name,date\n2,"multi\nline",20171225\n3,c,20171226\n');
  expect(result.stdout).toMatch(/5 rows read, 2 written/);
});
