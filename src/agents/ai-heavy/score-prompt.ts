// Builds the chat messages that ask a model to score candidates against a profile as strict JSON.
import type { CandidateOrganization, GrantProfile } from '../profile';
import type { ChatMessage } from './chat-completion-types';

const SYSTEM_PROMPT = [
  'You are a grant research analyst. Score how well each candidate organization fits the nonprofit',
  'profile as a funding prospect or partner, from 0 (no fit) to 100 (excellent fit). Weigh mission and',
  'NTEE focus-area alignment most, then geography (target states), then financial capacity relative to',
  "the profile's revenue range.",
  'Reply with only a JSON object, no prose and no code fences, of exactly this form:',
  '{"scores": [{"ein": "<the candidate ein exactly as given>", "score": <integer 0-100>, "rationale": "<one or two sentences>"}]}',
  'Include exactly one entry per candidate and no other eins.',
].join('\n');

/**
 * The profile and candidates go in the user message as JSON data (not prose), which keeps
 * names containing quotes or instructions from being read as part of the task.
 */
export function buildScoringMessages(profile: GrantProfile, candidates: CandidateOrganization[]): ChatMessage[] {
  const data = {
    profile: {
      name: profile.name,
      organization: profile.organization,
      mission: profile.mission,
      focus_areas: profile.focus_areas,
      states: profile.states,
      revenue_min: profile.revenue_min ?? null,
      revenue_max: profile.revenue_max ?? null,
    },
    candidates: candidates.map((c) => ({
      ein: c.ein,
      name: c.name,
      city: c.city ?? null,
      state: c.state ?? null,
      ntee_code: c.ntee_code ?? null,
      revenue_amount: c.revenue_amount ?? null,
      asset_amount: c.asset_amount ?? null,
    })),
  };
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: JSON.stringify(data) },
  ];
}
