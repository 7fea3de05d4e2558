#!/usr/bin/env node
// Registers tsx so the project's teinei.config.ts and spider files load without a build step.
import { register } from 'tsx/esm/api';

register();
const { crawlMain } = await import('../dist/cli/crawl.js');
const code = await crawlMain(process.argv.slice(2));
// Let stdout drain, then leave even if a user component left a handle open.
process.stdout.write('', () => process.exit(code));
