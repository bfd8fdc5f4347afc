// What `tshjs ssh` does on a node once the target is known, as tsh ssh (upstream lib/client/api.go
// SSH, runShellOrCommandOnSingleNode/OnMultipleNodes, runCommandOnNodes, writeCommandResults, and
// lib/client/client.go's line-labelled writer): exec with the remote exit code as ours, shells with
// a PTY (raw mode, window changes, terminal always restored), port forwards, and label targets
// (user@k=v): none is an error, one is an ordinary single-host session, several run the command on
// every match with labelled output and a summary (or, with no command, a shell on the first).
import type { Writable } from 'node:stream';
import type { Client } from 'ssh2';
import { parseLabelSpec } from '../client/filter.js';
import type { TeleportClient } from '../client/teleport.js';
import type { IO } from '../term/io.js';
import { TshError } from '../util/errors.js';
import { startForwards, type Forwards } from './forward.js';
import {
  channelExit,
  connectNode,
  execChannel,
  nodeAddr,
  shellChannel,
  withNode,
  type NodeTarget,
} from './session.js';

/** `[user@]host`: the login is what comes before the last "@" (empty means none). */
export function splitTarget(target: string): { user?: string; host: string } {
  const at = target.lastIndexOf('@');
  return at >= 0 ? { user: target.slice(0, at) || undefined, host: target.slice(at + 1) } : { host: target };
}

export interface NodeRef {
  /** The node's UUID (what the proxy dials, as "<uuid>:0"). */
  id: string;
  /** Its hostname (what output is labelled with). */
  name: string;
}

/**
 * Nodes matching a label target ("env=prod,team=web"), in resource-name order as upstream
 * GetTargetNodes asks ListUnifiedResources for them (SortBy metadata.name).
 */
