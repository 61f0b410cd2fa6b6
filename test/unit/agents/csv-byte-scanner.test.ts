// scanCsvLines: the same lines and fields as the string reader and parser, whatever the chunk boundaries; long lines dropped.
import fc from 'fast-check';
import { readLines } from '../../../src/agents/bmf-filter/line-reader';
import { scanCsvLines, type CsvByteLine } from '../../../src/agents/bmf-filter/csv-byte-scanner';
import { parseCsvLine } from '../../../src/agents/bmf-filter/csv-line';

/** Each line as the scanner reports it: its fields (unquoted), its text tagged "quoted", or "<oversized>". */
type Seen = string[] | { quoted: string } | '<oversized>';

async function* source(chunks: (Buffer | string)[]): AsyncGenerator<Buffer | string> {
  yield* chunks;
}

async function scan(chunks: (Buffer | string)[], max = 1000): Promise<Seen[]> {
  const out: Seen[] = [];
  await scanCsvLines(source(chunks), max, {
    line(l: CsvByteLine) {
      out.push(l.quoted ? { quoted: l.text() } : Array.from({ length: l.fieldCount }, (_, i) => l.field(i)));
    },
    oversized() {
      out.push('<oversized>');
    },
  });
  return out;
}

/** Splits `bytes` at the given offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

describe('scanCsvLines', () => {
  it('splits unquoted lines into fields, keeping empty fields, and strips CRLF', async () => {
    expect(await scan(['a,b,,d\r\n', ',\n', 'x\n'])).toEqual([['a', 'b', '', 'd'], ['', ''], ['x']]);
  });

  it('reads a last line without a newline, and an empty last line is not a line', async () => {
    expect(await scan(['a,b\nc,d'])).toEqual([['a', 'b'], ['c', 'd']]);
    expect(await scan(['a,b\r\n'])).toEqual([['a', 'b']]);
    expect(await scan(['a\r'])).toEqual([['a']]);
  });

  it('hands a line with quotes over whole, so commas and doubled quotes inside them parse as before', async () => {
    const seen = await scan(['1,"A, B","say ""hi""",z\n2,plain\n']);
    expect(seen).toEqual([{ quoted: '1,"A, B","say ""hi""",z' }, ['2', 'plain']]);
    expect(parseCsvLine((seen[0] as { quoted: string }).quoted)).toEqual(['1', 'A, B', 'say "hi"', 'z']);
  });

  it('joins a line split across chunk boundaries, even inside a multi-byte character', async () => {
    expect(await scan(['ab,c', 'd,é'.slice(0, 2), 'é\nnext', ',1\n'])).toEqual([['ab', 'cd', 'é'], ['next', '1']]);
    const bytes = Buffer.from('x,€\n', 'utf8');
    expect(await scan([bytes.subarray(0, 3), bytes.subarray(3)])).toEqual([['x', '€']]);
  });

  it('reports the lines and fields of the string reader and parser however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '€', ',', '"', ' ', '\n', '\r\n'), maxLength: 14 }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (parts, cuts) => {
          const text = parts.join('');
          const chunks = cut(Buffer.from(text, 'utf8'), cuts);
          const expected: Seen[] = [];
          for await (const e of readLines(source(chunks), 1000)) {
            if (e.kind === 'oversized') expected.push('<oversized>');
            else if (e.text.includes('"')) expected.push({ quoted: e.text });
            else expected.push(parseCsvLine(e.text)!);
          }
          expect(await scan(chunks)).toEqual(expected);
        },
      ),
    );
  });

  it('replaces a line longer than the cap by one oversized call and resumes at the next line', async () => {
    expect(await scan(['ok\n', 'x'.repeat(30), 'y'.repeat(30), 'z\nnext\n'], 20)).toEqual([['ok'], '<oversized>', ['next']]);
    expect(await scan([`${'x'.repeat(50)}\nshort`], 20)).toEqual(['<oversized>', ['short']]);
  });

  it('counts the cap in characters, not bytes', async () => {
    // 20 characters of 3 bytes each: 60 bytes, within a 20-character cap.
    expect(await scan([`${'€'.repeat(20)}\n${'€'.repeat(21)}\n`], 20)).toEqual([['€'.repeat(20)], '<oversized>']);
  });

  it('does not buffer a line without newlines beyond a bound set by the cap', async () => {
    const chunks = Array.from({ length: 100 }, () => 'x'.repeat(1000));
    expect(await scan([...chunks, '\nafter\n'], 100)).toEqual(['<oversized>', ['after']]);
  });

  it('grows its field table for a line with many fields', async () => {
    const fields = Array.from({ length: 300 }, (_, i) => String(i));
    expect(await scan([`${fields.join(',')}\n`], 10_000)).toEqual([fields]);
  });
});
