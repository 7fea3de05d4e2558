/**
 * Spider arguments from the command line: `--base-url X` fills `baseUrl`, `--flag` alone is true,
 * `--name=value` works, and Scrapy's `-a name=value` too.
 */
import type { ZodType } from 'zod';
import { SpiderArgsError } from '../core/errors.js';
import { CliError } from './cli-error.js';

/** `base-url` → `baseUrl`. */
export function kebabToCamel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `baseUrl` → `base-url`. */
export function camelToKebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Collects spider arguments from the tokens the CLI's own options did not take. */
export function parseSpiderArgTokens(tokens: string[]): Record<string, string | true> {
  const args: Record<string, string | true> = {};
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '-a') {
      const pair = tokens[++i];
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq <= 0) throw new CliError(`-a expects name=value, got ${pair === undefined ? 'nothing' : JSON.stringify(pair)}`);
      args[kebabToCamel(pair.slice(0, eq))] = pair.slice(eq + 1);
      continue;
    }
    if (!token.startsWith('--') || token.length === 2) throw new CliError(`Unexpected argument ${JSON.stringify(token)}; spider arguments look like --name value`);
    const eq = token.indexOf('=');
    if (eq > 0) {
      args[kebabToCamel(token.slice(2, eq))] = token.slice(eq + 1);
      continue;
    }
    const next = tokens[i + 1];
    args[kebabToCamel(token.slice(2))] = next === undefined || next.startsWith('--') ? true : tokens[++i]!;
  }
  return args;
}

/** The flags a spider's args schema knows, when it is a zod object. */
export function knownArgFlags(schema: ZodType | undefined): string[] | undefined {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape).map((key) => `--${camelToKebab(key)}`) : undefined;
}

/** Rejects flags the spider does not declare (a typo would otherwise be silently ignored). */
export function checkUnknownArgs(spiderName: string, schema: ZodType | undefined, args: Record<string, unknown>): void {
  const known = knownArgFlags(schema);
  if (!known) return;
  for (const key of Object.keys(args)) {
    const flag = `--${camelToKebab(key)}`;
    if (!known.includes(flag)) throw new CliError(`Unknown option ${flag} for spider ${spiderName} (its options: ${known.join(', ') || 'none'})`);
  }
}

/** Rewrites a SpiderArgsError in terms of flags: `--count: Too big: …`. */
export function describeArgsError(error: SpiderArgsError): string {
  const lines = error.problems.map((p) => `  ${p.field === '(arguments)' ? p.field : `--${camelToKebab(p.field.split('.')[0]!)}`}: ${p.message}`);
  return `Invalid arguments for spider ${error.spiderName}:\n${lines.join('\n')}`;
}