export async function nodesByLabels(tc: TeleportClient, spec: string): Promise<NodeRef[]> {
  const labels = parseLabelSpec(spec);
  const out: NodeRef[] = [];
  for await (const page of tc.nodes({ labels })) {
    for (const n of page) out.push({ id: n.Metadata?.Name ?? '', name: n.Spec?.Hostname ?? '' });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Upstream's PTY size when stdout is not a terminal (teleport.DefaultTerminalWidth/Height). */
const DEFAULT_COLS = 80;
const DEFAULT_ROWS = 25;

/** A PTY session (a shell, or the command) wired to the terminal; resolves the exit code. */
export async function interactive(io: IO, client: Client, command: string | undefined): Promise<number> {
  const { stdin, stdout } = io;
  const out = stdout as NodeJS.WriteStream;
  const size = () => ({ cols: out.columns || DEFAULT_COLS, rows: out.rows || DEFAULT_ROWS });
  const pty = { term: io.env.TERM || 'xterm', ...size() };
  const ch = command ? await execChannel(client, command, pty) : await shellChannel(client, pty);
  const raw = !!stdin.isTTY && !!stdin.setRawMode;
  const restore = () => {
    if (raw) stdin.setRawMode!(false);
  };
  // Restore the terminal on every exit path, including signals.
  const onExit = () => restore();
  process.once('exit', onExit);
  const onResize = () => ch.setWindow(size().rows, size().cols, 0, 0);
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

/** lib/client/client.go defaultLabeledLineLength: the line length when stdout is not a terminal. */
export const DEFAULT_LABELED_LINE_LENGTH = 1024;

/**
 * Upstream's lineLabeledWriter: every line written to `sink` starts with "[label] ", only whole
 * lines are written, a line longer than `maxLineLength` bytes (label included) is cut there and
 * continues on a new labelled line, and end() finishes an unterminated last line with "\n".
 */
export class LineLabeler {
  private readonly prefix: Buffer;
  private buf: Buffer[] = [];
  private len = 0;

  constructor(
    private readonly sink: Pick<Writable, 'write'>,
    label: string,
    private readonly maxLineLength = DEFAULT_LABELED_LINE_LENGTH,
  ) {
    this.prefix = Buffer.from(`[${label}] `);
    if (maxLineLength <= this.prefix.length)
      throw new TshError(`maxLineLength of ${maxLineLength} is too short`, 'bad-parameter');
  }

  write(input: Buffer | string): void {
    let rest = typeof input === 'string' ? Buffer.from(input) : input;
    while (rest.length > 0) {
      const nl = rest.indexOf(0x0a);
      let line = nl >= 0 ? rest.subarray(0, nl) : rest;
      let next = nl >= 0 ? rest.subarray(nl + 1) : Buffer.alloc(0);
      let flush = nl >= 0;
      if (this.len === 0 && (line.length > 0 || flush)) this.push(this.prefix);
      if (this.len + line.length > this.maxLineLength) {
        const portion = this.maxLineLength - this.len;
        line = rest.subarray(0, portion);
        next = rest.subarray(portion);
        flush = true;
      }
      this.push(line);
      if (flush) this.flush();
      rest = next;
    }
  }

  end(): void {
    if (this.len > 0) this.flush();
  }

  private push(b: Buffer): void {
    this.buf.push(b);
    this.len += b.length;
  }

  private flush(): void {
    this.buf.push(Buffer.from('\n'));
    this.sink.write(Buffer.concat(this.buf));
    this.buf = [];
    this.len = 0;
  }
}

/** Runs a command without a PTY, stdin going to it; resolves its exit code. */
export async function runCommand(io: IO, client: Client, command: string): Promise<number> {
  const ch = await execChannel(client, command);
  io.stdin.pipe(ch);
  ch.pipe(io.stdout, { end: false });
  ch.stderr.pipe(io.stderr, { end: false });
  try {
    return await channelExit(ch);
  } finally {
    io.stdin.unpipe(ch);
    io.stdin.pause();
  }
}

/** A command whose output lines are labelled "[label] " (one node of a label fan-out). */
export async function runLabelledCommand(
  io: IO,
  client: Client,
  command: string,
  label: string,
  maxLineLength: number,
): Promise<number> {
  const ch = await execChannel(client, command);
  const out = new LineLabeler(io.stdout, label, maxLineLength);
  const err = new LineLabeler(io.stderr, label, maxLineLength);
  ch.on('data', (c: Buffer) => out.write(c));
  ch.stderr.on('data', (c: Buffer) => err.write(c));
  // Every node would compete for the same stdin; the fan-out gives none (docs/ssh-client.md).
  ch.end();
  try {
    return await channelExit(ch);
  } finally {
    out.end();
    err.end();
  }
}

/** The exact line upstream prints (always bold, whatever stdout is) before a fan-out. */
export const MULTIPLE_NODES_WARNING =
  '\x1b[1mWARNING\x1b[0m: Multiple nodes matched label selector, running command on all.\n';

/** The line upstream prints before opening a shell on the first of several matches. */
export function pickingFirstWarning(addr: string): string {
  return `\x1b[1mWARNING\x1b[0m: Multiple nodes match the label selector, picking first: ${JSON.stringify(addr)}\n`;
}

export interface NodeResult {
  name: string;
  exitCode: number;
}

/** writeCommandResults: a blank line, one line per node that ran, then the counts. */
export function commandResults(results: NodeResult[]): string {
  let out = '\n';
  for (const r of results)
    out += r.exitCode !== 0 ? `[${r.name}] failed with exit code ${r.exitCode}\n` : `[${r.name}] success\n`;
  const failed = results.filter((r) => r.exitCode !== 0).length;
  return `${out}\n${results.length - failed} host(s) succeeded; ${failed} host(s) failed\n`;
}

export interface FanOutOptions {
  login: string;
  cluster: string;
  command: string;
  forwardAgent?: boolean;
}

/**
 * runCommandOnNodes: the command on every node in parallel. A node is announced with "Running
 * command on NAME:" once connected; one that cannot be reached prints its error and is left out
 * of the results. Output lines are labelled with the node's name and cut at the terminal width
 * (1024 when stdout is not a terminal). Resolves 0 when no command failed; else throws
 * "N command(s) failed" with the exit code of the last command to fail.
 */
export async function runCommandOnNodes(
  tc: TeleportClient,
  io: IO,
  nodes: NodeRef[],
  o: FanOutOptions,
): Promise<number> {
  const out = io.stdout as Writable & { isTTY?: boolean; columns?: number };
  const width = out.isTTY && out.columns ? out.columns : DEFAULT_LABELED_LINE_LENGTH;
  const results: NodeResult[] = [];
  let lastFailure = 0;
  await Promise.all(
    nodes.map(async (n) => {
      const name = n.name || n.id;
      let client: Client;
      try {
        client = await connectNode(
          tc,
          { host: n.id, login: o.login, cluster: o.cluster },
          { forwardAgent: o.forwardAgent },
        );
      } catch (err) {
        io.stderr.write(`${(err as Error).message}\n`);
        return;
      }
      await withNode(client, async () => {
        io.stdout.write(`Running command on ${name}:\n`);
        const code = await runLabelledCommand(io, client, o.command, name, width);
        if (code !== 0) lastFailure = code;
        results.push({ name, exitCode: code });
      }).catch((err: Error) => io.stderr.write(`${err.message}\n`));
    }),
  );
  io.stdout.write(commandResults(results));
  const failed = results.filter((r) => r.exitCode !== 0).length;
  if (failed > 0) throw new TshError(`${failed} command(s) failed`, 'internal', lastFailure);
  return 0;
}

export interface NodeSessionOptions {
  /** The remote command ("" for a shell). */
  command: string;
  /** -t: a PTY for the command (a shell always gets one). */
  tty: boolean;
  forwards?: Forwards;
  /** -N: forwards only; wait until the connection closes. */
  noCommand?: boolean;
  forwardAgent?: boolean;
}

/**
 * One ssh session on one node (runShellOrCommandOnSingleNode): forwards, then -N, a command
 * (with a PTY under -t), or a shell, which like tsh's RunInteractiveShell always has a PTY (80x25
 * when stdout is not a terminal, raw mode only on a terminal). Resolves the exit code.
 */
export async function sshSession(
  tc: TeleportClient,
  io: IO,
  target: NodeTarget,
  o: NodeSessionOptions,
): Promise<number> {
  const client = await connectNode(tc, target, {
    forwardAgent: o.forwardAgent,
    mfa: { out: (t) => io.stderr.write(t) },
  });
  return withNode(client, async () => {
    const servers = await startForwards(client, o.forwards ?? {}, tc.log);
    try {
      if (o.noCommand) {
        await new Promise<void>((resolve) => client.once('close', () => resolve()));
        return 0;
      }
      if (!o.command) return await interactive(io, client, undefined);
      if (o.tty) return await interactive(io, client, o.command);
      return await runCommand(io, client, o.command);
    } finally {
      for (const s of servers) s.close();
    }
  });
}

export interface LabelTargetOptions extends NodeSessionOptions {
  /** The label selector ("env=prod,team=web"). */
  labels: string;
  login: string;
  cluster: string;
}

/**
 * A label target, as upstream SSH(): no match is "no target host specified"; one match is an
 * ordinary session on "<uuid>:0"; several run the command on all of them, or with no command
 * open a shell on the first after saying so.
 */
export async function sshLabels(tc: TeleportClient, io: IO, o: LabelTargetOptions): Promise<number> {
  const nodes = await nodesByLabels(tc, o.labels);
  if (!nodes.length) throw new TshError('no target host specified', 'bad-parameter');
  const first: NodeTarget = { host: nodes[0].id, login: o.login, cluster: o.cluster };
  if (nodes.length === 1) return sshSession(tc, io, first, o);
  if (o.command) {
    io.stdout.write(MULTIPLE_NODES_WARNING);
    return runCommandOnNodes(tc, io, nodes, o);
  }
  io.stdout.write(pickingFirstWarning(nodeAddr(first)));
  return sshSession(tc, io, first, { ...o, command: '' });
}
