// Normalises organization identifiers so "12-3456789", "123456789" and "23456789" (lost zero) meet.

/**
 * Digits-only EINs (with or without the hyphen) become 9 digits with leading zeros restored.
 * Anything else is returned trimmed but otherwise untouched, so callers may use their own ids.
 */
export function normaliseEin(ein: string): string {
  const trimmed = ein.trim();
  const digits = trimmed.replace(/^(\d{2})-(\d{7})$/, '$1$2');
  return /^\d{1,9}$/.test(digits) ? digits.padStart(9, '0') : trimmed;
}
