// Splits one CSV line into fields (RFC 4180 quoting: commas inside quotes, doubled quotes).

/**
 * Parses a single physical line. BMF records never span lines, so a quote left open at the end
 * of the line means the row is broken: we return null (the caller counts it as malformed)
 * rather than swallowing the following lines the way a multi-line CSV parser would.
 *
 * Accepted: `a,"b, c","say ""hi"""` → ["a", "b, c", "say \"hi\""]. Text after a closing quote
 * and before the next comma (`"ab"c`) is also treated as malformed.
 */
export function parseCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (i < n && line.charCodeAt(i) === 34 /* " */) {
      // Quoted field: read until a lone closing quote.
      let value = '';
      i += 1;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close === -1) return null; // unterminated quote
        value += line.slice(i, close);
        if (line.charCodeAt(close + 1) === 34) {
          value += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      fields.push(value);
      if (i === n) return fields;
      if (line.charCodeAt(i) !== 44 /* , */) return null; // garbage after closing quote
      i += 1;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? n : comma;
      const value = line.slice(i, end);
      if (value.includes('"')) return null; // a bare quote inside an unquoted field
      fields.push(value);
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}
