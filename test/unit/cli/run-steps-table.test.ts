// `workflows status` rows: branches indented under their group, each step saying what it does.

import { runStepRows } from '../../../src/cli/run-steps-table';
import type { WorkflowRun as RunView } from '../../../src/client';

const step = (id: string, kind: RunView['steps'][number]['kind'], parent: string | null, extra: Partial<RunView['steps'][number]> = {}): RunView['steps'][number] => ({
  id,
  kind,
  parent_id: parent,
  agent_id: kind === 'agent' ? 'shop' : '',
  status: 'pending',
  attempts: 0,
  output: null,
  error: null,
  task_id: null,
  compensation_task_id: null,
  child_run_id: null,
  waiting_for: null,
  deadline: null,
  started_at: null,
  finished_at: null,
  ...extra,
});

describe('workflows status rows', () => {
  it('indents branches under their group and says what each step does', () => {
    const run = {
      steps: [
        step('first', 'agent', null, { status: 'succeeded', attempts: 1 }),
        step('g', 'parallel', null, { status: 'running' }),
        step('a', 'agent', 'g', { status: 'running', attempts: 1 }),
        step('seq', 'branch', 'g', { status: 'running' }),
        step('nap', 'sleep', 'seq', { status: 'waiting', deadline: '2026-01-01T00:00:00.000Z' }),
        step('approve', 'wait', null, { waiting_for: 'order.approved' }),
        step('sub', 'workflow', null, { child_run_id: 'c-1' }),
      ],
    } as unknown as RunView;
    expect(runStepRows(run)).toEqual([
      ['first', 'shop', 'succeeded', 1],
      ['g', 'parallel', 'running', 0],
      ['  a', 'shop', 'running', 1],
      ['  seq', 'sequence', 'running', 0],
      ['    nap', 'sleep until 2026-01-01T00:00:00.000Z', 'waiting', 0],
      ['approve', 'wait for order.approved', 'pending', 0],
      ['sub', 'child run c-1', 'pending', 0],
    ]);
  });
});
