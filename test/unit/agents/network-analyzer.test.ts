// analyzeNetwork: centralities against hand-computed values, clusters, paths, name matching, file loading.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  analyzeNetwork,
  BoardMembersFileError,
  loadBoardMembers,
  normalisePersonName,
  type BoardMember,
  type NetworkAnalysis,
} from '../../../src/agents/network-analyzer';

const A = '000000001';
const B = '000000002';
const C = '000000003';
const D = '000000004';
const E = '000000005';

/** One invented person per edge, so the graph is exactly the given edge list. */
function boardFromEdges(edges: [string, string][]): BoardMember[] {
  return edges.flatMap(([x, y]) => [
    { ein: x, person: `Person ${x}-${y}` },
    { ein: y, person: `Person ${x}-${y}` },
  ]);
}

function statsOf(analysis: NetworkAnalysis): Map<string, { degree: number; dc: number; bc: number }> {
  return new Map(
    analysis.organizations.map((o) => [o.ein, { degree: o.degree, dc: o.degree_centrality, bc: o.betweenness_centrality }]),
  );
}

describe('analyzeNetwork centralities', () => {
  it('matches the hand computation on the path A-B-C-D', () => {
    /*
     * n = 4. Degrees A1 B2 C2 D1 → degree centrality (÷ n-1 = 3): 1/3, 2/3, 2/3, 1/3.
     * Shortest paths through an intermediate node: {A,C} via B; {A,D} via B and C; {B,D} via C.
     * Raw betweenness: B = 2 ({A,C},{A,D}), C = 2 ({A,D},{B,D}), A = D = 0.
     * Normalised by (n-1)(n-2)/2 = 3: B = C = 2/3 (networkx path_graph(4) gives 0.667 too).
     */
    const analysis = analyzeNetwork({
      organizations: [A, B, C, D].map((ein) => ({ ein })),
      board_members: boardFromEdges([[A, B], [B, C], [C, D]]),
    });
    const s = statsOf(analysis);
    expect(s.get(A)).toEqual({ degree: 1, dc: expect.closeTo(1 / 3, 10), bc: 0 });
    expect(s.get(B)).toEqual({ degree: 2, dc: expect.closeTo(2 / 3, 10), bc: expect.closeTo(2 / 3, 10) });
    expect(s.get(C)).toEqual({ degree: 2, dc: expect.closeTo(2 / 3, 10), bc: expect.closeTo(2 / 3, 10) });
    expect(s.get(D)).toEqual({ degree: 1, dc: expect.closeTo(1 / 3, 10), bc: 0 });
    // Most central first, ties by EIN.
    expect(analysis.organizations.map((o) => o.ein)).toEqual([B, C, A, D]);
  });

  it('matches the hand computation on a star with centre A and leaves B..E', () => {
    /*
     * n = 5. Centre degree 4 → 4/4 = 1; each leaf 1/4.
     * Every pair of leaves (C(4,2) = 6 pairs) has its only shortest path through A: raw 6,
     * normalised by (4·3)/2 = 6 → 1. Leaves lie on no shortest path: 0.
     */
    const s = statsOf(
      analyzeNetwork({
        organizations: [],
        board_members: boardFromEdges([[A, B], [A, C], [A, D], [A, E]]),
      }),
    );
    expect(s.get(A)).toEqual({ degree: 4, dc: 1, bc: expect.closeTo(1, 10) });
    for (const leaf of [B, C, D, E]) expect(s.get(leaf)).toEqual({ degree: 1, dc: 0.25, bc: 0 });
  });

  it('splits credit between equally short paths (4-cycle A-B-C-D-A)', () => {
    /*
     * {A,C} has two shortest paths (via B, via D): B and D get 1/2 each; likewise {B,D} gives
     * A and C 1/2 each. Raw 1/2 per node, normalised by 3 → 1/6 (networkx cycle_graph(4): 0.1667).
     */
    const s = statsOf(
      analyzeNetwork({ organizations: [], board_members: boardFromEdges([[A, B], [B, C], [C, D], [D, A]]) }),
    );
    for (const ein of [A, B, C, D]) expect(s.get(ein)?.bc).toBeCloseTo(1 / 6, 10);
  });

  it('agrees with a brute-force count of shortest paths on random graphs', () => {
    const ids = Array.from({ length: 7 }, (_, i) => String(i + 1).padStart(9, '0'));
    const edgeArb = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })).filter(([x, y]) => x !== y);
    fc.assert(
      fc.property(fc.array(edgeArb, { maxLength: 14 }), fc.integer({ min: 3, max: 7 }), (rawEdges, n) => {
        const nodes = ids.slice(0, n);
        const edges = rawEdges.filter(([x, y]) => x < n && y < n).map(([x, y]) => [nodes[x], nodes[y]] as [string, string]);
        const analysis = analyzeNetwork({ organizations: nodes.map((ein) => ({ ein })), board_members: boardFromEdges(edges) });
        const expected = bruteForceBetweenness(nodes, edges);
        for (const o of analysis.organizations) expect(o.betweenness_centrality).toBeCloseTo(expected.get(o.ein) as number, 9);
      }),
    );
  });
});

