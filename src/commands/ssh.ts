// tshjs ssh [user@]host [command...]: like tsh ssh — exec with the remote exit code as ours,
// interactive shells with a PTY (raw mode, window changes, terminal always restored), -L
// forwards, and label targets (user@k=v) that run the command on every matching node.
import * as net from 'node:net';
import { userInfo } from 'node:os';
import type { Client } from 'ssh2';
import { parseLabelSpec } from '../client/filter.js';
import type { ClientContext } from '../client/context.js';
import type { ClusterClient } from '../client/cluster.js';
import { listUnified } from '../client/listing.js';
import { withClusterClient } from '../client/session.js';
import { channelExit, connectNode, execChannel, shellChannel } from '../ssh/session.js';
import { socksServer } from '../ssh/socks5.js';
import { TshError } from '../util/errors.js';

export interface SshOptions {
  target: string;
  command: string[];
  /** -t / -T */
  tty?: boolean;
  noTty?: boolean;
  port?: number;
  /** -L specs */
  local?: string[];
  /** -R specs */
  remote?: string[];
  /** -D [bind:]port */
  dynamic?: string[];
  /** -A */
  forwardAgent?: boolean;
  /** -N: no command, forwarding only */
  noCommand?: boolean;
}

interface LocalForward {
  bindHost: string;
  bindPort: number;
  host: string;
  port: number;
}

/** `[bind_address:]port:host:hostport`, as ssh's -L and -R take it. */
export function parseLocalForward(spec: string, flag = '-L'): LocalForward {
  const parts = spec.split(':');
  const num = (s: string) => {
    const n = Number(s);
    if (!s || !Number.isInteger(n) || n < 0 || n > 65535) {
      throw new TshError(`invalid port in ${flag} ${spec}`, 'bad-parameter');
    }
    return n;
  };
  if (parts.length === 3)
    return { bindHost: '127.0.0.1', bindPort: num(parts[0]), host: parts[1], port: num(parts[2]) };
  if (parts.length === 4) {
    return {
      bindHost: parts[0] || '127.0.0.1',
      bindPort: num(parts[1]),
      host: parts[2],
      port: num(parts[3]),
    };
  }
  throw new TshError(
    `invalid ${flag} "${spec}"; expected [bind_address:]port:host:hostport`,
    'bad-parameter',
  );
}

/** `[bind_address:]port` for -D. */
export function parseDynamicForward(spec: string): { bindHost: string; bindPort: number } {
  const m = /^(?:(.*):)?(\d+)$/.exec(spec);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new TshError(`invalid -D "${spec}"; expected [bind_address:]port`, 'bad-parameter');
  return { bindHost: m[1] || '127.0.0.1', bindPort: port };
}

/** -R: the node listens and each connection comes back to host:port on this side. */
function forwardRemote(client: Client, f: LocalForward, log: ClientContext['log']): Promise<void> {
  client.on('tcp connection', (info, accept, reject) => {
    if (info.destPort !== f.bindPort) return reject();
    const ch = accept();
    const sock = net.connect(f.port, f.host);
    sock.on('error', (err) => {
      log('remote forward target failed', { error: err.message });
      ch.close();
    });
    sock.pipe(ch).pipe(sock);
  });
  return new Promise((resolve, reject) => {
    client.forwardIn(f.bindHost, f.bindPort, (err) =>
      err
        ? reject(
            new TshError(
              `the node refused remote forwarding of ${f.bindHost}:${f.bindPort}: ${err.message}`,
              'access-denied',
            ),
          )
        : resolve(),
    );
  });
}

/** -D: a local SOCKS5 proxy whose connections leave from the node. */
function forwardDynamic(client: Client, spec: { bindHost: string; bindPort: number }): Promise<net.Server> {
  const server = socksServer(
    (host, port) =>
      new Promise((resolve, reject) =>
        client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? reject(err) : resolve(ch))),
      ),
  );
  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new TshError(`cannot listen on ${spec.bindHost}:${spec.bindPort}: ${err.message}`, 'bad-parameter'),
      ),
    );
    server.listen(spec.bindPort, spec.bindHost, () => resolve(server));
  });
}

