// Streams a command talks to, injected so commands run in tests without a terminal.
import type { Readable, Writable } from 'node:stream';

export interface IO {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function processIO(): IO {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

export function write(stream: Writable, text: string): void {
  stream.write(text);
}

/** Terminal width for truncated columns; tsh uses 80 when it cannot tell. */
export function terminalWidth(out: { isTTY?: boolean; columns?: number }): number {
  return out.isTTY && out.columns ? out.columns : 80;
}
