#!/usr/bin/env node
// `npm run demo`: starts the bundled mock partner API on 127.0.0.1 (ephemeral port) and runs
// `crawl partnerA --count 100` from the examples/ consumer project against it, writing
// out/partnerA.jsonl. Everything stays on loopback.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'examples');
const output = join(root, 'out', 'partnerA.jsonl');

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(join(root, 'dist', 'index.js'))) run('npm', ['run', 'build'], root);
// The examples project installs teinei by path (file:..), as a consumer would.
if (!existsSync(join(examples, 'node_modules', 'teinei'))) run('npm', ['install', '--no-audit', '--no-fund'], examples);

register();
const { startMockPartner } = await import(join(examples, 'mock-partner', 'server.ts'));
const mock = await startMockPartner();
console.log(`mock partner API listening on ${mock.url}`);

const crawl = spawn(process.execPath, [join(root, 'bin', 'crawl.js'), 'partnerA', '--base-url', mock.url, '--count', '100', '-O', output], {
  cwd: examples,
  stdio: 'inherit',
});
const code = await new Promise((resolve) => crawl.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await mock.close();
if (existsSync(output)) {
  const lines = readFileSync(output, 'utf8').split('\n').filter(Boolean).length;
  console.log(`wrote ${lines} items to ${output}`);
}
process.exit(code);
