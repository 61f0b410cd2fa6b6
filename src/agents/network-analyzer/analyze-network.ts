// Analyses the board-interlock network: centralities, shared people, clusters and paths to candidates.
import { betweennessCentrality } from './betweenness';
import { connectedClusters } from './clusters';
import { normaliseEin } from './ein';
import {
  buildOrganizationGraph,
  neighboursOf,
  type BoardMember,
  type OrganizationRef,
} from './organization-graph';
import { shortestPathsFrom, type NetworkPath } from './shortest-path';

export interface NetworkInput {
  organizations: OrganizationRef[];
  board_members: BoardMember[];
  /** The profile's own organization; when given, paths to the candidates are computed. */
  profile_ein?: string | null;
  /** Organizations to find paths to; defaults to every other organization in the network. */
  candidate_eins?: string[];
}

/** A person on at least two boards. */
export interface SharedPerson {
  person: string;
  /** Normalised name the matching was done on. */
  key: string;
  organizations: { ein: string; role: string | null }[];
}

export interface OrganizationNetworkStats {
  ein: string;
  name: string | null;
  /** People listed on this organization's board. */
  board_size: number;
  /** Number of distinct organizations sharing at least one person with this one. */
  degree: number;
  /** degree / (n - 1); 0 when the network has one organization. */
  degree_centrality: number;
  /** Brandes betweenness, normalised by (n-1)(n-2)/2 (networkx default for undirected graphs). */
  betweenness_centrality: number;
  /** People on this board who also serve elsewhere, with the other organizations. */
  shared_people: { person: string; key: string; other_organizations: string[] }[];
  /** Index into `clusters`. */
  cluster: number;
}

export interface NetworkLink {
  source: string;
  target: string;
  people: string[];
}

export interface NetworkCluster {
  id: number;
  size: number;
  members: { ein: string; name: string | null }[];
}

export interface CandidatePath {
  candidate_ein: string;
  path: NetworkPath | null;
}

export interface NetworkAnalysis {
  /** Most central first: betweenness desc, then degree desc, then EIN asc. */
  organizations: OrganizationNetworkStats[];
  /** One entry per linked pair, source < target. */
  links: NetworkLink[];
  /** People on two or more boards, most boards first. */
  shared_people: SharedPerson[];
  /** Connected components, largest first. */
  clusters: NetworkCluster[];
  /** Null when no profile_ein was given. */
  paths: CandidatePath[] | null;
  /** Board-member rows ignored for an empty EIN or an empty person name. */
  skipped_board_members: number;
}

/** Pure and synchronous: everything is computed in memory from the inputs. */
export function analyzeNetwork(input: NetworkInput): NetworkAnalysis {
  const graph = buildOrganizationGraph(input.organizations, input.board_members);
  const n = graph.nodes.length;
  const betweenness = betweennessCentrality(graph);
  const clusterLists = connectedClusters(graph);
  const clusterOf = new Map<string, number>();
  clusterLists.forEach((members, id) => members.forEach((ein) => clusterOf.set(ein, id)));

  const sharedPeople: SharedPerson[] = [...graph.people.values()]
    .filter((p) => p.seats.length > 1)
    .map((p) => ({ person: p.person, key: p.key, organizations: p.seats.map((s) => ({ ...s })) }))
    .sort((a, b) => b.organizations.length - a.organizations.length || compare(a.key, b.key));

  const sharedByOrg = new Map<string, OrganizationNetworkStats['shared_people']>(graph.nodes.map((e) => [e, []]));
  for (const p of sharedPeople) {
    const eins = p.organizations.map((o) => o.ein);
    for (const ein of eins) {
      sharedByOrg.get(ein)?.push({ person: p.person, key: p.key, other_organizations: eins.filter((e) => e !== ein) });
    }
  }

  const organizations: OrganizationNetworkStats[] = graph.nodes
    .map((ein) => {
      const degree = neighboursOf(graph, ein).length;
      return {
        ein,
        name: graph.names.get(ein) ?? null,
        board_size: graph.boardSize.get(ein) ?? 0,
        degree,
        degree_centrality: n > 1 ? degree / (n - 1) : 0,
        betweenness_centrality: betweenness.get(ein) ?? 0,
        shared_people: sharedByOrg.get(ein) ?? [],
        cluster: clusterOf.get(ein) as number,
      };
    })
    .sort(
      (a, b) =>
        b.betweenness_centrality - a.betweenness_centrality || b.degree - a.degree || compare(a.ein, b.ein),
    );

  const links: NetworkLink[] = [];
  for (const source of graph.nodes) {
    for (const [target, people] of graph.links.get(source) ?? []) {
      if (source < target) links.push({ source, target, people: [...people] });
    }
  }
  links.sort((a, b) => compare(a.source, b.source) || compare(a.target, b.target));

  const clusters: NetworkCluster[] = clusterLists.map((members, id) => ({
    id,
    size: members.length,
    members: members.map((ein) => ({ ein, name: graph.names.get(ein) ?? null })),
  }));

  let paths: CandidatePath[] | null = null;
  if (input.profile_ein !== undefined && input.profile_ein !== null && input.profile_ein.trim() !== '') {
    const profile = normaliseEin(input.profile_ein);
    const candidates = input.candidate_eins
      ? [...new Set(input.candidate_eins.map(normaliseEin))]
      : graph.nodes.filter((e) => e !== profile);
    const found = shortestPathsFrom(graph, profile, candidates);
    paths = candidates.map((candidate_ein) => ({ candidate_ein, path: found.get(candidate_ein) ?? null }));
  }

  return {
    organizations,
    links,
    shared_people: sharedPeople,
    clusters,
    paths,
    skipped_board_members: graph.skippedBoardMembers,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
