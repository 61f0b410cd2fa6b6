// parseCsvLine: RFC 4180 quoting within one line, and broken quoting reported as null.
import fc from 'fast-check';
import { parseCsvLine } from '../../../src/agents/bmf-filter/csv-line';

describe('parseCsvLine', () => {
  it.each<[string, string[]]>([
    ['a,b,c', ['a', 'b', 'c']],
    ['', ['']],
    [',,', ['', '', '']],
    ['012345678,"SMITH, JONES & CO., INC.",VA', ['012345678', 'SMITH, JONES & CO., INC.', 'VA']],
    ['"THE ""BRIDGE"" PROJECT",x', ['THE "BRIDGE" PROJECT', 'x']],
    ['"",""', ['', '']],
    ["ST. MARY'S SCHOOL,", ["ST. MARY'S SCHOOL", '']],
    ['x,"trailing quoted"', ['x', 'trailing quoted']],
  ])('splits %j', (line, fields) => {
    expect(parseCsvLine(line)).toEqual(fields);
  });

  it.each([
    ['an unterminated quote', '540000099,"UNTERMINATED,VA'],
    ['text after a closing quote', '"AB"C,VA'],
    ['a bare quote inside an unquoted field', 'AB"C,VA'],
  ])('returns null for %s', (_label, line) => {
    expect(parseCsvLine(line)).toBeNull();
  });

  it('reads back any fields written with standard CSV quoting', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ',', '"', ' ', '&', "'", '.', 'é') });
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), fc.boolean(), (fields, quoteAll) => {
        const line = fields
          .map((f) => (quoteAll || /[",]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f))
          .join(',');
        expect(parseCsvLine(line)).toEqual(fields);
      }),
    );
  });
});
