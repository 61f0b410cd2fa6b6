// Breadth-first shortest paths from the profile's organization to each candidate.
import { neighboursOf, type OrganizationGraph } from './organization-graph';

export interface PathHop {
  from: string;
  to: string;
  /** The people who sit on both boards, display names sorted. */
  people: string[];
}

export interface NetworkPath {
  /** EINs from the profile's organization to the candidate, both included. */
  eins: string[];
  hops: PathHop[];
  /** Number of hops (0 when the candidate is the profile's organization). */
  length: number;
}

/**
 * One BFS from `from` reaches every node; each path is rebuilt from the parent links.
 * Neighbours are visited in id order, so among equally short paths the one through the
 * smallest ids is returned, every time. Null when the target is unreachable or unknown.
 */
export function shortestPathsFrom(graph: OrganizationGraph, from: string, targets: string[]): Map<string, NetworkPath | null> {
  const parent = new Map<string, string | null>();
  if (graph.links.has(from)) {
    parent.set(from, null);
    const queue = [from];
    for (let head = 0; head < queue.length; head++) {
      const v = queue[head] as string;
      for (const w of neighboursOf(graph, v)) {
        if (!parent.has(w)) {
          parent.set(w, v);
          queue.push(w);
        }
      }
    }
  }

  const result = new Map<string, NetworkPath | null>();
  for (const target of targets) {
    if (!parent.has(target)) {
      result.set(target, null);
      continue;
    }
    const eins: string[] = [];
    for (let at: string | null = target; at !== null; at = parent.get(at) ?? null) eins.push(at);
    eins.reverse();
    const hops: PathHop[] = [];
    for (let i = 0; i + 1 < eins.length; i++) {
      const a = eins[i] as string;
      const b = eins[i + 1] as string;
      hops.push({ from: a, to: b, people: [...(graph.links.get(a)?.get(b) ?? [])] });
    }
    result.set(target, { eins, hops, length: hops.length });
  }
  return result;
}
