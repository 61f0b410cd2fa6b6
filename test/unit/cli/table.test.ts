// Aligned columns for people reading `catalynx ... list` output.

import { renderFields, renderTable } from '../../../src/cli/table';

describe('renderTable', () => {
  it('starts every column at the same offset on every line and shows empty cells as "-"', () => {
    const lines = renderTable(
      [
        ['echo', 'builtin', 'healthy'],
        ['a-much-longer-id', 'http', null],
      ],
      ['ID', 'RUNTIME', 'STATUS'],
    );
    expect(lines).toEqual([
      'ID                RUNTIME  STATUS',
      'echo              builtin  healthy',
      'a-much-longer-id  http     -',
    ]);
  });

  it('renders a record as aligned "label:  value" lines', () => {
    expect(renderFields([['status', 'ok'], ['last error', '']])).toEqual(['status:      ok', 'last error:  -']);
  });
});
