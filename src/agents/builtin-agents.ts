// The builtin agents this codebase ships, registered at start-up by every process type.

import type { BuiltinAgent } from '../modules/agents/builtin-agent';
import type { Platform } from '../processes/platform';
import { createAiHeavyAgent } from './ai-heavy-agent';
import { createBmfFilterAgent } from './bmf-filter-agent';
import { createEchoAgent } from './echo-agent';
import { createNetworkAnalyzerAgent } from './network-analyzer-agent';

export interface BuiltinAgentsOptions {
  /** Feature-flag lookup (services.flags.isEnabled); without it every flag is off. */
  isEnabled?: (flag: string, context: { user_id?: string }) => boolean;
}

export function builtinAgents(platform: Platform, opts: BuiltinAgentsOptions = {}): BuiltinAgent[] {
  const { domain } = platform.config;
  return [
    createEchoAgent(),
    createBmfFilterAgent({ dataPath: domain.bmfDataPath }),
    createNetworkAnalyzerAgent({ boardMembersPath: domain.boardMembersPath }),
    createAiHeavyAgent({ ai: domain.ai, isEnabled: opts.isEnabled ?? ((): boolean => false) }),
  ];
}