function defaultLogin(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** Node UUIDs matching a label target ("env=prod,team=web"). */
async function nodesByLabels(cc: ClusterClient, spec: string): Promise<Array<{ id: string; name: string }>> {
  const labels = parseLabelSpec(spec);
  const out: Array<{ id: string; name: string }> = [];
  for await (const page of listUnified(cc, ['node'], { labels })) {
    for (const r of page) {
      if (r.resource?.$case === 'Node')
        out.push({ id: r.resource.value.Metadata?.Name ?? '', name: r.resource.value.Spec?.Hostname ?? '' });
    }
  }
  return out;
}

function forwardLocal(client: Client, f: LocalForward, log: ClientContext['log']): Promise<net.Server> {
  const server = net.createServer((sock) => {
    client.forwardOut(sock.remoteAddress ?? '127.0.0.1', sock.remotePort ?? 0, f.host, f.port, (err, ch) => {
      if (err) {
        log('forward failed', { error: err.message });
        sock.destroy();
        return;
      }
      sock.pipe(ch).pipe(sock);
      ch.on('close', () => sock.destroy());
      sock.on('close', () => ch.close());
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(new TshError(`cannot listen on ${f.bindHost}:${f.bindPort}: ${err.message}`, 'bad-parameter')),
    );
    server.listen(f.bindPort, f.bindHost, () => resolve(server));
  });
}

async function interactive(ctx: ClientContext, client: Client, command: string | undefined): Promise<number> {
  const { stdin, stdout } = ctx.io;
  const out = stdout as NodeJS.WriteStream;
  const pty = { term: ctx.io.env.TERM || 'xterm', cols: out.columns || 80, rows: out.rows || 24 };
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
  ch.stderr.pipe(ctx.io.stderr, { end: false });
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

async function runCommand(
  ctx: ClientContext,
  client: Client,
  command: string,
  prefix?: string,
): Promise<number> {
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
    lines(ch, ctx.io.stdout);
    lines(ch.stderr, ctx.io.stderr);
    ch.end();
  } else {
    ctx.io.stdin.pipe(ch);
    ch.pipe(ctx.io.stdout, { end: false });
    ch.stderr.pipe(ctx.io.stderr, { end: false });
  }
  try {
    return await channelExit(ch);
  } finally {
    ctx.io.stdin.unpipe(ch);
    ctx.io.stdin.pause();
  }
}

export function splitTarget(target: string): { user?: string; host: string } {
  const at = target.lastIndexOf('@');
  return at >= 0 ? { user: target.slice(0, at) || undefined, host: target.slice(at + 1) } : { host: target };
}

export async function runSsh(ctx: ClientContext, o: SshOptions): Promise<number> {
  const { user, host } = splitTarget(o.target);
  if (!host) throw new TshError('no host given; usage: tshjs ssh [user@]host [command...]', 'bad-parameter');
  if (/^[^=]+:\d+$/.test(host)) {
    const port = host.split(':').pop();
    throw new TshError(
      `please use ssh subcommand with '--port=${port}' flag instead of semicolon`,
      'bad-parameter',
    );
  }
  const login = user || ctx.opts.login || defaultLogin();
  const command = o.command.join(' ');
  const forwards = (o.local ?? []).map((f) => parseLocalForward(f));
  const remotes = (o.remote ?? []).map((f) => parseLocalForward(f, '-R'));
  const dynamics = (o.dynamic ?? []).map(parseDynamicForward);
  return withClusterClient(ctx, async (cc) => {
    const cluster = cc.identity.cluster;
    if (host.includes('=')) {
      if (!command)
        throw new TshError('a command is required when the target is a label selector', 'bad-parameter');
      const nodes = await nodesByLabels(cc, host);
      if (!nodes.length) throw new TshError(`no nodes match labels ${host}`, 'not-found');
      const results = await Promise.all(
        nodes.map(async (n) => {
          try {
            const client = await connectNode(
              cc,
              { host: n.id, login, cluster },
              { home: ctx.home, log: ctx.log, forwardAgent: o.forwardAgent },
            );
            try {
              return await runCommand(ctx, client, command, n.name);
            } finally {
              client.end();
            }
          } catch (err) {
            ctx.io.stderr.write(`[${n.name}] ERROR: ${(err as Error).message}\n`);
            return 1;
          }
        }),
      );
      return results.some((c) => c !== 0) ? 1 : 0;
    }
    const client = await connectNode(
      cc,
      { host, port: o.port, login, cluster },
      { home: ctx.home, log: ctx.log, forwardAgent: o.forwardAgent },
    );
    const servers: net.Server[] = [];
    try {
      for (const f of forwards) servers.push(await forwardLocal(client, f, ctx.log));
      for (const d of dynamics) servers.push(await forwardDynamic(client, d));
      for (const r of remotes) await forwardRemote(client, r, ctx.log);
      if (o.noCommand) {
        await new Promise<void>((resolve) => client.once('close', () => resolve()));
        return 0;
      }
      const wantTty = o.tty || (!o.noTty && !command && !!ctx.io.stdin.isTTY);
      if (wantTty) return await interactive(ctx, client, command || undefined);
      if (!command)
        throw new TshError('stdin is not a terminal: give a command, or -t to force a PTY', 'bad-parameter');
      return await runCommand(ctx, client, command);
    } finally {
      for (const s of servers) s.close();
      client.end();
    }
  });
}
