// `network_analyzer`: the builtin agent that analyses board interlocks among organizations (given, or from the board-members file).
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { PermanentAgentError } from '../modules/agents/agent-errors';
import type { BuiltinAgent } from '../modules/agents/builtin-agent';
import { parseAgentInput } from './agent-input-schemas';
import {
  analyzeNetwork,
  BoardMembersFileError,
  loadBoardMembers,
  normaliseEin,
  type BoardMember,
  type NetworkAnalysis,
  type OrganizationRef,
} from './network-analyzer';

export const NETWORK_ANALYZER_AGENT_ID = 'network_analyzer';

/** Betweenness is O(nodes × links); beyond this a single task would hold a worker for minutes. */
export const MAX_NETWORK_ORGANIZATIONS = 5000;

export interface NetworkAnalyzerAgentOptions {
  /** The board-members JSON file (config: domain.boardMembersPath). */
  boardMembersPath: string;
}

// Organization entries are not strict: bmf_filter output (city, revenue_amount, ...) is accepted as is.
const analyzeInputSchema = z.strictObject({
  organizations: z
    .array(z.object({ ein: z.string().trim().min(1, 'must be a non-empty EIN'), name: z.string().nullish() }))
    .max(MAX_NETWORK_ORGANIZATIONS)
    .nullish(),
  board_members: z
    .array(z.object({ ein: z.string(), person: z.string(), role: z.string().nullish() }))
    .nullish(),
  profile_ein: z.string().nullish(),
  candidate_eins: z.array(z.string().trim().min(1)).nullish(),
});

/**
 * Action `analyze`. Input `{ organizations?, board_members?, profile_ein?, candidate_eins? }`.
 * With `board_members` given, they are analysed as they are. Without them, the board-members
 * file is read and restricted to the given organizations plus `profile_ein` (the whole file
 * when no organizations are given), so interlocks with organizations outside that set are not
 * reported. Output: NetworkAnalysis (`paths` is null without a profile_ein).
 *
 * Failures: bad input, or a missing/unreadable board-members file, throw PermanentAgentError;
 * an aborted call rethrows the signal's reason.
 */
export function createNetworkAnalyzerAgent(opts: NetworkAnalyzerAgentOptions): BuiltinAgent {
  return {
    config: {
      id: NETWORK_ANALYZER_AGENT_ID,
      name: 'Network analyzer',
      capabilities: ['network_analyzer', 'network_analysis'],
      endpoint: `builtin://${NETWORK_ANALYZER_AGENT_ID}`,
      version: '1.0.0',
      health_check_url: '',
      metadata: { description: 'Finds board interlocks, central organizations and paths to candidates' },
    },
    async execute({ action, input, signal }): Promise<NetworkAnalysis> {
      if (action !== 'analyze') {
        throw new PermanentAgentError(`${NETWORK_ANALYZER_AGENT_ID} has no action "${action}" (analyze)`, {
          agentId: NETWORK_ANALYZER_AGENT_ID,
        });
      }
      const args = parseAgentInput(NETWORK_ANALYZER_AGENT_ID, analyzeInputSchema, input ?? {});
      const given: OrganizationRef[] = (args.organizations ?? []).map((o) => ({ ein: o.ein, name: o.name ?? null }));
      const profileEin = args.profile_ein?.trim() ? args.profile_ein : null;

      let organizations = given;
      let boardMembers: BoardMember[];
      if (args.board_members) {
        boardMembers = args.board_members;
      } else {
        const file = await loadFile(opts.boardMembersPath, signal);
        const wanted = args.organizations ? new Set(given.map((o) => normaliseEin(o.ein))) : null;
        if (wanted && profileEin) wanted.add(normaliseEin(profileEin));
        const keep = (ein: string): boolean => wanted === null || wanted.has(normaliseEin(ein));
        boardMembers = file.board_members.filter((m) => keep(m.ein));
        // Given names first: the graph keeps the first non-empty name; the file fills the gaps.
        organizations = [...given, ...file.organizations.filter((o) => keep(o.ein))];
      }
      signal.throwIfAborted();
      return analyzeNetwork({
        organizations,
        board_members: boardMembers,
        profile_ein: profileEin,
        candidate_eins: args.candidate_eins ?? undefined,
      });
    },
    async health() {
      try {
        await stat(opts.boardMembersPath);
        return { healthy: true, message: `board members at ${opts.boardMembersPath}` };
      } catch {
        return { healthy: false, message: `board-members file not found at ${opts.boardMembersPath}` };
      }
    },
  };
}

async function loadFile(path: string, signal: AbortSignal): ReturnType<typeof loadBoardMembers> {
  try {
    return await loadBoardMembers(path, { signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof BoardMembersFileError) {
      throw new PermanentAgentError(`${err.message} (check BOARD_MEMBERS_PATH)`, { agentId: NETWORK_ANALYZER_AGENT_ID });
    }
    throw err;
  }
}
