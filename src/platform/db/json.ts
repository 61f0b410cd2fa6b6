// JSON columns are text on both databases; this parses them with a clear error on corruption.

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`corrupt JSON column value: ${text.slice(0, 80)}`);
  }
}
