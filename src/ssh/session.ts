// SSH to a node as tsh does: dial through the proxy (ProxySSH), verify the node's host
// certificate against the cluster host CAs in known_hosts, authenticate with the user cert.
import { sshSessionMfaRetry, type SshMfaCert, type SshMfaPromptOptions } from '../client/mfa/sshretry.js';
import * as net from 'node:net';
import { localUsername } from '../util/osuser.js';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { status } from '@grpc/grpc-js';
import ssh2, { type ClientChannel } from 'ssh2';
import { DEFAULT_SSH_DIAL_TIMEOUT_MS, profileNameFromAddr, splitHostPort } from '../auth/profile.js';
import { parseSshCertificateLine, type SshCertificate } from '../auth/ssh/cert.js';
import { parseAuthorizedKey } from '../auth/ssh/keys.js';
import type { ClusterClient } from '../client/cluster.js';
import type { Logger } from '../client/config.js';
import { grpcCode } from '../client/grpc/errors.js';
import type { ClientIdentity } from '../client/identity.js';
import type { TeleportClient } from '../client/teleport.js';
import { formatGoDuration } from '../format/duration.js';
import { TshError, errorLine } from '../util/errors.js';
import { ALPN_PROXY_SSH } from '../wire/alpn.js';
import { clientCertAuthOptions, hostCertAlgorithms, hostCertVerifier } from '../wire/ssh2certs.js';
import { AgentStream, keyRingIdentities, type AgentIdentity } from './agentproto.js';
import { dialHost, joinHostPort } from './dialhost.js';

export interface NodeTarget {
  /** Name, UUID or address the user gave (or the node's UUID for label targets). */
  host: string;
  port?: number;
  login: string;
  cluster: string;
}

/** The login tsh uses when neither user@ nor -l/TELEPORT_LOGIN gives one: the local user. */
export const defaultLogin = localUsername;

/** Trusted host CA blobs for this proxy from ~/.tsh/known_hosts (or the identity file). */
export async function hostCABlobs(tc: TeleportClient): Promise<Buffer[]> {
  const id = await tc.identity();
  if (id.knownHosts?.length)
    return id.knownHosts.map((l) => parseAuthorizedKey(l.replace(/^@cert-authority\s+\S+\s+/, '')).blob);
  return (await tc.keyStore())
    .readKnownHostCAs(profileNameFromAddr(id.webProxyAddr))
    .map((e) => parseAuthorizedKey(e.line).blob);
}

const { Client, BaseAgent } = ssh2;
type Client = InstanceType<typeof Client>;

/** ssh2 agent whose stream is our in-memory agent (used only for forwarding, -A). */
class KeyRingAgent extends BaseAgent {
  constructor(
    private readonly ids: AgentIdentity[],
    private readonly log: Logger,
  ) {
    super();
  }
  override getIdentities(cb: (err: Error | undefined, keys?: never[]) => void): void {
    // Authentication uses the key and certificate directly, never this agent.
    cb(new Error('the forwarding agent is not used for authentication'));
  }
  override sign(_key: unknown, _data: Buffer, ...rest: unknown[]): void {
    const cb = rest.pop() as (err: Error) => void;
    cb(new Error('the forwarding agent is not used for authentication'));
  }
  override getStream(cb: (err: Error | undefined, stream?: AgentStream) => void): void {
    // A request we cannot frame closes this agent channel only (AgentStream ends its answers);
    // ssh2 pipes the stream without an 'error' listener, so nothing may reach it as one.
    const stream = new AgentStream(this.ids, (err) =>
      this.log('closing the forwarded agent channel', { error: err.message }),
    );
    stream.on('error', (err) => this.log('forwarded agent channel failed', { error: err.message }));
    cb(undefined, stream);
  }
}

function isUnimplemented(err: unknown): boolean {
  return grpcCode(err) === status.UNIMPLEMENTED;
}

/** The client's own credentials for SSH, checked before any connection is opened. */
export interface SshUserAuth {
  cert: SshCertificate;
  /** ssh2's privateKey + certificate options. */
  options: { privateKey: string; certificate: string };
}

/**
 * The SSH certificate and key of the identity, parsed and matched. A certificate that cannot be
 * used is one line naming its file; nothing has been dialed yet, so nothing is left open.
 */
