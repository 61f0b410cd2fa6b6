// Public surface of the network_analyzer agent.
export {
  analyzeNetwork,
  type CandidatePath,
  type NetworkAnalysis,
  type NetworkCluster,
  type NetworkInput,
  type NetworkLink,
  type OrganizationNetworkStats,
  type SharedPerson,
} from './analyze-network';
export type { BoardMember, OrganizationRef } from './organization-graph';
export type { NetworkPath, PathHop } from './shortest-path';
export { loadBoardMembers, type BoardMembersData } from './board-members-file';
export { BoardMembersFileError } from './errors';
export { normalisePersonName } from './person-name';
export { normaliseEin } from './ein';
