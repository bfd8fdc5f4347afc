// One exec or shell session of an in-process node, from the command's start to its end. Output
// goes to the SSH channel and to the recording, held back while either is full; input goes from
// the channel to the command. It ends one of three ways, each closing the recording:
//   the command exits      its output is sent, then exit-status (or exit-signal), then close;
//   the channel goes away  (the client vanished) the command's process group gets SIGHUP, then
//                          SIGKILL if it lingers, as a node ends the processes of a closed session;
//   the recording fails    the client is told on stderr, the command is stopped, exit status 1.
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ServerChannel } from 'ssh2';
import type { SessionRecorder } from './recorder.js';

/** How long a command may outlive its closed session after SIGHUP. */
const KILL_GRACE_MS = 2_000;

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/** Signals the child's process group (it was spawned detached), else the child alone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export class NodeSession {
  private channelOpen = true;
  private done = false;

  constructor(
    private readonly ch: ServerChannel,
    private readonly child: ChildProcess,
    private readonly rec: SessionRecorder,
    private readonly pty: boolean,
    private readonly log: Log,
  ) {}

  start(): void {
    const { ch, child } = this;
    ch.on('error', (err: Error) =>
      this.log('session channel failed', { level: 'error', error: err.message }),
    );
    ch.on('close', () => this.channelClosed());
    // A command that cannot start (ENOENT...): 'error', and maybe 'close' after it.
    child.on('error', (err) => this.finish(null, null, err));
    child.on('close', (code, signal) => this.finish(code, signal));
    if (child.stdin) {
      // Input the command no longer reads (EPIPE) is dropped, as sshd drops it.
      child.stdin.on('error', () => ch.resume());
      ch.pipe(child.stdin);
    }
    if (child.stdout) this.pump(child.stdout, ch);
    if (child.stderr) this.pump(child.stderr, this.pty ? ch : ch.stderr);
  }

  /** Copies `src` to `dest` and to the recording; `src` pauses while either is full. */
  private pump(src: Readable, dest: Writable): void {
    let holds = 0;
    const hold = (on: NodeJS.EventEmitter) => {
      if (holds++ === 0) src.pause();
      on.once('drain', () => {
        if (--holds === 0) src.resume();
      });
    };
    src.on('error', (err: Error) =>
      this.log('session output failed', { level: 'error', error: err.message }),
    );
    src.on('data', (data: Buffer) => {
      if (!this.rec.print(data)) hold(this.rec);
      if (this.channelOpen && !dest.write(data)) hold(dest);
    });
  }

  /** The recording failed: the session cannot go on unrecorded. */
  recordingFailed(err: Error): void {
    this.log('session recording failed', { level: 'error', error: err.message });
    if (this.done) return;
    if (this.channelOpen) {
      this.ch.stderr.write(`ERROR: session recording failed: ${err.message}\n`);
      this.ch.exit(1);
      this.ch.end();
    }
    this.stopCommand();
  }

  private channelClosed(): void {
    this.channelOpen = false;
    if (this.done) return;
    this.log('session closed by the client before its command exited');
    this.stopCommand();
  }

  private stopCommand(): void {
    const { child } = this;
    child.stdin?.destroy();
    child.stdout?.destroy();
    child.stderr?.destroy();
    killGroup(child, 'SIGHUP');
    setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS).unref();
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (this.done) return;
    this.done = true;
    if (err) this.log('session command failed', { level: 'error', error: err.message });
    void this.rec
      .end()
      .then(() =>
        this.log('session end', { code, signal, recording: this.rec.error ? 'failed' : 'complete' }),
      );
    if (!this.channelOpen) return;
    const ch = this.ch;
    const exit = () => {
      if (err) {
        ch.stderr.write(`${err.message}\n`);
        ch.exit(127);
      } else if (signal) ch.exit(signal.replace(/^SIG/, ''), false, '');
      else ch.exit(code ?? 0);
      ch.end();
    };
    // exit-status after all the output: an empty write completes once what was queued before it is sent.
    let pending = 2;
    const flushed = () => {
      if (--pending === 0) exit();
    };
    ch.write(Buffer.alloc(0), flushed);
    ch.stderr.write(Buffer.alloc(0), flushed);
  }
}
