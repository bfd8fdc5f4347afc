// Password/OTP input: no echo on a terminal; line by line from a pipe so CI can feed
// "password\notp\n" on stdin.
import type { IO } from './io.js';
import { TshError } from '../util/errors.js';

export interface Prompter {
  password(question: string): Promise<string>;
  line(question: string, opts?: { optional?: boolean }): Promise<string>;
}

/** Reads stdin line by line; '' once it ends. */
class PipeLines {
  private buf = '';
  private ended = false;
  private waiters: Array<() => void> = [];

  constructor(private readonly stream: IO['stdin']) {
    stream.setEncoding?.('utf8');
    stream.on('data', (c: string | Buffer) => {
      this.buf += c.toString();
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('error', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async next(): Promise<string | undefined> {
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl >= 0) {
        const line = this.buf.slice(0, nl).replace(/\r$/, '');
        this.buf = this.buf.slice(nl + 1);
        return line;
      }
      if (this.ended) {
        if (!this.buf) return undefined;
        const line = this.buf;
        this.buf = '';
        return line;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  close(): void {
    this.stream.pause();
  }
}

export class StdioPrompter implements Prompter {
  private pipe?: PipeLines;

  constructor(private readonly io: IO) {}

  private lines(): PipeLines {
    this.pipe ??= new PipeLines(this.io.stdin);
    return this.pipe;
  }

  async password(question: string): Promise<string> {
    if (this.io.stdin.isTTY && this.io.stdin.setRawMode) return this.ttySecret(question);
    // tsh prints the prompt even when stdin is a pipe; stderr keeps stdout clean for --format.
    this.io.stderr.write(`${question}\n`);
    const v = await this.lines().next();
    if (v === undefined || v === '') {
      throw new TshError(
        'no password on standard input; pipe it in ("echo $PW | tshjs login ...") or run in a terminal',
        'bad-parameter',
      );
    }
    return v;
  }

  async line(question: string, opts: { optional?: boolean } = {}): Promise<string> {
    this.io.stderr.write(`${question}\n`);
    if (this.io.stdin.isTTY) return (await this.lines().next()) ?? '';
    const v = await this.lines().next();
    if ((v === undefined || v === '') && !opts.optional) {
      throw new TshError(
        `${question.replace(/:$/, '')} expected as the next line of standard input (or pass --otp)`,
        'bad-parameter',
      );
    }
    return v ?? '';
  }

  /** Raw-mode read without echo; Ctrl-C aborts. */
  private ttySecret(question: string): Promise<string> {
    const { stdin, stderr } = this.io;
    stderr.write(`${question}\n`);
    return new Promise((resolve, reject) => {
      let value = '';
      stdin.setRawMode!(true);
      stdin.resume();
      stdin.setEncoding?.('utf8');
      const done = (err?: Error) => {
        stdin.off('data', onData);
        stdin.setRawMode!(false);
        stdin.pause();
        stderr.write('\n');
        if (err) reject(err);
        else resolve(value);
      };
      const onData = (chunk: string | Buffer) => {
        for (const ch of chunk.toString()) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
          if (ch === '\u0003') return done(new TshError('interrupted', 'bad-parameter', 130));
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  }

  close(): void {
    this.pipe?.close();
  }
}
