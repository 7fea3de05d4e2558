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
