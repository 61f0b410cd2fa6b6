// Splits the organization graph into connected clusters (components).
import { neighboursOf, type OrganizationGraph } from './organization-graph';

/**
 * Components as sorted id lists, largest first; equal sizes are ordered by their smallest id.
 * Organizations that share nobody form clusters of one.
 */
export function connectedClusters(graph: OrganizationGraph): string[][] {
  const seen = new Set<string>();
  const clusters: string[][] = [];
  for (const start of graph.nodes) {
    if (seen.has(start)) continue;
    seen.add(start);
    const members: string[] = [];
    const queue = [start];
    for (let head = 0; head < queue.length; head++) {
      const v = queue[head] as string;
      members.push(v);
      for (const w of neighboursOf(graph, v)) {
        if (!seen.has(w)) {
          seen.add(w);
          queue.push(w);
        }
      }
    }
    clusters.push(members.sort());
  }
  // graph.nodes is sorted, so clusters are discovered in order of their smallest id; a stable
  // sort by size keeps that order among equals.
  return clusters.sort((a, b) => b.length - a.length);
}
