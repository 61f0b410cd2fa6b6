// Splits a byte stream into CSV lines and, in the same pass over the bytes, finds where each field of an unquoted line starts.
//
// Nothing is decoded here: a line is handed on as a byte range of the chunk it was read in, so a
// row that the caller rejects from a few bytes never becomes a string. Lines holding a double
// quote are flagged so the caller parses their text with the RFC 4180 parser (parseCsvLine);
// BMF rows almost never quote, and a quote byte cannot occur inside a multi-byte UTF-8 character.

/**
 * One physical line, reused for every line of a scan (copy what you keep). `buf[start, end)` is
 * the line without its LF or CRLF. When `quoted` is false, field i starts at `fieldStarts[i]`
 * and ends one byte before the next field's start (the last field ends at `end`).
 */
export class CsvByteLine {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  quoted = false;
  fieldCount = 0;
  fieldStarts = new Int32Array(64);

  fieldEnd(index: number): number {
    return index + 1 < this.fieldCount ? this.fieldStarts[index + 1]! - 1 : this.end;
  }

  /** The line as text (for headers, quoted lines and the rare edge cases). */
  text(): string {
    return this.buf.toString('utf8', this.start, this.end);
  }

  /** Field `index` as text; only meaningful for an unquoted line. */
  field(index: number): string {
    return this.buf.toString('utf8', this.fieldStarts[index]!, this.fieldEnd(index));
  }
}

export interface CsvLineSink {
  line(line: CsvByteLine): void;
  /** A line longer than the cap, dropped without being buffered. */
  oversized(): void;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

/**
 * Reads `chunks` to the end, calling the sink synchronously for every line (LF or CRLF endings;
 * a last line without a newline counts). A line longer than `maxLineLength` characters becomes
 * one `oversized` call; a line running over chunks is buffered only up to a bound proportional
 * to the cap (a UTF-16 unit takes at most three UTF-8 bytes), so memory stays flat on a file
 * without newlines. One await per chunk, none per line.
 */
export async function scanCsvLines(chunks: AsyncIterable<Buffer | string>, maxLineLength: number, sink: CsvLineSink): Promise<void> {
  const line = new CsvByteLine();
  const carryLimit = 3 * maxLineLength + 4;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let discarding = false;

  const emit = (buf: Buffer, start: number, end: number): void => {
    if (end > start && buf[end - 1] === CR) end -= 1;
    // Bytes never undercount characters, so only a line with more bytes than the cap is decoded to be sure.
    if (end - start > maxLineLength && buf.toString('utf8', start, end).length > maxLineLength) {
      sink.oversized();
      return;
    }
    splitFields(line, buf, start, end);
    sink.line(line);
  };

  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    let pos = 0;
    if (discarding || carryBytes > 0) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) {
        if (!discarding) keep(chunk, 0);
        continue;
      }
      if (discarding) discarding = false;
      else {
        carry.push(chunk.subarray(0, nl));
        const whole = Buffer.concat(carry);
        carry = [];
        carryBytes = 0;
        emit(whole, 0, whole.length);
      }
      pos = nl + 1;
    }
    pos = scanComplete(chunk, pos, emit);
    if (pos < chunk.length) keep(chunk, pos);
  }
  if (!discarding && carryBytes > 0) {
    const whole = Buffer.concat(carry);
    emit(whole, 0, whole.length);
  }

  function keep(chunk: Buffer, from: number): void {
    carryBytes += chunk.length - from;
    if (carryBytes > carryLimit) {
      carry = [];
      carryBytes = 0;
      discarding = true;
      sink.oversized();
      return;
    }
    // A copy, so the carried tail does not pin the whole read buffer.
    carry.push(Buffer.from(chunk.subarray(from)));
  }
}

/** Emits every complete line of `buf` from `pos`; returns where the unfinished tail starts. */
function scanComplete(buf: Buffer, pos: number, emit: (buf: Buffer, start: number, end: number) => void): number {
  for (;;) {
    const nl = buf.indexOf(LF, pos);
    if (nl === -1) return pos;
    emit(buf, pos, nl);
    pos = nl + 1;
  }
}

/** Fills `line` for `buf[start, end)`: field starts for an unquoted line, or `quoted`. */
function splitFields(line: CsvByteLine, buf: Buffer, start: number, end: number): void {
  line.buf = buf;
  line.start = start;
  line.end = end;
  line.quoted = false;
  let starts = line.fieldStarts;
  starts[0] = start;
  let count = 1;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b > COMMA) continue; // letters, digits and most punctuation: the common case
    if (b === COMMA) {
      if (count === starts.length) {
        const grown = new Int32Array(starts.length * 2);
        grown.set(starts);
        line.fieldStarts = starts = grown;
      }
      starts[count++] = i + 1;
    } else if (b === QUOTE) {
      line.quoted = true;
      line.fieldCount = 0;
      return;
    }
  }
  line.fieldCount = count;
}
