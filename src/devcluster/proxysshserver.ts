// The proxy's own SSH server (legacy paths, spec/ssh.md §1a/§1b): clients authenticate with
// their user certificate, then open the `proxy:<host>:<port>[@<namespace>]@<cluster>`
// subsystem, which becomes a raw byte pipe to the node. Reached on the proxy SSH port
// (separate ports) or, with TLS routing, inside TLS with ALPN `teleport-proxy-ssh`.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Connection } from 'ssh2';
import type { Authority } from './authority.js';
import { authenticateUserCert, hostCertServer, type SshServer } from './sshhost.js';
import { resolveNode } from './proxyssh.js';
import { relay } from './relay.js';
import type { Catalog } from './resources.js';

export interface ProxySubsystem {
  host: string;
  port: string;
  cluster: string;
}

/** lib/srv/regular/proxy.go parseProxySubsysRequest semantics. */
export function parseProxySubsystem(name: string): ProxySubsystem {
  const bad = () =>
    new Error(
      `invalid format for proxy request: ${JSON.stringify(name)}, expected 'proxy:host:port@cluster'`,
    );
  if (!name.startsWith('proxy:')) throw bad();
  const parts = name.slice('proxy:'.length).split('@');
  const hostPort = parts[0];
  const cluster = parts.length === 1 ? '' : parts.length === 2 ? parts[1] : parts.slice(2).join('@');
  if (!hostPort) return { host: '', port: '', cluster };
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d*)$/.exec(hostPort);
  if (!m) throw bad();
  return { host: m[1] ?? m[2], port: m[3], cluster };
}

export class ProxySshServer {
  private readonly server: SshServer;
  private readonly conns = new Set<Connection>();

  constructor(
    private readonly authority: Authority,
    private readonly catalog: Catalog,
    principals: string[],
    private readonly log: (m: string, f?: Record<string, unknown>) => void,
  ) {
    this.server = hostCertServer(
      authority,
      { keyId: `proxy.${authority.clusterName}`, principals, role: 'Proxy' },
      (conn) => this.onConnection(conn),
    );
  }

  /** Serves one already-accepted connection (plain TCP or the inside of TLS). */
  inject(sock: Duplex): void {
    this.server.injectSocket(sock as net.Socket);
  }

  private onConnection(conn: Connection): void {
    this.conns.add(conn);
    conn.on('close', () => this.conns.delete(conn));
    conn.on('error', () => conn.end());
    conn.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      try {
        // Any of the cert's logins may be the proxy login; the node checks the real one.
        authenticateUserCert(ctx, this.authority);
        ctx.accept();
      } catch (err) {
        this.log('proxy ssh login denied', { reason: (err as Error).message });
        ctx.reject(['publickey']);
      }
    });
    conn.on('ready', () => {
      conn.on('session', (accept) => {
        const session = accept();
        session.on('subsystem', (acceptSub, rejectSub, info) => {
          let req: ProxySubsystem;
          try {
            req = parseProxySubsystem(info.name);
          } catch (err) {
            this.log('bad proxy subsystem', { error: (err as Error).message });
            return rejectSub();
          }
          if (req.cluster && req.cluster !== this.authority.clusterName) return rejectSub();
          const node = resolveNode(this.catalog, req.host)[0];
          if (!node?.addr) return rejectSub();
          const [host, port] = [
            node.addr.slice(0, node.addr.lastIndexOf(':')),
            Number(node.addr.slice(node.addr.lastIndexOf(':') + 1)),
          ];
          const sock = net.connect(port, host);
          const refuse = () => rejectSub();
          sock.once('error', refuse);
          sock.once('connect', () => {
            sock.off('error', refuse);
            const ch = acceptSub();
            this.log('proxy subsystem', { node: node.name });
            relay(sock, ch, (err) =>
              this.log('proxy subsystem closed', {
                node: node.name,
                ...(err ? { level: 'error', error: err.message } : {}),
              }),
            );
          });
        });
      });
    });
  }

  stop(): void {
    for (const c of this.conns) c.end();
  }
}
