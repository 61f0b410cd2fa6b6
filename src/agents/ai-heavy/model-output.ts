// Parses and strictly validates the model's JSON scores against the candidates that were asked about.
import type { CandidateOrganization } from '../profile';
import type { CandidateScore } from './candidate-score';
import { InvalidModelOutputError } from './errors';

const MAX_CONTENT_IN_ERROR = 2000;

/**
 * Accepts exactly `{"scores": [{"ein", "score", "rationale"}, ...]}` with one entry per
 * candidate. Rejected (InvalidModelOutputError listing every problem): text that is not JSON
 * (code fences included), a missing `scores` array, an entry without a string rationale or a
 * finite numeric score (a string "85" is rejected), an EIN not among the candidates, a
 * duplicated EIN, a candidate left out. Tolerated: an EIN given as a JSON number (leading zeros
 * are restored by padding to nine digits) or with a hyphen; extra fields. Scores outside 0..100
 * are clamped, not rejected.
 */
export function parseModelScores(
  content: string | null,
  candidates: CandidateOrganization[],
  context: { model: string; finishReason: string | null },
): CandidateScore[] {
  const problems: string[] = [];
  const fail = (): never => {
    throw new InvalidModelOutputError(problems, content === null ? null : content.slice(0, MAX_CONTENT_IN_ERROR), context.model);
  };
  if (context.finishReason === 'length') problems.push('the reply was cut off at the token limit (finish_reason=length)');
  if (content === null || content.trim() === '') {
    problems.push('the reply has no content');
    return fail();
  }

  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (err) {
    problems.push(`the reply is not valid JSON (${(err as Error).message})`);
    return fail();
  }
  if (!isObject(json) || !Array.isArray(json.scores)) {
    problems.push('the reply is not an object with a "scores" array');
    return fail();
  }

  const byEin = new Map(candidates.map((c) => [c.ein, c]));
  const seen = new Map<string, CandidateScore>();
  json.scores.forEach((entry: unknown, i: number) => {
    if (!isObject(entry)) {
      problems.push(`scores[${i}] is not an object`);
      return;
    }
    const ein = readEin(entry.ein);
    if (ein === null) {
      problems.push(`scores[${i}].ein is missing or not an EIN`);
      return;
    }
    const candidate = byEin.get(ein);
    if (!candidate) {
      problems.push(`scores[${i}].ein ${ein} is not one of the candidates`);
      return;
    }
    if (seen.has(ein)) {
      problems.push(`ein ${ein} is scored more than once`);
      return;
    }
    if (typeof entry.score !== 'number' || !Number.isFinite(entry.score)) {
      problems.push(`scores[${i}].score for ${ein} is not a number`);
      return;
    }
    if (typeof entry.rationale !== 'string') {
      problems.push(`scores[${i}].rationale for ${ein} is not a string`);
      return;
    }
    seen.set(ein, {
      ein,
      name: candidate.name,
      score: Math.min(100, Math.max(0, entry.score)),
      rationale: entry.rationale.trim(),
    });
  });
  const missing = candidates.filter((c) => !seen.has(c.ein)).map((c) => c.ein);
  if (missing.length > 0) problems.push(`no score for ${missing.length} candidate(s): ${missing.slice(0, 10).join(', ')}`);
  if (problems.length > 0) return fail();
  return [...seen.values()];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readEin(value: unknown): string | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1e9) return String(value).padStart(9, '0');
  if (typeof value !== 'string') return null;
  const digits = value.trim().replace(/^(\d{2})-(\d{7})$/, '$1$2');
  return digits === '' ? null : digits;
}
