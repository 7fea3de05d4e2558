#!/usr/bin/env node
// Registers tsx so the project's teinei.config.ts and spider files load without a build step.
import { register } from 'tsx/esm/api';

register();
const { teineiMain } = await import('../dist/cli/teinei.js');
const code = await teineiMain(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));
