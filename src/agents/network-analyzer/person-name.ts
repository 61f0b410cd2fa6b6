// Turns a person's name as typed on a filing into a key that matches the same person on other filings.

const HONORIFICS = new Set(['dr', 'mr', 'mrs', 'ms', 'miss', 'mx', 'rev', 'hon', 'prof']);

/**
 * Lower-cases, strips accents, treats hyphens/underscores/slashes as spaces, drops other
 * punctuation (periods, apostrophes, commas), collapses whitespace and removes leading
 * honorifics ("Dr.", "Mrs."). So "Dr. Mary-Ann O'Neil" and "MARY ANN ONEIL" share a key.
 *
 * Deliberately NOT done, because each would merge different people or needs data we lack:
 * reordering "LAST, FIRST", dropping middle initials, dropping generational suffixes (Jr, III).
 * Returns "" for a name with no letters or digits; callers treat that as no person.
 */
export function normalisePersonName(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[-_/]+/g, ' ')
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .split(/\s+/)
    .filter((w) => w !== '');
  while (words.length > 1 && HONORIFICS.has(words[0] as string)) words.shift();
  return words.join(' ');
}

/** A readable version of the name as given: trimmed with single spaces. */
export function displayPersonName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}
