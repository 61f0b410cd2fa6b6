// Brandes' betweenness centrality for an unweighted, undirected graph, normalised like networkx.
import { neighboursOf, type OrganizationGraph } from './organization-graph';

/**
 * For each node v: the sum over unordered pairs {s, t} (s, t ≠ v) of the fraction of shortest
 * s–t paths that pass through v, divided by the number of such pairs, (n-1)(n-2)/2 — the
 * same value as networkx `betweenness_centrality(G, normalized=True)` on an undirected graph.
 * Graphs with fewer than three nodes have no such pairs: every value is 0.
 *
 * Brandes (2001): one BFS per source counts shortest paths (sigma), then dependencies are
 * accumulated in reverse BFS order. Each unordered pair is seen from both ends, hence the /2.
 * O(V·E) time, O(V+E) memory.
 */
export function betweennessCentrality(graph: OrganizationGraph): Map<string, number> {
  const { nodes } = graph;
  const n = nodes.length;
  const raw = new Map<string, number>(nodes.map((v) => [v, 0]));
  const adjacency = new Map(nodes.map((v) => [v, neighboursOf(graph, v)]));

  for (const s of nodes) {
    const stack: string[] = [];
    const predecessors = new Map<string, string[]>(nodes.map((v) => [v, []]));
    const sigma = new Map<string, number>(nodes.map((v) => [v, 0]));
    const distance = new Map<string, number>(nodes.map((v) => [v, -1]));
    sigma.set(s, 1);
    distance.set(s, 0);
    const queue: string[] = [s];
    for (let head = 0; head < queue.length; head++) {
      const v = queue[head] as string;
      stack.push(v);
      const dv = distance.get(v) as number;
      for (const w of adjacency.get(v) as string[]) {
        if ((distance.get(w) as number) < 0) {
          distance.set(w, dv + 1);
          queue.push(w);
        }
        if (distance.get(w) === dv + 1) {
          sigma.set(w, (sigma.get(w) as number) + (sigma.get(v) as number));
          (predecessors.get(w) as string[]).push(v);
        }
      }
    }
    const delta = new Map<string, number>(nodes.map((v) => [v, 0]));
    while (stack.length > 0) {
      const w = stack.pop() as string;
      const coefficient = (1 + (delta.get(w) as number)) / (sigma.get(w) as number);
      for (const v of predecessors.get(w) as string[]) {
        delta.set(v, (delta.get(v) as number) + (sigma.get(v) as number) * coefficient);
      }
      if (w !== s) raw.set(w, (raw.get(w) as number) + (delta.get(w) as number));
    }
  }

  const pairs = ((n - 1) * (n - 2)) / 2;
  const result = new Map<string, number>();
  for (const v of nodes) result.set(v, pairs > 0 ? (raw.get(v) as number) / 2 / pairs : 0);
  return result;
}
