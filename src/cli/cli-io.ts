// What a command may touch besides the network: its two output streams, the clock and sleeping.
// main.ts builds the real one; the split keeps machine output (stdout) apart from errors (stderr).

export interface OutputStream {
  write(text: string): void;
  /** True on an interactive terminal: progress may redraw one line in place. */
  readonly isTty: boolean;
  /** Terminal width when known (progress lines are cut to fit). */
  readonly columns?: number;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Writes one line to stdout. */
export function printLine(io: CliIo, line = ''): void {
  io.stdout.write(`${line}\n`);
}

/** Machine output: one JSON document on stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
