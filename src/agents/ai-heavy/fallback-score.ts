// Deterministic candidate scoring from NTEE overlap, geography and revenue fit, for use without a model.
import type { CandidateOrganization, GrantProfile } from '../profile';
import { byScoreDescending, type CandidateScore, type ScoreFactors, type ScoringResult } from './candidate-score';

/** Relative weight of each factor in the 0..100 score; NTEE fit matters most. */
export const FALLBACK_WEIGHTS: Readonly<ScoreFactors> = { ntee: 50, geography: 25, revenue: 25 };

/**
 * Scores one candidate. Each factor is 0..1; score = round(50·ntee + 25·geography + 25·revenue).
 * A profile with no preference on a factor (no focus areas, no states, no revenue bounds) gives
 * every candidate 1 for it; a candidate missing the data (no NTEE code, state or revenue) gets 0.
 */
export function fallbackScore(
  profile: GrantProfile,
  candidate: CandidateOrganization,
): { score: number; rationale: string; factors: ScoreFactors } {
  const ntee = nteeFit(profile.focus_areas, candidate.ntee_code ?? null);
  const geography = geographyFit(profile.states, candidate.state ?? null);
  const revenue = revenueFit(profile.revenue_min ?? null, profile.revenue_max ?? null, candidate.revenue_amount ?? null);
  const factors = { ntee: ntee.value, geography: geography.value, revenue: revenue.value };
  const score = Math.round(
    FALLBACK_WEIGHTS.ntee * factors.ntee + FALLBACK_WEIGHTS.geography * factors.geography + FALLBACK_WEIGHTS.revenue * factors.revenue,
  );
  const sentence = [ntee.reason, geography.reason, revenue.reason].join('; ');
  return { score, rationale: sentence.charAt(0).toUpperCase() + sentence.slice(1) + '.', factors };
}

/** Scores every candidate with `fallbackScore`, best first; marked degraded with no model. */
export function fallbackScores(profile: GrantProfile, candidates: CandidateOrganization[]): ScoringResult {
  const scores: CandidateScore[] = candidates.map((c) => ({ ein: c.ein, name: c.name, ...fallbackScore(profile, c) }));
  return { scores: scores.sort(byScoreDescending), model: null, degraded: true };
}

interface Fit {
  value: number;
  reason: string;
}

function nteeFit(focusAreas: string[], rawCode: string | null): Fit {
  const areas = focusAreas.map((a) => a.trim().toUpperCase()).filter((a) => a !== '');
  if (areas.length === 0) return { value: 1, reason: 'the profile lists no focus areas' };
  const code = rawCode?.trim().toUpperCase() ?? '';
  if (code === '') return { value: 0, reason: 'no NTEE code on file' };
  // A one-letter focus area names the whole major group, so any code in it is a full match.
  const exact = areas.find((a) => code.startsWith(a));
  if (exact) return { value: 1, reason: `NTEE ${code} matches focus area ${exact}` };
  const sameMajor = areas.find((a) => a[0] === code[0]);
  if (sameMajor) return { value: 0.5, reason: `NTEE ${code} is in the same major group as focus area ${sameMajor}` };
  return { value: 0, reason: `NTEE ${code} is outside the focus areas (${areas.join(', ')})` };
}

function geographyFit(states: string[], rawState: string | null): Fit {
  const targets = states.map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  if (targets.length === 0) return { value: 1, reason: 'the profile has no state preference' };
  const state = rawState?.trim().toUpperCase() ?? '';
  if (state === '') return { value: 0, reason: 'state unknown' };
  if (targets.includes(state)) return { value: 1, reason: `located in ${state}, a target state` };
  return { value: 0, reason: `located in ${state}, outside the target states (${targets.join(', ')})` };
}

/**
 * Inside [min, max] → 1. Outside, the fit decays with the order-of-magnitude distance to the
 * nearest bound: 1 + log10(revenue/min) below, 1 + log10(max/revenue) above, floored at 0 —
 * so half the minimum scores ≈0.7 and a tenth of it scores 0.
 */
function revenueFit(min: number | null, max: number | null, revenue: number | null): Fit {
  if (min === null && max === null) return { value: 1, reason: 'the profile has no revenue range' };
  if (revenue === null) return { value: 0, reason: 'revenue unknown' };
  const range = `${min === null ? 'any' : money(min)}–${max === null ? 'any' : money(max)}`;
  if (min !== null && revenue < min) {
    const value = revenue <= 0 || min <= 0 ? 0 : clamp01(1 + Math.log10(revenue / min));
    return { value: round2(value), reason: `revenue ${money(revenue)} is below the target range (${range})` };
  }
  if (max !== null && revenue > max) {
    const value = max <= 0 ? 0 : clamp01(1 + Math.log10(max / revenue));
    return { value: round2(value), reason: `revenue ${money(revenue)} is above the target range (${range})` };
  }
  return { value: 1, reason: `revenue ${money(revenue)} is within the target range (${range})` };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** $950, $45K, $1.2M, $3.4B — enough precision for a rationale. */
function money(amount: number): string {
  const abs = Math.abs(amount);
  const sign = amount < 0 ? '-' : '';
  const fmt = (v: number, suffix: string): string => `${sign}$${Number(v.toFixed(v < 10 ? 1 : 0))}${suffix}`;
  if (abs >= 1e9) return fmt(abs / 1e9, 'B');
  if (abs >= 1e6) return fmt(abs / 1e6, 'M');
  if (abs >= 1e3) return fmt(abs / 1e3, 'K');
  return `${sign}$${Math.round(abs)}`;
}
