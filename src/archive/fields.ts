/**
 * Splits one decoded CSV record into its fields (RFC 4180: quoted fields, doubled quotes, commas
 * and newlines inside quotes). Used only where a filter needs field values; splitting itself
 * copies bytes without parsing.
 */

/** The fields of one record; a trailing CRLF or LF is ignored. */
export function parseRecordFields(record: string): string[] {
  const text = record.endsWith('\r\n') ? record.slice(0, -2) : record.endsWith('\n') ? record.slice(0, -1) : record;
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) {
          value += text.slice(i);
          i = text.length;
          break;
        }
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      // Anything between the closing quote and the comma is kept, as lenient parsers do.
      const comma = text.indexOf(',', i);
      fields.push(value + (comma < 0 ? text.slice(i) : text.slice(i, comma)));
      if (comma < 0) return fields;
      i = comma + 1;
    } else {
      const comma = text.indexOf(',', i);
      if (comma < 0) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, comma));
      i = comma + 1;
    }
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

/** `decode(bytes[start, end))`; pure-ASCII fields (the usual filter columns) skip the native call. */
function text(bytes: Buffer, start: number, end: number, decode: (bytes: Buffer) => string): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b >= 0x80 || i - start > 32) return decode(bytes.subarray(start, end));
    s += String.fromCharCode(b);
  }
  return s;
}

/**
 * The fields of the record `bytes[start, end)` whose index is set in `wanted`, decoded with
 * `decode` (others stay undefined; fields past the record's end are ''). A plain byte loop that
 * stops after the last wanted field: a filter on the third column neither decodes nor splits the
 * rest of the record. Safe for UTF-8 and CP932, whose multibyte sequences never hold `"`, `,`, CR
 * or LF.
 */
export function pickFields(bytes: Buffer, start: number, end: number, wanted: readonly boolean[], decode: (bytes: Buffer) => string): Array<string | undefined> {
  let len = end;
  if (len > start && bytes[len - 1] === LF) len -= len - 1 > start && bytes[len - 2] === CR ? 2 : 1;
  const out: Array<string | undefined> = new Array(wanted.length);
  let i = start;
  for (let field = 0; field < wanted.length; field++) {
    if (i > len) {
      if (wanted[field]) out[field] = '';
      continue;
    }
    if (bytes[i] === QUOTE) {
      // A quoted field ends at a quote not followed by another; `""` inside stands for one quote.
      let j = i + 1;
      while (j < len && !(bytes[j] === QUOTE && bytes[j + 1] !== QUOTE)) j += bytes[j] === QUOTE ? 2 : 1;
      let stop = j + 1;
      while (stop < len && bytes[stop] !== COMMA) stop++;
      if (wanted[field]) {
        // Bytes between the closing quote and the comma are kept, as parseRecordFields does.
        const tail = j + 1 < stop ? text(bytes, j + 1, Math.min(stop, len), decode) : '';
        out[field] = text(bytes, i + 1, Math.min(j, len), decode).replaceAll('""', '"') + tail;
      }
      i = stop + 1;
    } else {
      let stop = i;
      while (stop < len && bytes[stop] !== COMMA) stop++;
      if (wanted[field]) out[field] = text(bytes, i, stop, decode);
      i = stop + 1;
    }
  }
  return out;
}
