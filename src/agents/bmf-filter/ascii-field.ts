// Reads a CSV field from its bytes the way the string path would after `trim()`, or says it cannot be sure.
//
// JavaScript's trim() strips six ASCII bytes (tab, LF, VT, FF, CR, space) and a dozen non-ASCII
// spaces. A field whose trimmed bytes are all ASCII reads the same as its decoded, trimmed text;
// anything else is left to the string path (the answer is `undefined`: not sure).

/** A byte range of a field, filled by trimAscii. */
export interface TrimmedRange {
  start: number;
  end: number;
}

export function isAsciiSpace(b: number): boolean {
  return b === 32 || (b >= 9 && b <= 13);
}

/** Trims ASCII whitespace into `out`; false when the trimmed bytes hold a non-ASCII byte. */
export function trimAscii(buf: Buffer, start: number, end: number, out: TrimmedRange): boolean {
  while (start < end && isAsciiSpace(buf[start]!)) start++;
  while (end > start && isAsciiSpace(buf[end - 1]!)) end--;
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  out.start = start;
  out.end = end;
  return true;
}

/** A two-byte code as one number (`"VA"` → 0x5641), the form the byte filters compare. */
export function twoByteCode(text: string): number {
  return (text.charCodeAt(0) << 8) | text.charCodeAt(1);
}

/**
 * The amount parseAmount would read from the trimmed bytes when that is certain: null for an
 * empty field, the value for an optional minus and at most 15 digits (exact in a double),
 * undefined otherwise (decimals, long numbers, text: the string path decides).
 */
export function asciiAmount(buf: Buffer, r: TrimmedRange): number | null | undefined {
  let i = r.start;
  const end = r.end;
  if (i === end) return null;
  const negative = buf[i] === 45; /* - */
  if (negative) i++;
  if (i === end || end - i > 15) return undefined;
  let value = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
  }
  return negative ? -value : value;
}
