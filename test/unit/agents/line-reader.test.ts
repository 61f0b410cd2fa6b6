// readLines: same lines whatever the chunk boundaries, CRLF handled, over-long lines dropped not buffered.
import fc from 'fast-check';
import { readLines, type LineEvent } from '../../../src/agents/bmf-filter/line-reader';

async function collect(chunks: (Buffer | string)[], max = 1000): Promise<LineEvent[]> {
  const out: LineEvent[] = [];
  async function* source(): AsyncGenerator<Buffer | string> {
    yield* chunks;
  }
  for await (const e of readLines(source(), max)) out.push(e);
  return out;
}

describe('readLines', () => {
  it('yields the same lines however the bytes are split, even inside a multi-byte character', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '€', ',', '\n', '\r\n'), maxLength: 12 }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (parts, cuts) => {
          const text = parts.join('');
          const bytes = Buffer.from(text, 'utf8');
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let prev = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(prev, p));
            prev = p;
          }
          const expected = text.split('\n').map((l) => l.replace(/\r$/, ''));
          if (expected[expected.length - 1] === '') expected.pop(); // a final newline ends the last line
          const lines = (await collect(chunks)).map((e) => (e.kind === 'line' ? e.text : '<oversized>'));
          expect(lines).toEqual(expected);
        },
      ),
    );
  });

  it('replaces a line longer than the cap by one oversized event and resumes at the next line', async () => {
    const events = await collect(['ok\n', 'x'.repeat(30), 'y'.repeat(30), 'z\nnext\n'], 20);
    expect(events).toEqual([
      { kind: 'line', text: 'ok' },
      { kind: 'oversized' },
      { kind: 'line', text: 'next' },
    ]);
  });

  it('reports an over-long line that arrives in a single chunk', async () => {
    const events = await collect([`${'x'.repeat(50)}\nshort`], 20);
    expect(events).toEqual([{ kind: 'oversized' }, { kind: 'line', text: 'short' }]);
  });
});
