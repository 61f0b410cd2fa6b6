// The network_analyzer builtin agent through execute(): board members from the sample file, restricted to the given organizations.
import { join } from 'node:path';
import { PermanentAgentError } from '../../../src/modules/agents/agent-errors';
import { createNetworkAnalyzerAgent } from '../../../src/agents/network-analyzer-agent';
import { InvalidAgentInputError } from '../../../src/agents/invalid-agent-input-error';
import type { NetworkAnalysis } from '../../../src/agents/network-analyzer';
import { invocation } from './support/agent-invocation';

const boardMembersPath = join(__dirname, '..', '..', '..', 'data-samples', 'board-members.json');

// In the sample file: Ines Northcott sits on CAMP SHENANDOAH (946856739) and TIDEWATER (021367865);
// Wendy Osei on TIDEWATER and ST. DESAI'S MEDICAL CENTER (276382336); Zachary Northcott links
// CAMP SHENANDOAH to PATEL FAMILY FOUNDATION (202146958), which the tests leave out.
const CAMP = '946856739';
const TIDEWATER = '021367865';
const DESAI = '276382336';
const PATEL = '202146958';

async function run(input: unknown, path = boardMembersPath): Promise<NetworkAnalysis> {
  const agent = createNetworkAnalyzerAgent({ boardMembersPath: path });
  return (await agent.execute(invocation('network_analyzer', 'analyze', input))) as NetworkAnalysis;
}

describe('network_analyzer agent', () => {
  it('loads board members from the file, restricted to the given organizations and the profile', async () => {
    const result = await run({ organizations: [{ ein: CAMP }, { ein: TIDEWATER, name: 'Tidewater CGC' }], profile_ein: DESAI });
    expect(result.organizations.map((o) => o.ein).sort()).toEqual([TIDEWATER, DESAI, CAMP].sort());
    expect(result.links).toEqual([
      { source: TIDEWATER, target: DESAI, people: ['Wendy Osei'] },
      { source: TIDEWATER, target: CAMP, people: ['Ines Northcott'] },
    ]);
    // The given name wins; the file fills in the one that was not given.
    const names = Object.fromEntries(result.organizations.map((o) => [o.ein, o.name]));
    expect(names[TIDEWATER]).toBe('Tidewater CGC');
    expect(names[CAMP]).toBe('CAMP SHENANDOAH, INC.');
    expect(result.organizations[0]?.ein).toBe(TIDEWATER); // the only broker between the other two
    const toCamp = result.paths?.find((p) => p.candidate_ein === CAMP);
    expect(toCamp?.path?.eins).toEqual([DESAI, TIDEWATER, CAMP]);
    expect(result.organizations.map((o) => o.ein)).not.toContain(PATEL);
  });

  it('accepts bmf_filter organizations as they are and a null profile_ein (no paths)', async () => {
    const bmfShaped = [
      { ein: CAMP, name: 'CAMP SHENANDOAH, INC.', sort_name: null, city: 'X', state: 'VA', revenue_amount: 1, ntee_code: null },
      { ein: PATEL, name: 'PATEL FAMILY FOUNDATION', sort_name: null, city: 'Y', state: 'MD', revenue_amount: null, ntee_code: 'T20' },
    ];
    const result = await run({ organizations: bmfShaped, profile_ein: null });
    expect(result.paths).toBeNull();
    expect(result.links).toEqual([{ source: PATEL, target: CAMP, people: ['Zachary Northcott'] }]);
  });

  it('analyses the whole file when no organizations are given', async () => {
    const result = await run({});
    expect(result.organizations).toHaveLength(40);
    expect(result.shared_people.length).toBeGreaterThan(0);
  });

  it('uses board members given in the input instead of the file', async () => {
    const result = await run(
      {
        organizations: [{ ein: '111111111', name: 'A' }, { ein: '222222222', name: 'B' }],
        board_members: [
          { ein: '111111111', person: 'Jane Doe' },
          { ein: '222222222', person: 'JANE  DOE', role: null },
        ],
      },
      join(__dirname, 'no-such-file.json'),
    );
    expect(result.links).toEqual([{ source: '111111111', target: '222222222', people: ['Jane Doe'] }]);
  });

  it('rejects bad input permanently and lists the problems', async () => {
    const error = await run({ organizations: [{ name: 'no ein' }], candidate_eins: 'x', extra: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAgentInputError);
    const problems = (error as InvalidAgentInputError).problems.join('\n');
    expect(problems).toMatch(/organizations\.0\.ein/);
    expect(problems).toMatch(/candidate_eins/);
    expect(problems).toMatch(/extra/);
  });

  it('fails permanently when the board-members file is missing', async () => {
    const missing = join(__dirname, 'no-such-board-members.json');
    const error = await run({ organizations: [{ ein: CAMP }] }, missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentAgentError);
    expect((error as Error).message).toContain(missing);
  });
});
