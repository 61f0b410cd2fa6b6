// Builds the undirected graph of organizations linked by the people who serve on both boards.
import { normaliseEin } from './ein';
import { displayPersonName, normalisePersonName } from './person-name';

export interface BoardMember {
  ein: string;
  person: string;
  role?: string | null;
}

export interface OrganizationRef {
  ein: string;
  name?: string | null;
}

/** One person (by normalised key) and every organization where they serve, with their role there. */
export interface PersonSeats {
  key: string;
  /** The first spelling seen, whitespace tidied. */
  person: string;
  seats: { ein: string; role: string | null }[];
}

/**
 * Nodes are sorted by id so every traversal (and therefore every tie-break) is deterministic.
 * `links.get(a).get(b)` lists the display names of the people shared by a and b, sorted.
 */
export interface OrganizationGraph {
  nodes: string[];
  names: Map<string, string | null>;
  boardSize: Map<string, number>;
  links: Map<string, Map<string, string[]>>;
  people: Map<string, PersonSeats>;
  /** Board-member rows dropped for an empty EIN or a name with no letters/digits. */
  skippedBoardMembers: number;
}

/**
 * Every organization listed, and every EIN that appears only in board_members, becomes a node.
 * A person listed twice for one organization counts once there (the first role is kept).
 */
export function buildOrganizationGraph(organizations: OrganizationRef[], boardMembers: BoardMember[]): OrganizationGraph {
  const names = new Map<string, string | null>();
  for (const org of organizations) {
    const ein = normaliseEin(org.ein);
    if (ein === '') continue;
    if (!names.has(ein) || names.get(ein) === null) names.set(ein, org.name?.trim() || null);
  }

  const people = new Map<string, PersonSeats>();
  let skipped = 0;
  for (const row of boardMembers) {
    const ein = normaliseEin(row.ein);
    const key = normalisePersonName(row.person);
    if (ein === '' || key === '') {
      skipped += 1;
      continue;
    }
    if (!names.has(ein)) names.set(ein, null);
    let entry = people.get(key);
    if (!entry) {
      entry = { key, person: displayPersonName(row.person), seats: [] };
      people.set(key, entry);
    }
    if (!entry.seats.some((s) => s.ein === ein)) entry.seats.push({ ein, role: row.role?.trim() || null });
  }

  const nodes = [...names.keys()].sort();
  const links = new Map<string, Map<string, string[]>>(nodes.map((n) => [n, new Map()]));
  const boardSize = new Map<string, number>(nodes.map((n) => [n, 0]));
  for (const entry of people.values()) {
    entry.seats.sort((a, b) => (a.ein < b.ein ? -1 : a.ein > b.ein ? 1 : 0));
    for (const seat of entry.seats) boardSize.set(seat.ein, (boardSize.get(seat.ein) ?? 0) + 1);
    for (let i = 0; i < entry.seats.length; i++) {
      for (let j = i + 1; j < entry.seats.length; j++) {
        const a = (entry.seats[i] as { ein: string }).ein;
        const b = (entry.seats[j] as { ein: string }).ein;
        addShared(links, a, b, entry.person);
        addShared(links, b, a, entry.person);
      }
    }
  }
  for (const neighbours of links.values()) for (const shared of neighbours.values()) shared.sort();
  return { nodes, names, boardSize, links, people, skippedBoardMembers: skipped };
}

/** Neighbours of a node in id order. */
export function neighboursOf(graph: OrganizationGraph, node: string): string[] {
  return [...(graph.links.get(node)?.keys() ?? [])].sort();
}

function addShared(links: Map<string, Map<string, string[]>>, from: string, to: string, person: string): void {
  const neighbours = links.get(from) as Map<string, string[]>;
  const shared = neighbours.get(to);
  if (shared) shared.push(person);
  else neighbours.set(to, [person]);
}