/** For every pair s<t and node v: σ_st(v)/σ_st where σ_st(v) = σ_sv·σ_vt when d(s,v)+d(v,t) = d(s,t). */
function bruteForceBetweenness(nodes: string[], edges: [string, string][]): Map<string, number> {
  const adj = new Map(nodes.map((v) => [v, new Set<string>()]));
  for (const [x, y] of edges) {
    adj.get(x)?.add(y);
    adj.get(y)?.add(x);
  }
  const bfs = (s: string): { dist: Map<string, number>; sigma: Map<string, number> } => {
    const dist = new Map([[s, 0]]);
    const sigma = new Map([[s, 1]]);
    const queue = [s];
    while (queue.length) {
      const v = queue.shift() as string;
      for (const w of adj.get(v) ?? []) {
        if (!dist.has(w)) {
          dist.set(w, (dist.get(v) as number) + 1);
          sigma.set(w, 0);
          queue.push(w);
        }
        if (dist.get(w) === (dist.get(v) as number) + 1) sigma.set(w, (sigma.get(w) as number) + (sigma.get(v) as number));
      }
    }
    return { dist, sigma };
  };
  const from = new Map(nodes.map((v) => [v, bfs(v)]));
  const n = nodes.length;
  const result = new Map(nodes.map((v) => [v, 0]));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = from.get(nodes[i] as string)!;
      const t = nodes[j] as string;
      const dst = s.dist.get(t);
      if (dst === undefined) continue;
      for (const v of nodes) {
        if (v === nodes[i] || v === t) continue;
        const dsv = s.dist.get(v);
        const dvt = from.get(v)!.dist.get(t);
        if (dsv === undefined || dvt === undefined || dsv + dvt !== dst) continue;
        const share = ((s.sigma.get(v) as number) * (from.get(v)!.sigma.get(t) as number)) / (s.sigma.get(t) as number);
        result.set(v, (result.get(v) as number) + share);
      }
    }
  }
  const pairs = ((n - 1) * (n - 2)) / 2;
  for (const v of nodes) result.set(v, pairs > 0 ? (result.get(v) as number) / pairs : 0);
  return result;
}

