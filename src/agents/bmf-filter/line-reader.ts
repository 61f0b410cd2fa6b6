// Reads a text stream line by line with a hard cap on line length, so memory stays bounded.
import { StringDecoder } from 'node:string_decoder';

/** One physical line, or a marker that a line was longer than the cap and was dropped. */
export type LineEvent = { kind: 'line'; text: string } | { kind: 'oversized' };

/**
 * Yields lines from a byte stream (LF or CRLF endings). A line longer than `maxLineLength`
 * characters is not buffered: the rest of it is discarded up to the next newline and an
 * `oversized` event is emitted instead, so a file with no newlines cannot exhaust memory.
 */
export async function* readLines(
  chunks: AsyncIterable<Buffer | string>,
  maxLineLength: number,
): AsyncGenerator<LineEvent> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let discarding = false;

  function* split(text: string): Generator<LineEvent> {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) {
        const rest = text.slice(start);
        if (discarding) return;
        if (carry.length + rest.length > maxLineLength) {
          carry = '';
          discarding = true;
          yield { kind: 'oversized' };
          return;
        }
        carry += rest;
        return;
      }
      if (discarding) {
        discarding = false;
      } else {
        let line = carry + text.slice(start, nl);
        carry = '';
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line.length > maxLineLength) yield { kind: 'oversized' };
        else yield { kind: 'line', text: line };
      }
      start = nl + 1;
    }
  }

  for await (const chunk of chunks) {
    yield* split(typeof chunk === 'string' ? chunk : decoder.write(chunk));
  }
  yield* split(decoder.end());
  if (!discarding && carry.length > 0) {
    const line = carry.endsWith('\r') ? carry.slice(0, -1) : carry;
    carry = '';
    yield { kind: 'line', text: line };
  }
}
