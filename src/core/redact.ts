/**
 * Hides secrets in log text: credential header values, URL userinfo, secret-looking query
 * parameters and exact values the user registers. The crawler applies it to every record at its
 * log sink (log.ts `crawlerSink`), so no component's line can carry a partner's key to a log shipper.
 *
 * Errs towards hiding: a false positive costs a few characters of a log line, a miss leaks a key.
 */

/** What replaces a secret. */
export const REDACTED = '***';

/** Turns a log text into one that is safe to ship. */
export type Redactor = (text: string) => string;

/** What to hide besides credential headers and URL userinfo. */
export interface RedactOptions {
  /**
   * Query/form parameter names whose values are hidden, case-insensitive. A name also matches as
   * the last part of a longer one (`refresh_token`, `X-Amz-Signature` for `token`, `signature`).
   */
  params?: readonly string[];
  /** Exact strings hidden wherever they appear (e.g. a partner's API key read from the environment). */
  values?: readonly string[];
}

// Credential headers, as text (`Authorization: Bearer x`), JSON (`"cookie":"a=b"`) or
// util.inspect (`'x-api-key': 'k'`, Map `=>`). Quoted values end at their quote, arrays at `]`;
// unquoted ones run to the end of the line, since a Cookie or Set-Cookie holds spaces and `;`.
const HEADER =
  /(["']?)\b((?:proxy-)?authorization|(?:set-)?cookie|x-[a-z0-9-]*?(?:api-?key|token|secret|signature|auth)[a-z0-9-]*|api-?key)\1(\s*(?::|=>)\s*)("(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*'|\[[^\]\r\n]*\]|[^\r\n"'}\]]*)/gi;
// Keeps the scheme so a line still tells Bearer from Basic.
const SCHEME = /^(?:bearer|basic|digest|token|bot)\s+/i;
// `scheme://userinfo@`: a user name alone may be a token (https://TOKEN@host), so all of it goes
// unless it has a password, when the user name is kept.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>]+)@/gi;

/** Builds a redactor once (regexes compiled here, not per line). */
export function createRedactor(options: RedactOptions = {}): Redactor {
  const params = options.params?.filter((name) => name.length > 0) ?? [];
  // Encoded variants too: a key placed in a URL shows up percent-encoded.
  const values = [...new Set((options.values ?? []).flatMap((value) => (value ? [value, encodeURIComponent(value)] : [])))].sort(
    (a, b) => b.length - a.length,
  );
  const param = params.length
    ? new RegExp(`(^|[?&;\\s])((?:[\\w.-]*[_.-])?(?:${params.map(escapeRegExp).join('|')}))=([^&#\\s"'<>;]+)`, 'gi')
    : undefined;
  return (text) => {
    let out = text;
    for (const value of values) if (out.includes(value)) out = out.replaceAll(value, REDACTED);
    // Cheap guards: a DEBUG line per request must not pay for patterns that cannot match.
    if (out.includes(':')) {
      out = out.replace(HEADER, hideHeader);
      if (out.includes('@')) out = out.replace(USERINFO, hideUserinfo);
    }
    if (param && out.includes('=')) out = out.replace(param, (match, lead: string, name: string) => `${lead}${name}=${REDACTED}`);
    return out;
  };
}

function hideHeader(match: string, quote: string, name: string, separator: string, value: string): string {
  if (!value.trim()) return match;
  const first = value[0];
  let hidden: string;
  if (first === '"' || first === "'") hidden = `${first}${keepScheme(value.slice(1, -1))}${first}`;
  else if (first === '[') hidden = `[${REDACTED}]`;
  else hidden = keepScheme(value.trimEnd()) + value.slice(value.trimEnd().length);
  return `${quote}${name}${quote}${separator}${hidden}`;
}

function keepScheme(value: string): string {
  return (SCHEME.exec(value)?.[0] ?? '') + REDACTED;
}

function hideUserinfo(match: string, scheme: string, userinfo: string): string {
  const colon = userinfo.indexOf(':');
  return `${scheme}${colon >= 0 ? `${userinfo.slice(0, colon)}:` : ''}${REDACTED}@`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