describe('analyzeNetwork structure', () => {
  const F = '000000006';
  const input = {
    organizations: [
      { ein: A, name: 'ALPHA FUND' },
      { ein: B, name: 'BETA TRUST' },
      { ein: C, name: 'GAMMA CLINIC' },
      { ein: D, name: 'DELTA SCHOOL' },
      { ein: E, name: 'EPSILON ARTS' },
      { ein: F, name: 'ZETA LONERS' },
    ],
    board_members: [
      { ein: A, person: 'Dr. Mary-Ann O’Neil', role: 'Chair' },
      { ein: B, person: 'MARY ANN ONEIL', role: 'Treasurer' },
      { ein: B, person: 'Sam  Lee' },
      { ein: C, person: 'sam lee.' },
      { ein: C, person: 'Mary Ann ONeil' },
      { ein: D, person: 'Kim Park' },
      { ein: E, person: 'KIM PARK' },
      { ein: F, person: 'Only Here' },
      { ein: F, person: 'Only Here' }, // listed twice on one board: no self-link
      { ein: A, person: ' ... ' }, // no name at all: skipped
    ],
  };

  it('links organizations through the same person written differently', () => {
    const analysis = analyzeNetwork(input);
    expect(analysis.links).toEqual([
      { source: A, target: B, people: ['Dr. Mary-Ann O’Neil'] },
      { source: A, target: C, people: ['Dr. Mary-Ann O’Neil'] },
      { source: B, target: C, people: ['Dr. Mary-Ann O’Neil', 'Sam Lee'] },
      { source: D, target: E, people: ['Kim Park'] },
    ]);
    expect(analysis.shared_people[0]).toEqual({
      person: 'Dr. Mary-Ann O’Neil',
      key: 'mary ann oneil',
      organizations: [
        { ein: A, role: 'Chair' },
        { ein: B, role: 'Treasurer' },
        { ein: C, role: null },
      ],
    });
    const beta = analysis.organizations.find((o) => o.ein === B);
    expect(beta?.shared_people).toEqual([
      { person: 'Dr. Mary-Ann O’Neil', key: 'mary ann oneil', other_organizations: [A, C] },
      { person: 'Sam Lee', key: 'sam lee', other_organizations: [C] },
    ]);
    expect(beta?.board_size).toBe(2);
    expect(analysis.organizations.find((o) => o.ein === F)).toMatchObject({ degree: 0, board_size: 1, shared_people: [] });
    expect(analysis.skipped_board_members).toBe(1);
  });

  it('returns connected clusters, largest first, isolated organizations as clusters of one', () => {
    const analysis = analyzeNetwork(input);
    expect(analysis.clusters.map((c) => c.members.map((m) => m.ein))).toEqual([[A, B, C], [D, E], [F]]);
    expect(analysis.clusters[1]).toEqual({
      id: 1,
      size: 2,
      members: [
        { ein: D, name: 'DELTA SCHOOL' },
        { ein: E, name: 'EPSILON ARTS' },
      ],
    });
    expect(analysis.organizations.find((o) => o.ein === E)?.cluster).toBe(1);
  });

  it('returns no paths unless a profile EIN is given', () => {
    expect(analyzeNetwork(input).paths).toBeNull();
  });

  it('finds the shortest path from the profile to each candidate, with the people on each hop', () => {
    const analysis = analyzeNetwork({
      organizations: [A, B, C, D].map((ein) => ({ ein })),
      board_members: [
        ...boardFromEdges([[A, B], [C, D]]),
        { ein: B, person: 'Bridge Person' },
        { ein: C, person: 'bridge person' },
        { ein: E, person: 'Nobody Else' },
      ],
      profile_ein: A,
      candidate_eins: [D, E, A, '999999999'],
    });
    expect(analysis.paths).toEqual([
      {
        candidate_ein: D,
        path: {
          eins: [A, B, C, D],
          length: 3,
          hops: [
            { from: A, to: B, people: [`Person ${A}-${B}`] },
            { from: B, to: C, people: ['Bridge Person'] },
            { from: C, to: D, people: [`Person ${C}-${D}`] },
          ],
        },
      },
      { candidate_ein: E, path: null },
      { candidate_ein: A, path: { eins: [A], hops: [], length: 0 } },
      { candidate_ein: '999999999', path: null },
    ]);
  });

  it('prefers the shorter route and, among equal ones, the route through smaller EINs', () => {
    const analysis = analyzeNetwork({
      organizations: [],
      board_members: boardFromEdges([[A, C], [A, B], [B, D], [C, D], [D, E], [A, E]]),
      profile_ein: A,
      candidate_eins: [D, E],
    });
    expect(analysis.paths?.map((p) => p.path?.eins)).toEqual([[A, B, D], [A, E]]);
  });

  it('defaults the candidates to every other organization and matches hyphenated or zero-less EINs', () => {
    const analysis = analyzeNetwork({
      organizations: [{ ein: '12-3456789' }, { ein: '23456789' }],
      board_members: [
        { ein: '123456789', person: 'Pat Doe' },
        { ein: '023456789', person: 'Pat Doe' },
      ],
      profile_ein: '12-3456789',
    });
    expect(analysis.paths).toEqual([
      { candidate_ein: '023456789', path: { eins: ['123456789', '023456789'], hops: [{ from: '123456789', to: '023456789', people: ['Pat Doe'] }], length: 1 } },
    ]);
  });

  it('gives null paths when the profile organization is not in the network', () => {
    const analysis = analyzeNetwork({ ...input, profile_ein: '999999999', candidate_eins: [A] });
    expect(analysis.paths).toEqual([{ candidate_ein: A, path: null }]);
  });

  it('handles empty input and a single organization', () => {
    expect(analyzeNetwork({ organizations: [], board_members: [] })).toEqual({
      organizations: [],
      links: [],
      shared_people: [],
      clusters: [],
      paths: null,
      skipped_board_members: 0,
    });
    const single = analyzeNetwork({ organizations: [{ ein: A }], board_members: [], profile_ein: A });
    expect(single.organizations).toEqual([
      { ein: A, name: null, board_size: 0, degree: 0, degree_centrality: 0, betweenness_centrality: 0, shared_people: [], cluster: 0 },
    ]);
    expect(single.paths).toEqual([]);
  });
});

