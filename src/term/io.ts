// Streams a command talks to, injected so commands run in tests without a terminal.
import type { Readable, Writable } from 'node:stream';

export interface IO {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function processIO(): IO {
  // Getters: Node creates process.stdin/stdout/stderr on first use (a stream over a TTY, pipe or
  // file), and a command that never reads stdin should not pay for one.
  return {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return quietOnBrokenPipe(process.stdout);
    },
    get stderr() {
      return quietOnBrokenPipe(process.stderr);
    },
    env: process.env,
  };
}

/** Exit status of a process killed by SIGPIPE, as a shell reports it (128 + 13). */
export const BROKEN_PIPE_EXIT = 141;

const guarded = new WeakSet<Writable>();

/**
 * A Go program that writes to a closed pipe on stdout or stderr (`tsh ls | head`) dies of SIGPIPE,
 * silently. Node ignores SIGPIPE and reports EPIPE as an 'error' event, which nobody listens for on
 * process.stdout: the process would crash with a stack trace. Exit quietly instead, with the status a
 * shell shows for SIGPIPE.
 */
export function quietOnBrokenPipe<W extends Writable>(stream: W): W {
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(BROKEN_PIPE_EXIT);
      // Anything else (a full disk under a redirect): one line on stderr, if it still works.
      if ((stream as Writable) !== process.stderr)
        process.stderr.write(`ERROR: writing output: ${err.message}\n`);
      process.exit(1);
    });
  }
  return stream;
}

type SizedStdin = {
  isTTY?: boolean;
  /** Set by tests (and by TTY streams that know their size). */
  columns?: number;
  _handle?: { getWindowSize?: (size: number[]) => number };
};

/**
 * The width tsh truncates table columns to: term.GetSize(os.Stdin.Fd()) (asciitable.
 * MakeTableWithTruncatedColumn), so it is the terminal of **stdin**, whatever stdout is; 80 when stdin
 * is not a terminal or its size is unknown (or 0). A tty.ReadStream has no `columns`: the size is read
 * from its handle, as tty.WriteStream does for stdout.
 */
export function stdinTerminalWidth(stdin: unknown): number {
  const s = stdin as SizedStdin;
  if (!s?.isTTY) return 80;
  if (typeof s.columns === 'number') return s.columns > 0 ? s.columns : 80;
  const size: number[] = [];
  try {
    if (s._handle?.getWindowSize?.(size) === 0 && size[0] > 0) return size[0];
  } catch {
    // not a TTY handle after all
  }
  return 80;
}
