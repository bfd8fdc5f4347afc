// What `tshjs ssh` does on a node once the target is known, as tsh ssh: exec with the remote exit
// code as ours, interactive shells with a PTY (raw mode, window changes, terminal always
// restored), port forwards, and label targets (user@k=v) that run the command on every match.
import type { Client } from 'ssh2';
import { parseLabelSpec } from '../client/filter.js';
import type { TeleportClient } from '../client/teleport.js';
import type { IO } from '../term/io.js';
import { TshError } from '../util/errors.js';
import { startForwards, type Forwards } from './forward.js';
import { channelExit, connectNode, execChannel, shellChannel, type NodeTarget } from './session.js';

/** `[user@]host`: the login is what comes before the last "@" (empty means none). */
export function splitTarget(target: string): { user?: string; host: string } {
  const at = target.lastIndexOf('@');
  return at >= 0 ? { user: target.slice(0, at) || undefined, host: target.slice(at + 1) } : { host: target };
}

export interface NodeRef {
  /** The node's UUID (what the proxy dials). */
  id: string;
  /** Its hostname (what output is prefixed with). */
  name: string;
}

/** Nodes matching a label target ("env=prod,team=web"). */
export async function nodesByLabels(tc: TeleportClient, spec: string): Promise<NodeRef[]> {
  const labels = parseLabelSpec(spec);
  const out: NodeRef[] = [];
  for await (const page of tc.nodes({ labels })) {
    for (const n of page) out.push({ id: n.Metadata?.Name ?? '', name: n.Spec?.Hostname ?? '' });
  }
  return out;
}

/** A PTY session (a shell, or the command) wired to the terminal; resolves the exit code. */
export async function interactive(io: IO, client: Client, command: string | undefined): Promise<number> {
  const { stdin, stdout } = io;
  const out = stdout as NodeJS.WriteStream;
  const pty = { term: io.env.TERM || 'xterm', cols: out.columns || 80, rows: out.rows || 24 };
  const ch = command ? await execChannel(client, command, pty) : await shellChannel(client, pty);
  const raw = !!stdin.isTTY && !!stdin.setRawMode;
  const restore = () => {
    if (raw) stdin.setRawMode!(false);
  };
  // Restore the terminal on every exit path, including signals.
  const onExit = () => restore();
  process.once('exit', onExit);
  const onResize = () => ch.setWindow(out.rows || 24, out.columns || 80, 0, 0);
  if (raw) stdin.setRawMode!(true);
  out.on?.('resize', onResize);
  stdin.pipe(ch);
  ch.pipe(stdout, { end: false });
  ch.stderr.pipe(io.stderr, { end: false });
  try {
    return await channelExit(ch);
  } finally {
    stdin.unpipe(ch);
    stdin.pause();
    out.off?.('resize', onResize);
    restore();
    process.off('exit', onExit);
  }
}

/**
 * Runs a command without a PTY; resolves its exit code. With a prefix (label fan-out), output
 * lines are prefixed "[prefix] " and stdin is not read; else stdin goes to the command.
 */
export async function runCommand(io: IO, client: Client, command: string, prefix?: string): Promise<number> {
  const ch = await execChannel(client, command);
  if (prefix) {
    const lines = (stream: NodeJS.ReadableStream, sink: NodeJS.WritableStream) => {
      let buf = '';
      stream.on('data', (c: Buffer) => {
        buf += c.toString();
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        for (const l of parts) sink.write(`[${prefix}] ${l}\n`);
      });
      stream.on('end', () => buf && sink.write(`[${prefix}] ${buf}\n`));
    };
    lines(ch, io.stdout);
    lines(ch.stderr, io.stderr);
    ch.end();
  } else {
    io.stdin.pipe(ch);
    ch.pipe(io.stdout, { end: false });
    ch.stderr.pipe(io.stderr, { end: false });
  }
  try {
    return await channelExit(ch);
  } finally {
    io.stdin.unpipe(ch);
    io.stdin.pause();
  }
}

export interface LabelExecOptions {
  /** The label selector ("env=prod,team=web"). */
  labels: string;
  login: string;
  cluster: string;
  command: string;
  forwardAgent?: boolean;
}

/**
 * Runs the command on every node matching the labels, in parallel, output prefixed with the node's
 * name; a node that fails prints "[name] ERROR: …". 0 when every node exited 0, else 1.
 */
export async function execOnLabels(tc: TeleportClient, io: IO, o: LabelExecOptions): Promise<number> {
  const nodes = await nodesByLabels(tc, o.labels);
  if (!nodes.length) throw new TshError(`no nodes match labels ${o.labels}`, 'not-found');
  const results = await Promise.all(
    nodes.map(async (n) => {
      try {
        const client = await connectNode(
          tc,
          { host: n.id, login: o.login, cluster: o.cluster },
          { forwardAgent: o.forwardAgent },
        );
        try {
          return await runCommand(io, client, o.command, n.name);
        } finally {
          client.end();
        }
      } catch (err) {
        io.stderr.write(`[${n.name}] ERROR: ${(err as Error).message}\n`);
        return 1;
      }
    }),
  );
  return results.some((c) => c !== 0) ? 1 : 0;
}

export interface NodeSessionOptions {
  /** The remote command ("" for a shell). */
  command: string;
  /** Allocate a PTY (interactive session). */
  tty: boolean;
  forwards?: Forwards;
  /** -N: forwards only; wait until the connection closes. */
  noCommand?: boolean;
  forwardAgent?: boolean;
}

/** One ssh session on one node: forwards, then -N, a PTY session or a command; the exit code. */
export async function sshSession(
  tc: TeleportClient,
  io: IO,
  target: NodeTarget,
  o: NodeSessionOptions,
): Promise<number> {
  const client = await connectNode(tc, target, { forwardAgent: o.forwardAgent });
  try {
    const servers = await startForwards(client, o.forwards ?? {}, tc.log);
    try {
      if (o.noCommand) {
        await new Promise<void>((resolve) => client.once('close', () => resolve()));
        return 0;
      }
      if (o.tty) return await interactive(io, client, o.command || undefined);
      if (!o.command)
        throw new TshError('stdin is not a terminal: give a command, or -t to force a PTY', 'bad-parameter');
      return await runCommand(io, client, o.command);
    } finally {
      for (const s of servers) s.close();
    }
  } finally {
    client.end();
  }
}