describe('normalisePersonName', () => {
  it.each([
    ['Dr. Mary-Ann O’Neil', 'MARY ANN ONEIL'],
    ['  José   Núñez ', 'jose nunez'],
    ['Robert T. Chen', 'ROBERT T CHEN'],
    ['Mrs. Jane Doe', 'jane doe'],
  ])('gives %j and %j the same key', (a, b) => {
    expect(normalisePersonName(a)).toBe(normalisePersonName(b));
  });

  it.each([
    ['John Smith Jr.', 'John Smith'],
    ['Robert T. Chen', 'Robert Chen'],
    ['Smith, John', 'John Smith'],
  ])('keeps %j and %j apart (merging them could join two different people)', (a, b) => {
    expect(normalisePersonName(a)).not.toBe(normalisePersonName(b));
  });

  it('keeps a lone title as a name rather than emptying it', () => {
    expect(normalisePersonName('Dr.')).toBe('dr');
  });
});

describe('loadBoardMembers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'board-members-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the sample file into an interesting network: people on 2 to 4 boards, one large cluster', async () => {
    const data = await loadBoardMembers(path.join(__dirname, '..', '..', '..', 'data-samples', 'board-members.json'));
    expect(data.organizations).toHaveLength(40);
    expect(data.organizations.every((o) => /^\d{9}$/.test(o.ein))).toBe(true);
    const analysis = analyzeNetwork({ ...data, profile_ein: data.organizations[0]?.ein });
    const boardCounts = analysis.shared_people.map((p) => p.organizations.length);
    expect(Math.min(...boardCounts)).toBe(2);
    expect(Math.max(...boardCounts)).toBe(4);
    expect(analysis.clusters[0]?.size).toBeGreaterThan(20);
    expect(analysis.clusters.some((c) => c.size === 1)).toBe(true);
    expect(analysis.organizations[0]?.betweenness_centrality).toBeGreaterThan(0);
    expect(analysis.paths?.filter((p) => p.path !== null).length).toBeGreaterThan(10);
  });

  it('reads optional roles and keeps EIN strings as written', async () => {
    const file = path.join(dir, 'b.json');
    await writeFile(
      file,
      JSON.stringify({
        organizations: [{ ein: '012345678', name: 'X', members: [{ person: 'A Person' }, { person: 'B Person', role: 'Chair' }] }],
      }),
    );
    expect(await loadBoardMembers(file)).toEqual({
      organizations: [{ ein: '012345678', name: 'X' }],
      board_members: [
        { ein: '012345678', person: 'A Person', role: null },
        { ein: '012345678', person: 'B Person', role: 'Chair' },
      ],
    });
  });

  it.each([
    ['a missing file', null],
    ['text that is not JSON', '{"organizations": ['],
    ['an EIN given as a number (its leading zeros would be lost)', JSON.stringify({ organizations: [{ ein: 12345678, members: [] }] })],
    ['a member without a person', JSON.stringify({ organizations: [{ ein: '1', members: [{ role: 'Chair' }] }] })],
  ])('throws BoardMembersFileError for %s', async (_label, content) => {
    const file = path.join(dir, 'bad.json');
    if (content !== null) await writeFile(file, content);
    const err = await loadBoardMembers(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BoardMembersFileError);
    expect((err as Error).message).toContain(file);
  });
});
