// SSH to a node as tsh does: dial through the proxy (ProxySSH), verify the node's host
// certificate against the cluster host CAs in known_hosts, authenticate with the user cert.
import * as net from 'node:net';
import { localUsername } from '../util/osuser.js';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { status } from '@grpc/grpc-js';
import ssh2, { type ClientChannel } from 'ssh2';
import { profileNameFromAddr, splitHostPort } from '../auth/profile.js';
import { parseSshCertificateLine } from '../auth/ssh/cert.js';
import { parseAuthorizedKey } from '../auth/ssh/keys.js';
import type { ClusterClient } from '../client/cluster.js';
import { grpcCode } from '../client/grpc/errors.js';
import type { TeleportClient } from '../client/teleport.js';
import { TshError } from '../util/errors.js';
import { ALPN_PROXY_SSH } from '../wire/alpn.js';
import { clientCertAuthOptions, hostCertAlgorithms, hostCertVerifier } from '../wire/ssh2certs.js';
import { AgentStream, keyRingIdentities } from './agentproto.js';
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
  constructor(private readonly ids: ReturnType<typeof keyRingIdentities>) {
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
    cb(undefined, new AgentStream(this.ids));
  }
}

function isUnimplemented(err: unknown): boolean {
  return grpcCode(err) === status.UNIMPLEMENTED;
}

/** Waits for a connected ssh2 client, with one-line errors. */
function ready(client: Client, what: string, verifier: ReturnType<typeof hostCertVerifier>): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (err: Error & { level?: string }) => {
      if (verifier.lastError)
        reject(new TshError(`${what} is not trusted: ${verifier.lastError.message}`, 'bad-tls'));
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
  const web = splitHostPort(id.webProxyAddr);
  const transport = await new Promise<Duplex>((resolve, reject) => {
    if (id.tlsRouting) {
      const s = tls.connect({
        host: web.host,
        port: web.port,
        servername: net.isIP(web.host) ? undefined : web.host,
        ALPNProtocols: [ALPN_PROXY_SSH],
        ca: id.trustedCAs,
        rejectUnauthorized: !cc.insecure,
      });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    } else {
      const a = splitHostPort(id.sshProxyAddr ?? '');
      const s = net.connect(a.port ?? 3023, a.host, () => resolve(s));
      s.once('error', reject);
    }
  }).catch((err: Error) => {
    throw new TshError(`cannot reach the proxy's SSH service: ${err.message}`, 'connection-problem');
  });
  const verifier = hostCertVerifier({
    caBlobs: await hostCABlobs(tc),
    host: [web.host, 'localhost', id.rootCluster],
  });
  const proxy = new Client();
  const connected = ready(proxy, `proxy ${web.host}`, verifier);
  const cert = parseSshCertificateLine(id.sshCert!);
  proxy.connect({
    sock: transport as net.Socket,
    // tsh logs in to the proxy as the certificate's first principal.
    username: cert.validPrincipals[0] ?? '',
    ...clientCertAuthOptions(id.sshKey!, id.sshCert!),
    algorithms: hostCertAlgorithms(),
    hostVerifier: verifier,
    readyTimeout: 30_000,
  });
  await connected;
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

/** The address tsh dials and names in errors: host and the -p port, 0 (the node's own) when none. */
export function nodeAddr(target: Pick<NodeTarget, 'host' | 'port'>): string {
  return joinHostPort(target.host, target.port ?? 0);
}

/** ProxySSH over gRPC, as current tsh; the legacy proxy SSH path when the proxy lacks it. */
export async function openNodeStream(tc: TeleportClient, target: NodeTarget): Promise<Duplex> {
  const cc = await tc.cluster();
  try {
    return await dialHost(cc, nodeAddr(target), target.cluster);
  } catch (err) {
    if (!isUnimplemented(err)) throw err;
    tc.log('proxy has no ProxySSH; using the proxy SSH subsystem', { host: target.host });
    return legacyProxyDial(tc, cc, target);
  }
}

export interface ConnectOptions {
  /** Host names the node's certificate must carry (default: the target host and host.cluster). */
  principals?: string[];
  /** -A: serve our key and certificate to the node over auth-agent@openssh.com. */
  forwardAgent?: boolean;
}

/** An authenticated SSH client on the node, reached through the proxy of tc's profile. */
export async function connectNode(
  tc: TeleportClient,
  target: NodeTarget,
  opts: ConnectOptions = {},
): Promise<Client> {
  const id = await tc.identity();
  if (!id.sshCert || !id.sshKey)
    throw new TshError('no SSH certificate in your credentials; run "tshjs login"', 'relogin');
  const sock = await openNodeStream(tc, target);
  const verifier = hostCertVerifier({
    caBlobs: await hostCABlobs(tc),
    host: opts.principals ?? [target.host, `${target.host}.${target.cluster}`],
  });
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (err: Error & { level?: string }) => {
      if (verifier.lastError) {
        reject(new TshError(`host ${target.host} is not trusted: ${verifier.lastError.message}`, 'bad-tls'));
      } else if (err.level === 'client-authentication') {
        // lib/client/client.go NewNodeClient: the node address as dialled (host:port, port 0
        // when -p was not given; <uuid>:0 for label targets).
        reject(
          new TshError(`access denied to ${target.login} connecting to ${nodeAddr(target)}`, 'access-denied'),
        );
      } else {
        reject(new TshError(`ssh to ${target.host} failed: ${err.message}`, 'connection-problem'));
      }
    });
    client.connect({
      sock,
      username: target.login,
      ...clientCertAuthOptions(id.sshKey!, id.sshCert!),
      algorithms: hostCertAlgorithms(),
      hostVerifier: verifier,
      ...(opts.forwardAgent
        ? {
            agent: new KeyRingAgent(keyRingIdentities(id.sshKey!, parseSshCertificateLine(id.sshCert!).blob)),
            agentForward: true,
          }
        : {}),
      readyTimeout: 30_000,
      keepaliveInterval: 30_000,
    });
  });
  tc.log('ssh connected', { host: target.host, login: target.login });
  return client;
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

const exits = new WeakMap<ClientChannel, Promise<number>>();

/**
 * Listens for the channel's exit status from the moment the channel exists: ssh2 emits 'exit' as
 * it reads the packet, which can come in the same read as the channel's confirmation, before the
 * caller's `await execChannel(...)` resumes.
 */
function watchExit(ch: ClientChannel): ClientChannel {
  exits.set(
    ch,
    new Promise((resolve) => {
      let code: number | undefined;
      ch.on('exit', (c: number | null, signal?: string) => {
        code = c ?? (signal ? 255 : 0);
      });
      ch.on('close', () => resolve(code ?? 255));
    }),
  );
  return ch;
}

/** Waits for the channel to finish; resolves the remote exit code (255 for a signal, as ssh). */
export function channelExit(ch: ClientChannel): Promise<number> {
  return exits.get(ch) ?? exits.get(watchExit(ch))!;
}
