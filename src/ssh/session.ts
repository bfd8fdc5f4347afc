// SSH to a node as tsh does: dial through the proxy (ProxySSH), verify the node's host
// certificate against the cluster host CAs in known_hosts, authenticate with the user cert.
import ssh2, { type ClientChannel } from 'ssh2';
import { parseSshCertificateLine } from '../auth/ssh/cert.js';
import { AgentStream, keyRingIdentities } from './agentproto.js';
import { FileKeyStore } from '../auth/keystore.js';
import { parseAuthorizedKey } from '../auth/ssh/keys.js';
import { profileNameFromAddr } from '../auth/profile.js';
import type { ClusterClient } from '../client/cluster.js';
import { TshError } from '../util/errors.js';
import { dialHost } from './dialhost.js';
import { clientCertAuthOptions, hostCertAlgorithms, hostCertVerifier } from './ssh2certs.js';

export interface NodeTarget {
  /** Name, UUID or address the user gave (or the node's UUID for label targets). */
  host: string;
  port?: number;
  login: string;
  cluster: string;
}

/** Trusted host CA blobs for this proxy from ~/.tsh/known_hosts (or the identity file). */
export function hostCABlobs(cc: ClusterClient, home: string): Buffer[] {
  const id = cc.identity;
  if (id.knownHosts?.length)
    return id.knownHosts.map((l) => parseAuthorizedKey(l.replace(/^@cert-authority\s+\S+\s+/, '')).blob);
  const keys = new FileKeyStore(home);
  return keys
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

export async function connectNode(
  cc: ClusterClient,
  target: NodeTarget,
  opts: {
    home: string;
    principals?: string[];
    /** -A: serve our key and certificate to the node over auth-agent@openssh.com. */
    forwardAgent?: boolean;
    log?: (m: string, f?: Record<string, unknown>) => void;
  },
): Promise<Client> {
  const id = cc.identity;
  if (!id.sshCert || !id.sshKey)
    throw new TshError('no SSH certificate in your credentials; run "tshjs login"', 'relogin');
  const sock = await dialHost(cc, `${target.host}:${target.port ?? 0}`, target.cluster);
  const verifier = hostCertVerifier({
    caBlobs: hostCABlobs(cc, opts.home),
    host: opts.principals ?? [target.host, `${target.host}.${target.cluster}`],
  });
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (err: Error & { level?: string }) => {
      if (verifier.lastError) {
        reject(new TshError(`host ${target.host} is not trusted: ${verifier.lastError.message}`, 'bad-tls'));
      } else if (err.level === 'client-authentication') {
        reject(
          new TshError(`access denied to ${target.login} connecting to ${target.host}`, 'access-denied'),
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
  opts.log?.('ssh connected', { host: target.host, login: target.login });
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
    client.exec(command, pty ? { pty } : {}, (err, ch) => (err ? reject(channelError(err)) : resolve(ch)));
  });
}

export function shellChannel(
  client: Client,
  pty: { term: string; cols: number; rows: number },
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.shell(pty, (err, ch) => (err ? reject(channelError(err)) : resolve(ch)));
  });
}

/** Waits for the channel to finish; resolves the remote exit code (255 for a signal, as ssh). */
export function channelExit(ch: ClientChannel): Promise<number> {
  return new Promise((resolve) => {
    let code: number | undefined;
    ch.on('exit', (c: number | null, signal?: string) => {
      code = c ?? (signal ? 255 : 0);
    });
    ch.on('close', () => resolve(code ?? 255));
  });
}