export function sshUserAuth(id: ClientIdentity): SshUserAuth {
  const src = id.sshCertSource;
  if (!id.sshCert || !id.sshKey) {
    throw src?.identityFile
      ? new TshError(`identity file ${src.path} has no SSH certificate`, 'bad-parameter')
      : new TshError('no SSH certificate in your credentials; run "tshjs login"', 'relogin');
  }
  try {
    return {
      cert: parseSshCertificateLine(id.sshCert),
      options: clientCertAuthOptions(id.sshKey, id.sshCert),
    };
  } catch (err) {
    const where = src ? (src.identityFile ? ` in identity file ${src.path}` : ` ${src.path}`) : '';
    const hint = src?.identityFile ? '' : '; run "tshjs login" again';
    throw new TshError(
      `SSH certificate${where} is unusable (${errorLine(err)})${hint}`,
      src?.identityFile ? 'bad-parameter' : 'relogin',
      1,
      { cause: err },
    );
  }
}

/** The ssh_dial_timeout of the identity's profile (upstream's default without one). */
export function dialTimeoutMs(id: ClientIdentity): number {
  return id.sshDialTimeoutMs ?? DEFAULT_SSH_DIAL_TIMEOUT_MS;
}

/** What upstream says when the SSH handshake with a node runs past ssh_dial_timeout. */
function handshakeTimeout(addr: string, ms: number): TshError {
  return new TshError(
    `failed to connect to ${JSON.stringify(addr)}: ssh: handshake failed: no answer within ${formatGoDuration(ms)} (ssh_dial_timeout)`,
    'connection-problem',
  );
}

/** Waits for a connected ssh2 client, with one-line errors. */
function ready(
  client: Client,
  what: string,
  verifier: ReturnType<typeof hostCertVerifier>,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve());
    // 'on', not 'once': after a timeout ssh2 also reports the connection it dropped, and an
    // 'error' nobody listens for would crash the process. The first error decides.
    client.on('error', (err: Error & { level?: string }) => {
      if (verifier.lastError)
        reject(new TshError(`${what} is not trusted: ${verifier.lastError.message}`, 'bad-tls'));
      else if (err.level === 'client-timeout')
        reject(
          new TshError(
            `ssh to ${what} failed: no answer within ${formatGoDuration(timeoutMs)} (ssh_dial_timeout)`,
            'connection-problem',
          ),
        );
      else reject(new TshError(`ssh to ${what} failed: ${err.message}`, 'connection-problem'));
    });
  });
}

/**
 * The legacy path (spec/ssh.md §1a/§1b), used when the proxy has no TransportService.ProxySSH:
 * SSH to the proxy — inside TLS with ALPN teleport-proxy-ssh on the web port with TLS routing,
 * else on the proxy SSH port — then the `proxy:<host>:<port>@<cluster>` subsystem.
 */
async function legacyProxyDial(tc: TeleportClient, cc: ClusterClient, target: NodeTarget): Promise<Duplex> {
  const id = cc.identity;
  // Everything that can fail without the network first: a bad certificate leaves nothing open.
  const auth = sshUserAuth(id);
  const web = splitHostPort(id.webProxyAddr);
  const verifier = hostCertVerifier({
    caBlobs: await hostCABlobs(tc),
    host: [web.host, 'localhost', id.rootCluster],
  });
  const timeoutMs = dialTimeoutMs(id);
  let transport: net.Socket | undefined;
  await new Promise<void>((resolve, reject) => {
    let s: net.Socket;
    if (id.tlsRouting) {
      s = tls.connect({
        host: web.host,
        port: web.port,
        servername: net.isIP(web.host) ? undefined : web.host,
        ALPNProtocols: [ALPN_PROXY_SSH],
        ca: id.trustedCAs,
        rejectUnauthorized: !cc.insecure,
      });
      s.once('secureConnect', () => resolve());
    } else {
      const a = splitHostPort(id.sshProxyAddr ?? '');
      s = net.connect(a.port ?? 3023, a.host, () => resolve());
    }
    transport = s;
    // As upstream's dialer: the connect is bounded by ssh_dial_timeout.
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`no answer within ${formatGoDuration(timeoutMs)}`)));
    s.once('error', reject);
  }).catch((err: Error) => {
    transport?.destroy();
    throw new TshError(`cannot reach the proxy's SSH service: ${err.message}`, 'connection-problem');
  });
  const sock = transport!;
  sock.setTimeout(0);
  const proxy = new Client();
  try {
    const connected = ready(proxy, `proxy ${web.host}`, verifier, timeoutMs);
    proxy.connect({
      sock,
      // tsh logs in to the proxy as the certificate's first principal.
      username: auth.cert.validPrincipals[0] ?? '',
      ...auth.options,
      algorithms: hostCertAlgorithms(),
      hostVerifier: verifier,
      readyTimeout: timeoutMs,
    });
    await connected;
  } catch (err) {
    proxy.destroy();
    sock.destroy();
    throw err;
  }
  quietAfterReady(proxy, tc.log, 'proxy');
  const subsystem = `proxy:${target.host}:${target.port ?? 0}@${target.cluster}`;
  return new Promise((resolve, reject) => {
    proxy.subsys(subsystem, (err, stream) => {
      if (err) {
        proxy.end();
        reject(
          new TshError(
            `target host ${target.host} is offline or does not exist (proxy refused ${subsystem})`,
            'not-found',
          ),
        );
        return;
      }
      stream.on('close', () => proxy.end());
      resolve(stream);
    });
  });
}

