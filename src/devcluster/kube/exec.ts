// One `kubectl exec` over WebSocket (channels.ts): the command runs for real on this machine, as
// this OS user (with a PTY through util-linux `script` when tty=true, as the in-process SSH nodes
// run one), its output goes to channels 1/2 and to the session recording, channel 0 feeds its
// stdin (a v5 close of channel 0 ends it), and its exit becomes the error channel's Status before
// the WebSocket closes.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import {
  CLOSE_NORMAL,
  encodeClosePayload,
  encodeFrame,
  OPCODE,
  WebSocketParser,
  type WebSocketError,
} from '../../wire/websocket.js';
import { killGroup } from '../nodesession.js';
import {
  CHANNEL,
  ChannelFrameError,
  decodeChannelFrame,
  encodeChannelFrame,
  exitStatus,
  internalErrorStatus,
} from './channels.js';
import type { KubeRecorder } from './recording.js';

export interface ExecRequest {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** Teleport's session parameters (teleport.KubeSessionReasonQueryParam, …InvitedQueryParam). */
  reason: string;
  invited: string[];
}

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/** POSIX shell quoting of one word (for `script -c`). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Query flags as the apiserver reads them: "true" or "1". */
export function execRequestFromQuery(q: URLSearchParams): ExecRequest {
  const flag = (k: string) => ['true', '1'].includes(q.get(k) ?? '');
  return {
    command: q.getAll('command'),
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    tty: flag('tty'),
    reason: q.get('reason') ?? '',
    invited: (q.get('invite') ?? '').split(',').filter(Boolean),
  };
}

export class ExecSession {
  private readonly parser = new WebSocketParser({ masked: true, maxMessage: 1 << 20 });
  private child?: ChildProcess;
  private closing = false;
  private finished = false;

  constructor(
    private readonly socket: Duplex,
    private readonly protocol: string,
    private readonly req: ExecRequest,
    private readonly rec: KubeRecorder,
    private readonly log: Log,
    /** Called once when the session is over (its exit sent, or the client gone). */
    private readonly onEnd: () => void = () => undefined,
  ) {}

  start(head: Buffer): void {
    const { socket, req } = this;
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.gone());
    if (head.length) this.onData(head);

    const env = { ...process.env, TERM: process.env.TERM || 'xterm' };
    const [file, ...args] = req.command;
    let child: ChildProcess;
    try {
      child = req.tty
        ? spawn('script', ['-qfec', req.command.map(shellQuote).join(' '), '/dev/null'], {
            env,
            detached: true,
          })
        : spawn(file!, args, { env, detached: true });
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    this.child = child;
    child.on('error', (err) => this.fail(err));
    child.on('close', (code, signal) => this.exited(code, signal));
    child.stdin?.on('error', () => undefined);
    if (!req.stdin) child.stdin?.end();
    const pump = (src: NodeJS.ReadableStream | null, channel: number) => {
      src?.on('data', (d: Buffer) => {
        this.rec.print(d);
        this.send(encodeChannelFrame(channel, d));
      });
    };
    pump(child.stdout, CHANNEL.stdout);
    pump(child.stderr, req.tty ? CHANNEL.stdout : CHANNEL.stderr);
  }

  private send(message: Buffer): void {
    if (this.closing || this.socket.destroyed) return;
    this.socket.write(encodeFrame({ opcode: OPCODE.binary, payload: message }));
  }

  private onData(chunk: Buffer): void {
    let messages;
    try {
      messages = this.parser.push(chunk);
    } catch (err) {
      this.closeSocket((err as WebSocketError).closeCode, (err as Error).message);
      this.stop();
      return;
    }
    for (const m of messages) {
      if (m.type === 'ping') this.socket.write(encodeFrame({ opcode: OPCODE.pong, payload: m.data }));
      else if (m.type === 'close') {
        // The client is gone: the command goes with it.
        this.closeSocket(m.code === 1005 ? undefined : m.code);
        this.stop();
        return;
      } else if (m.type === 'binary' || m.type === 'text') {
        const raw = m.type === 'binary' ? m.data : Buffer.from(m.data, 'utf8');
        try {
          this.onChannel(raw);
        } catch (err) {
          if (!(err instanceof ChannelFrameError)) throw err;
          this.log('kube exec: bad client message', { error: err.message });
        }
      }
    }
  }

  private onChannel(raw: Buffer): void {
    const msg = decodeChannelFrame(raw, this.protocol);
    const stdin = this.child?.stdin;
    switch (msg.type) {
      case 'stdin':
        if (this.req.stdin && stdin && !stdin.writableEnded) stdin.write(msg.data);
        break;
      case 'close':
        if (msg.channel === CHANNEL.stdin && stdin && !stdin.writableEnded) stdin.end();
        break;
      case 'resize':
        this.rec.resize(msg.width, msg.height);
        break;
      default:
        break;
    }
  }

  private closeSocket(code: number | undefined = CLOSE_NORMAL, reason = ''): void {
    if (this.closing) return;
    this.closing = true;
    if (!this.socket.destroyed) {
      this.socket.write(encodeFrame({ opcode: OPCODE.close, payload: encodeClosePayload(code, reason) }));
      this.socket.end();
    }
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  private stop(): void {
    const child = this.child;
    if (!child) return;
    child.stdin?.destroy();
    killGroup(child, 'SIGHUP');
    setTimeout(() => killGroup(child, 'SIGKILL'), 2_000).unref();
  }

  private gone(): void {
    this.closing = true;
    if (!this.finished) this.stop();
    this.ended();
  }

  private endedOnce = false;
  private ended(): void {
    if (this.endedOnce) return;
    this.endedOnce = true;
    this.onEnd();
  }

  private finish(status: Record<string, unknown>): void {
    if (this.finished) return;
    this.finished = true;
    this.send(encodeChannelFrame(CHANNEL.error, JSON.stringify(status)));
    this.closeSocket();
    void this.rec.end();
    this.ended();
  }

  private fail(err: Error): void {
    this.log('kube exec: command failed to start', { error: err.message });
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    this.finish(
      internalErrorStatus(
        missing
          ? `failed to exec in container: exec: "${this.req.command[0] ?? ''}": executable file not found in $PATH`
          : `failed to exec in container: ${err.message}`,
      ),
    );
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    // A signal death reads as 128+n, as a shell (and the container runtime) reports it.
    const n = code ?? (signal ? 128 + (osSignals[signal] ?? 1) : 1);
    this.finish(exitStatus(n, this.req.command));
  }
}

const osSignals: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
