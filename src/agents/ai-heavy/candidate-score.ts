// The shape every scorer (model or fallback) returns, so callers can swap one for the other.

export interface ScoreFactors {
  /** 1 = NTEE code within a focus area, 0.5 = same major group only, 0 = no overlap or no code. */
  ntee: number;
  /** 1 = in a target state (or no state preference), 0 = elsewhere or unknown. */
  geography: number;
  /** 1 = revenue within the profile's range; falls to 0 at ten times outside it; 0 when unknown. */
  revenue: number;
}

export interface CandidateScore {
  ein: string;
  name: string;
  /** 0..100, higher is a better fit. */
  score: number;
  rationale: string;
  /** Present on fallback scores only: the model does not report factors. */
  factors?: ScoreFactors;
}

export interface ScoringResult {
  /** Best first; ties ordered by EIN. */
  scores: CandidateScore[];
  /** The model that answered, or null for the deterministic fallback. */
  model: string | null;
  /** True when the scores come from the fallback instead of a model. */
  degraded: boolean;
}

/** Score descending, then EIN ascending. */
export function byScoreDescending(a: CandidateScore, b: CandidateScore): number {
  return b.score - a.score || (a.ein < b.ein ? -1 : a.ein > b.ein ? 1 : 0);
}