/**
 * Errors of a connected client (keepalive timeout, a reset) end up as its channels closing; ssh2
 * emits them as 'error' too, which with no listener would crash the process.
 */
function quietAfterReady(client: Client, log: Logger, what: string): void {
  client.on('error', (err: Error) => log('ssh connection error', { to: what, error: err.message }));
}

/** The address tsh dials and names in errors: host and the -p port, 0 (the node's own) when none. */
export function nodeAddr(target: Pick<NodeTarget, 'host' | 'port'>): string {
  return joinHostPort(target.host, target.port ?? 0);
}

/** ProxySSH over gRPC, as current tsh; the legacy proxy SSH path when the proxy lacks it. */
export async function openNodeStream(tc: TeleportClient, target: NodeTarget): Promise<Duplex> {
  const cc = await tc.cluster();
  try {
    return await dialHost(cc, nodeAddr(target), target.cluster, dialTimeoutMs(cc.identity));
  } catch (err) {
    if (!isUnimplemented(err)) throw err;
    tc.log('proxy has no ProxySSH; using the proxy SSH subsystem', { host: target.host });
    return legacyProxyDial(tc, cc, target);
  }
}

export interface ConnectOptions {
  /** Per-session MFA prompts (src/client/mfa/session.ts): where they go, and --mfa-mode. */
  mfa?: SshMfaPromptOptions;
  /** Host names the node's certificate must carry (default: the target host and host.cluster). */
  principals?: string[];
  /** -A: serve our key and certificate to the node over auth-agent@openssh.com. */
  forwardAgent?: boolean;
}

/**
 * An authenticated SSH client on the node, reached through the proxy of tc's profile. Whatever
 * fails, what this opened (the node stream, the ssh2 client) is closed before the error is thrown.
 */
export async function connectNode(
  tc: TeleportClient,
  target: NodeTarget,
  opts: ConnectOptions = {},
): Promise<Client> {
  try {
    return await connectNodeWith(tc, target, opts);
  } catch (err) {
    // A node that refused us may want per-session MFA: retry with a single-use certificate.
    const mfa = await sshSessionMfaRetry(tc, target, err, opts.mfa);
    return connectNodeWith(tc, target, opts, mfa);
  }
}

async function connectNodeWith(
  tc: TeleportClient,
  target: NodeTarget,
  opts: ConnectOptions,
  mfa?: SshMfaCert,
): Promise<Client> {
  const tid = await tc.identity();
  const id = mfa ? { ...tid, sshKey: mfa.key, sshCert: mfa.cert } : tid;
  // Credentials and trusted CAs first: their failures must not leave a dialed stream behind.
  const auth = sshUserAuth(id);
  const verifier = hostCertVerifier({
    caBlobs: await hostCABlobs(tc),
    host: opts.principals ?? [target.host, `${target.host}.${target.cluster}`],
  });
  const timeoutMs = dialTimeoutMs(id);
  const sock = await openNodeStream(tc, target);
  const client = new Client();
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      // 'on': later errors (the dropped connection after a timeout) must find a listener too.
      client.on('error', (err: Error & { level?: string }) => {
        if (verifier.lastError) {
          reject(
            new TshError(`host ${target.host} is not trusted: ${verifier.lastError.message}`, 'bad-tls'),
          );
        } else if (err.level === 'client-authentication') {
          // lib/client/client.go NewNodeClient: the node address as dialled (host:port, port 0
          // when -p was not given; <uuid>:0 for label targets).
          reject(
            new TshError(
              `access denied to ${target.login} connecting to ${nodeAddr(target)}`,
              'access-denied',
            ),
          );
        } else if (err.level === 'client-timeout') {
          // NewNodeClient names the node as the proxy subsystem does: host:port@namespace@cluster.
          reject(handshakeTimeout(`${nodeAddr(target)}@default@${target.cluster}`, timeoutMs));
        } else {
          reject(new TshError(`ssh to ${target.host} failed: ${err.message}`, 'connection-problem'));
        }
      });
      client.connect({
        sock,
        username: target.login,
        ...auth.options,
        algorithms: hostCertAlgorithms(),
        hostVerifier: verifier,
        ...(opts.forwardAgent
          ? {
              agent: new KeyRingAgent(keyRingIdentities(id.sshKey!, auth.cert.blob), tc.log),
              agentForward: true,
            }
          : {}),
        // upstream: ssh.ClientConfig.Timeout = the profile's ssh_dial_timeout, for the handshake.
        readyTimeout: timeoutMs,
        keepaliveInterval: 30_000,
      });
    });
  } catch (err) {
    client.destroy();
    sock.destroy();
    throw err;
  }
  quietAfterReady(client, tc.log, target.host);
  closeWhenPeerEnds(client, sock);
  tc.log('ssh connected', { host: target.host, login: target.login });
  return client;
}

