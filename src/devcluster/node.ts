// An in-process SSH node of the dev cluster (the patched ssh2 Server): presents a host cert
// from the cluster's host CA, accepts user certs from the user CA whose roles allow this
// node's labels and the requested login, and runs real commands and shells as the OS user
// the dev cluster runs as (it does not switch users).
import { checkNodeSessionMfa } from './mfachallenge.js';
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import type { ServerChannel, Connection, PublicKeyAuthContext, PseudoTtyInfo, Session } from 'ssh2';
import { teleportCertFields } from '../auth/ssh/cert.js';
import type { Authority } from './authority.js';
import { SessionRecorder } from './recorder.js';
import { authenticateUserCert, hostCertServer, type SshServer } from './sshhost.js';
import type { DevClusterConfig } from './config.js';
import { roleAllows } from './rbac.js';
import { allowedResourceMatches } from './access/resources.js';
import { serveSftp } from './sftpserver.js';
import { relay } from './relay.js';
import { killGroup, NodeSession } from './nodesession.js';

export interface NodeInfo {
  name: string;
  id: string;
  labels: Record<string, string>;
}

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/** Host cert principals as Teleport gives its nodes: name, UUID, both qualified by cluster, loopback. */
export function nodePrincipals(node: NodeInfo, cluster: string): string[] {
  return [
    node.name,
    `${node.name}.${cluster}`,
    node.id,
    `${node.id}.${cluster}`,
    'localhost',
    '127.0.0.1',
    '::1',
  ];
}

export class SshNode {
  private readonly server: SshServer;
  private readonly conns = new Set<Connection>();
  private readonly procs = new Set<ChildProcess>();
  port = 0;

