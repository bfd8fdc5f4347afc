// Dialing a node through the proxy: TransportService.ProxySSH (api/client/proxy/transport/
// transportv1 DialHost). First request: the dial target only; first response: ClusterDetails;
// then the raw SSH byte stream in `ssh` frames.
import type { Duplex } from 'node:stream';
import type { ClusterClient } from '../client/cluster.js';
import { status } from '@grpc/grpc-js';
import { frameDuplex } from '../wire/framestream.js';
import { grpcCode, grpcError } from '../client/grpc/errors.js';
import type { ProxySSHRequest, ProxySSHResponse } from '../gen/teleport/transport/v1/transport_service.js';
import { DEFAULT_SSH_DIAL_TIMEOUT_MS } from '../auth/profile.js';
import { formatGoDuration } from '../format/duration.js';
import { TshError } from '../util/errors.js';

/**
 * The proxy bounds its own dial by ssh_dial_timeout and then answers (details or an error); this
 * much longer than that without an answer means the proxy itself is stuck.
 */
export const DIAL_ANSWER_MARGIN_MS = 5_000;

export async function dialHost(
  cc: ClusterClient,
  hostPort: string,
  cluster: string,
  timeoutMs = DEFAULT_SSH_DIAL_TIMEOUT_MS,
): Promise<Duplex> {
  const call = cc.proxySsh();
  call.write({ dialTarget: { hostPort, cluster, loginName: '' }, frame: undefined });
  await new Promise<void>((resolve, reject) => {
    const settle = (err?: Error) => {
      clearTimeout(timer);
      call.off('data', onData);
      call.off('error', onError);
      if (!err) return resolve();
      // Whatever went wrong, the call is over for us: nothing may keep it (and the process) open.
      call.on('error', () => {});
      call.cancel();
      reject(err);
    };
    const onData = (first: ProxySSHResponse) =>
      settle(
        first.details
          ? undefined
          : new TshError(`proxy did not accept the dial to ${hostPort}`, 'connection-problem'),
      );
    const onError = (err: Error) => settle(dialError(err, hostPort));
    const timer = setTimeout(
      () =>
        settle(
          new TshError(
            `failed to connect to ${hostPort}: the proxy did not answer within ${formatGoDuration(timeoutMs + DIAL_ANSWER_MARGIN_MS)}`,
            'connection-problem',
          ),
        ),
      timeoutMs + DIAL_ANSWER_MARGIN_MS,
    );
    call.once('data', onData);
    call.once('error', onError);
  });
  return frameDuplex(
    call,
    (payload): ProxySSHRequest => ({ dialTarget: undefined, frame: { $case: 'ssh', value: { payload } } }),
    // Agent frames are for proxy recording mode; tshjs serves no agent there (yet), so skip them.
    (msg: ProxySSHResponse) =>
      msg.frame?.$case === 'ssh' ? msg.frame.value.payload : msg.frame ? null : undefined,
  );
}

/**
 * What the proxy's ProxySSH puts in front of a failed dial (lib/srv/transport/transportv1
 * ProxySSH wraps the router's error with "failed to dial target host"; trace renders a wrapped
 * message as the new message, a newline, a tab, then the cause).
 */
export const DIAL_FAILED = 'failed to dial target host';
/** teleport.NodeIsAmbiguous: the router's error when a hostname matches several nodes. */
export const NODE_IS_AMBIGUOUS = 'ambiguous host could match multiple nodes';

/**
 * A failed ProxySSH dial as one line: the proxy's own cause ("target host X is offline or does
 * not exist", "unable to locate node matching UUID-like target X", …) without the "failed to dial
 * target host" wrapper, or the ambiguity message once. Upstream tsh prints the whole chain over
 * three lines (docs/ssh-client.md); any other failure (proxy unreachable, credentials) keeps the
 * usual gRPC rendering.
 */
export function dialError(err: unknown, hostPort: string): Error {
  const code = grpcCode(err);
  const details = (err as { details?: string } | undefined)?.details ?? '';
  if (code === status.UNIMPLEMENTED || !details) return grpcError(err, `connect to ${hostPort}`);
  if (details.includes(NODE_IS_AMBIGUOUS))
    return new TshError(NODE_IS_AMBIGUOUS, 'not-found', 1, { cause: err });
  const prefix = `${DIAL_FAILED}\n\t`;
  if (!details.startsWith(prefix)) return grpcError(err, `connect to ${hostPort}`);
  const cause = details.slice(prefix.length);
  const kind = code === status.NOT_FOUND ? 'not-found' : 'connection-problem';
  return new TshError(cause, kind, 1, { cause: err });
}

/** net.JoinHostPort: IPv6 literals in brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** tsh's cleanTargetHost: strip ".<proxyHost>" and then ".<cluster>" suffixes. */
export function cleanTargetHost(host: string, proxyHost: string, cluster: string): string {
  let h = host;
  if (proxyHost && h.endsWith(`.${proxyHost}`)) h = h.slice(0, -(proxyHost.length + 1));
  if (cluster && h.endsWith(`.${cluster}`)) h = h.slice(0, -(cluster.length + 1));
  return h;
}

/** Splits "[user@]host[:port]" the way tsh's proxy ssh argument is read. */
export function parseUserHostPort(arg: string): { user?: string; host: string; port?: number } {
  const at = arg.lastIndexOf('@');
  const user = at >= 0 ? arg.slice(0, at) : undefined;
  const rest = at >= 0 ? arg.slice(at + 1) : arg;
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(rest);
  if (!m) throw new TshError(`invalid target "${arg}"; expected [user@]host[:port]`, 'bad-parameter');
  const port = m[3] ? Number(m[3]) : undefined;
  if (port !== undefined && (port < 0 || port > 65535))
    throw new TshError(`invalid port in "${arg}"`, 'bad-parameter');
  return { user: user || undefined, host: m[1] ?? m[2], port };
}
