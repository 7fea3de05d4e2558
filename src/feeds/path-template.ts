import { fileURLToPath } from 'node:url';

/**
 * Values available to a feed path template. `name` (the spider name) and
 * `time` (when the crawl started) are always present, as in Scrapy; any other
 * key can be supplied by the caller, e.g. from spider arguments.
 */
export interface PathParams {
  name: string;
  time: Date;
  [key: string]: string | Date;
}

/**
 * Formats a date for use inside a file name: UTC, second precision, and `-`
 * instead of `:` because colons are illegal in Windows file names and awkward
 * in shells. Matches Scrapy's `%(time)s`, e.g. `2026-11-27T06-30-00`.
 */
export function formatTimeForPath(time: Date): string {
  if (Number.isNaN(time.getTime())) {
    throw new Error('cannot format an invalid Date for a feed path');
  }
  return time.toISOString().slice(0, 19).replaceAll(':', '-');
}

// Python %-formatting, which Scrapy applies to FEEDS keys: `%(key)s` and `%%`.
const PLACEHOLDER = /%\(([^)]*)\)s|%%/g;

/**
 * Expands Scrapy-style URI parameters in a feed path: `%(name)s`, `%(time)s`
 * and any other `%(key)s` found in `params`; `%%` becomes a literal `%`.
 * A lone `%` is left alone so paths that were never templates are unchanged.
 *
 * @throws Error naming the key and the template when a placeholder has no value,
 *   because writing to a path containing a literal `%(key)s` is never intended.
 */
export function expandPathTemplate(template: string, params: PathParams): string {
  return template.replace(PLACEHOLDER, (match, key: string | undefined) => {
    if (key === undefined) return '%';
    if (!Object.hasOwn(params, key)) {
      const known = Object.keys(params).join(', ');
      throw new Error(`unknown feed path parameter "%(${key})s" in "${template}" (known: ${known})`);
    }
    const value = params[key];
    return value instanceof Date ? formatTimeForPath(value) : String(value);
  });
}

// Anything that looks like `scheme://` but is not file:// would otherwise be
// written to a local directory literally named "s3:" and look like success.
const URI_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Expands a feed path template and turns it into a local file path.
 * Accepts plain paths and `file://` URIs (Scrapy examples use both).
 *
 * @throws Error for other URI schemes (S3, FTP, ...), which are not supported.
 */
export function resolveFeedPath(template: string, params: PathParams): string {
  const expanded = expandPathTemplate(template, params);
  const scheme = URI_SCHEME.exec(expanded)?.[1]?.toLowerCase();
  if (scheme === undefined) return expanded;
  if (scheme === 'file') return fileURLToPath(expanded);
  throw new Error(`feed "${template}": only local paths and file:// URIs are supported, not ${scheme}://`);
}