  constructor(
    readonly node: NodeInfo,
    private readonly authority: Authority,
    private readonly cfg: DevClusterConfig,
    private readonly log: Log,
    /** Where session recordings go (one `<session id>.tar` each). */
    private readonly recordingsDir: string,
  ) {
    this.server = hostCertServer(
      authority,
      {
        keyId: `${node.id}.${authority.clusterName}`,
        principals: nodePrincipals(node, authority.clusterName),
        role: 'Node',
      },
      (conn, info) => this.onConnection(conn, info.ip),
    );
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** Checks the user cert, its signature, the login and RBAC on this node's labels. */
  private authorize(ctx: PublicKeyAuthContext): string | undefined {
    const cert = authenticateUserCert(ctx, this.authority, ctx.username);
    if (cert === 'query') return 'pending';
    const roles = teleportCertFields(cert).roles;
    const roleCfgs = this.cfg.roles.filter((r) => roles.includes(r.name));
    if (!roleAllows(roleCfgs, 'node', this.node.labels)) {
      throw new Error(`access to node ${this.node.name} denied by roles`);
    }
    checkNodeSessionMfa(this.cfg, cert, this.node.labels, ctx.username);
    // A resource access request's certificate reaches only the resources it lists.
    const allowed = cert.extensions['teleport-allowed-resources'];
    if (allowed && !allowedResourceMatches(allowed, this.authority.clusterName, 'node', this.node.id)) {
      throw new Error(`access to node ${this.node.name} denied: not in the certificate's allowed resources`);
    }
    return cert.keyId;
  }

  private onConnection(conn: Connection, remoteIp: string): void {
    this.conns.add(conn);
    conn.on('close', () => this.conns.delete(conn));
    conn.on('error', () => conn.end());
    let user = '';
    let login = '';
    conn.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      try {
        const who = this.authorize(ctx);
        if (who === 'pending') return ctx.accept();
        user = who ?? '';
        login = ctx.username;
        this.log('node login', { node: this.node.name, user, login: ctx.username });
        ctx.accept();
      } catch (err) {
        this.log('node login denied', {
          node: this.node.name,
          login: ctx.username,
          reason: (err as Error).message,
        });
        ctx.reject(['publickey']);
      }
    });
    conn.on('ready', () => {
      conn.on('session', (accept) => this.onSession(accept(), { user, login, remoteIp }));
      conn.on('tcpip', (accept, _reject, info) => {
        const ch = accept();
        relay(net.connect(info.destPort, info.destIP), ch, (err) => {
          if (err) this.log('port forward failed', { node: this.node.name, error: err.message });
        });
      });
      this.serveRemoteForwards(conn);
    });
  }

  /** ssh -R: tcpip-forward global requests open a listener here; connections go back to the client. */
  private serveRemoteForwards(conn: Connection): void {
    const listeners = new Map<string, net.Server>();
    conn.on('request', (accept, reject, name, info) => {
      const key = `${info.bindAddr}:${info.bindPort}`;
      if (name === 'cancel-tcpip-forward') {
        listeners.get(key)?.close();
        listeners.delete(key);
        return accept?.();
      }
      if (name !== 'tcpip-forward') return reject?.();
      const server = net.createServer((sock) => {
        sock.on('error', () => sock.destroy());
        conn.forwardOut(
          info.bindAddr,
          server.address() ? (server.address() as net.AddressInfo).port : info.bindPort,
          sock.remoteAddress ?? '127.0.0.1',
          sock.remotePort ?? 0,
          (err, ch) => {
            if (err) return sock.destroy();
            relay(sock, ch);
          },
        );
      });
      // Until it listens, a failure refuses the request; after, it is only logged.
      let listening = false;
      server.on('error', (err) => {
        if (!listening) return reject?.();
        this.log('remote forward failed', { node: this.node.name, error: err.message });
      });
      server.listen(info.bindPort, info.bindAddr || '127.0.0.1', () => {
        listening = true;
        listeners.set(key, server);
        accept?.((server.address() as net.AddressInfo).port);
      });
    });
    conn.on('close', () => {
      for (const l of listeners.values()) l.close();
    });
  }

  private onSession(session: Session, who: { user: string; login: string; remoteIp: string }): void {
    let pty: PseudoTtyInfo | undefined;
    const env: Record<string, string> = {};
    session.on('pty', (accept, _r, info) => {
      pty = info;
      accept?.();
    });
    session.on('env', (accept, _r, info) => {
      env[info.key] = info.val;
      accept?.();
    });
    let recorder: SessionRecorder | undefined;
    session.on('window-change', (accept, _r, info) => {
      recorder?.resize(info.cols, info.rows);
      accept?.();
    });
    const run = (ch: ServerChannel, command: string | undefined) => {
      const shell = process.env.SHELL || '/bin/sh';
      const baseEnv = { ...process.env, ...env, TERM: pty?.term ?? env.TERM ?? 'xterm' };
      // Every exec and shell session is recorded, as a Teleport node in "node" recording mode.
      // The recorder reports a failure later (never from its constructor), once the session exists.
      const owner: { session?: NodeSession } = {};
      const rec = new SessionRecorder(
        this.recordingsDir,
        {
          clusterName: this.authority.clusterName,
          user: who.user,
          login: who.login,
          serverId: this.node.id,
          serverHostname: this.node.name,
          serverAddr: `127.0.0.1:${this.port}`,
          remoteAddr: who.remoteIp,
          terminalSize: pty ? `${pty.cols}:${pty.rows}` : '',
          command: command ? [command] : [],
          interactive: !!pty,
        },
        { onError: (err) => owner.session?.recordingFailed(err) },
      );
      recorder = rec;
      const fields = { node: this.node.name, session: rec.sessionId };
      this.log('session start', { ...fields, file: rec.file });
      // A PTY via util-linux `script`; window changes are not forwarded to it. Its own process
      // group, so ending the session reaches the whole pipeline it started.
      const child = pty
        ? spawn('script', ['-qfec', command ?? `${shell} -i`, '/dev/null'], { env: baseEnv, detached: true })
        : spawn(shell, command ? ['-c', command] : ['-i'], { env: baseEnv, detached: true });
      this.procs.add(child);
      child.on('close', () => this.procs.delete(child));
      owner.session = new NodeSession(ch, child, rec, !!pty, (msg, f) => this.log(msg, { ...fields, ...f }));
      owner.session.start();
    };
    session.on('exec', (accept, _r, info) => run(accept(), info.command));
    session.on('shell', (accept) => run(accept(), undefined));
    session.on('sftp', (accept) => serveSftp(accept()));
  }

  async stop(): Promise<void> {
    for (const p of this.procs) killGroup(p, 'SIGKILL');
    for (const c of this.conns) c.end();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