/**
 * The node's side of the stream ended (the node died and the proxy ended the relay): nothing more
 * can arrive, so close the connection as Go's ssh does on EOF. ssh2 only closes its channels on
 * 'close', and a half-open stream would never get there: every channel (exec, shell, sftp) would
 * wait forever with nothing left to keep the process alive. The stream itself is destroyed:
 * ssh2's destroy() does nothing once the stream's readable side has ended.
 */
export function closeWhenPeerEnds(client: Client, sock: Duplex): void {
  client.once('end', () => sock.destroy());
}

/**
 * Runs fn on a connected node client and ends the connection: gracefully after success, at once
 * after a failure (nothing then waits on the peer to close the stream to the proxy).
 */
export async function withNode<T>(client: Client, fn: (client: Client) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    client.end();
  }
}

/** ssh2's "Unable to request agent forwarding" in tsh terms. */
function channelError(err: Error): Error {
  return /agent forwarding/i.test(err.message)
    ? new TshError(
        'the node refused agent forwarding (-A): your roles must allow forward_agent',
        'access-denied',
      )
    : err;
}

// Agent forwarding is requested on every channel when the client was connected with
// forwardAgent (ssh2's allowAgentFwd), so the channel helpers take no agent option.
export function execChannel(
  client: Client,
  command: string,
  pty?: { term: string; cols: number; rows: number },
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, pty ? { pty } : {}, (err, ch) =>
      err ? reject(channelError(err)) : resolve(watchExit(ch)),
    );
  });
}

export function shellChannel(
  client: Client,
  pty: { term: string; cols: number; rows: number },
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.shell(pty, (err, ch) => (err ? reject(channelError(err)) : resolve(watchExit(ch))));
  });
}

/** Go's ssh.ExitMissingError, which tsh prints as is: the channel closed without saying how it ended. */
export const EXIT_MISSING = 'wait: remote command exited without exit status or exit signal';

const exits = new WeakMap<ClientChannel, Promise<number>>();

/**
 * Listens for the channel's exit status from the moment the channel exists: ssh2 emits 'exit' as
 * it reads the packet, which can come in the same read as the channel's confirmation, before the
 * caller's `await execChannel(...)` resumes. The promise settles when the channel closes, which
 * ssh2 also does for every channel when the connection closes (after what was received is read;
 * a connection whose peer ended is closed by closeWhenPeerEnds).
 */
function watchExit(ch: ClientChannel): ClientChannel {
  const exit = new Promise<number>((resolve, reject) => {
    let code: number | undefined;
    ch.on('exit', (c: number | null, signal?: string) => {
      code = c ?? (signal ? 255 : 0);
    });
    ch.once('close', () => {
      if (code !== undefined) resolve(code);
      else reject(new TshError(EXIT_MISSING, 'connection-problem'));
    });
  });
  // Nobody may be awaiting yet (the caller first wires the streams): no unhandled rejection.
  exit.catch(() => undefined);
  exits.set(ch, exit);
  return ch;
}

/**
 * Waits for the channel to finish; resolves the remote exit code (255 for a signal, as ssh), or
 * rejects with EXIT_MISSING when it closed (or its connection went) without one.
 */
export function channelExit(ch: ClientChannel): Promise<number> {
  return exits.get(ch) ?? exits.get(watchExit(ch))!;
}
