// TransportService.ProxySSH as the dev cluster's proxy serves it: the first request names the
// node (host:port, port 0 = the node's own), the first response carries ClusterDetails, then SSH
// bytes travel in `ssh` frames to and from the node's address. Agent frames are not used: the
// dev cluster's nodes authenticate the user's certificate themselves (no proxy recording mode).
// Dial failures carry upstream's status codes and texts (lib/proxy/router.go getServer, wrapped by
// lib/srv/transport/transportv1 ProxySSH): see dialFailure below.
import * as net from 'node:net';
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { ProxySSHRequest, ProxySSHResponse } from '../gen/teleport/transport/v1/transport_service.js';
import type { Catalog, CatalogEntry } from './resources.js';

type Call = ServerDuplexStream<ProxySSHRequest, ProxySSHResponse>;

function splitHostPort(hp: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(hp);
  if (m) return { host: m[1] ?? m[2], port: Number(m[3]) };
  return { host: hp, port: 0 };
}

/** A node by hostname, UUID or address host, as the proxy's router resolves dial targets. */
export function resolveNode(catalog: Catalog, host: string): CatalogEntry[] {
  const nodes = catalog.get('node') ?? [];
  return nodes.filter(
    (n) => n.name === host || n.metadataName === host || (n.addr && splitHostPort(n.addr).host === host),
  );
}

/** What ProxySSH wraps every dial failure in, as trace renders a wrapped message (+ "\n\t" + cause). */
const DIAL_FAILED = 'failed to dial target host';
/** teleport.NodeIsAmbiguous (the router wraps teleport.ErrNodeIsAmbiguous, same text, with it). */
const NODE_IS_AMBIGUOUS = 'ambiguous host could match multiple nodes';
const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The status upstream's proxy answers a dial that found no node: a UUID-like target is NotFound
 * ("unable to locate node matching UUID-like target X"), anything else a ConnectionProblem
 * (Unavailable, "target host X is offline or does not exist"); both wrapped in "failed to dial
 * target host". An ambiguous hostname comes back unwrapped, NotFound.
 */
export function dialFailure(host: string, matches: number): { code: status; details: string } | undefined {
  if (matches > 1) return { code: status.NOT_FOUND, details: `${NODE_IS_AMBIGUOUS}\n\t${NODE_IS_AMBIGUOUS}` };
  if (matches === 1) return undefined;
  if (UUID_LIKE.test(host))
    return {
      code: status.NOT_FOUND,
      details: `${DIAL_FAILED}\n\tunable to locate node matching UUID-like target ${host}`,
    };
  return {
    code: status.UNAVAILABLE,
    details: `${DIAL_FAILED}\n\ttarget host ${host} is offline or does not exist`,
  };
}

export function proxySsh(opts: {
  clusterName: string;
  catalog: Catalog;
  log: (m: string, f?: Record<string, unknown>) => void;
  /** false: answer UNIMPLEMENTED, like proxies from before ProxySSH (tests the client fallback). */
  enabled?: boolean;
}) {
  return (call: Call): void => {
    const fail = (code: status, details: string) => call.emit('error', { code, details });
    if (opts.enabled === false) {
      fail(
        status.UNIMPLEMENTED,
        'unknown method ProxySSH for service teleport.transport.v1.TransportService',
      );
      return;
    }
    if (!call.getAuthContext()?.sslPeerCertificate) {
      fail(status.UNAUTHENTICATED, 'client certificate required');
      return;
    }
    call.once('data', (first: ProxySSHRequest) => {
      const target = first.dialTarget;
      if (!target?.hostPort || first.frame) {
        fail(status.INVALID_ARGUMENT, 'first message must carry a dial target and no frame');
        return;
      }
      if (target.cluster && target.cluster !== opts.clusterName) {
        fail(status.NOT_FOUND, `cluster ${target.cluster} is not found`);
        return;
      }
      // The port is not used to pick the address: a registered node is dialled at the address it
      // registered, whatever port the client passes (0 from tsh, %p=3022 from OpenSSH configs).
      const { host } = splitHostPort(target.hostPort);
      const matches = resolveNode(opts.catalog, host);
      const failure = dialFailure(host, matches.length);
      if (failure) {
        fail(failure.code, failure.details);
        return;
      }
      const node = matches[0];
      if (!node.addr) {
        fail(
          status.UNAVAILABLE,
          `${DIAL_FAILED}\n\tnode ${node.name} is connected through a tunnel the dev cluster does not model`,
        );
        return;
      }
      relayToNode(call, splitHostPort(node.addr), node.name, node.addr, opts.log);
    });
  };
}

/** Bytes from the node waiting for the client before the node's socket is paused. */
const MAX_QUEUED = 1 << 20;

/**
 * The byte pipe between a ProxySSH call and the node's SSH port, with backpressure both ways. The
 * node closing its side ends the call once what it sent is out (OK, as upstream ends a stream
 * whose connection reached EOF); a failed node connection ends it with UNAVAILABLE and the reason;
 * the client going away (end, cancel, error) closes the node connection. Every end is logged.
 *
 * The node's bytes go to the client one frame at a time: what the node sends while a frame is on
 * its way waits and goes in the next one. A fast node so fills few big frames (each message costs
 * both ends far more than its bytes) and an interactive one is not delayed.
 */
function relayToNode(
  call: Call,
  addr: { host: string; port: number },
  name: string,
  nodeAddr: string,
  log: (m: string, f?: Record<string, unknown>) => void,
): void {
  const sock = net.connect({ host: addr.host, port: addr.port });
  let open = false;
  let finished = false;
  /** The node closed: the call ends once the queue is sent. */
  let ending = false;
  let up = 0;
  let down = 0;
  let queued: Buffer[] = [];
  let queuedBytes = 0;
  let sending = false;
  let paused = false;

  const finish = (how: string, err?: { code: status; details: string }) => {
    if (finished) return;
    finished = true;
    log('proxy ssh closed', {
      node: name,
      how,
      bytes_to_node: up,
      bytes_from_node: down,
      ...(err ? { level: 'error', error: err.details } : {}),
    });
    sock.destroy();
    if (err) call.emit('error', err);
    else if (how === 'node closed') {
      ending = true;
      sendQueued();
    } else if (!call.writableEnded) call.end();
  };

  const sendQueued = () => {
    if (sending || (finished && !ending)) return;
    if (!queuedBytes) {
      if (ending && !call.writableEnded) call.end();
      return;
    }
    const payload = queued.length === 1 ? queued[0] : Buffer.concat(queued, queuedBytes);
    queued = [];
    queuedBytes = 0;
    sending = true;
    // Called once the frame is written out (the client's flow-control window held it until
    // then); never if the call is cancelled first, and then nothing more is sent.
    call.write({ details: undefined, frame: { $case: 'ssh', value: { payload } } }, () => {
      sending = false;
      if (paused && !finished) {
        paused = false;
        sock.resume();
      }
      sendQueued();
    });
  };

  sock.once('connect', () => {
    open = true;
    log('proxy ssh', { node: name, addr: nodeAddr });
    call.write({ details: { fipsEnabled: false }, frame: undefined });
    sock.on('data', (chunk: Buffer) => {
      if (finished) return;
      down += chunk.length;
      queued.push(chunk);
      queuedBytes += chunk.length;
      sendQueued();
      // Too much waits for the client: the node's socket (and then its TCP window) holds the rest.
      if (queuedBytes >= MAX_QUEUED && !paused) {
        paused = true;
        sock.pause();
      }
    });
  });
  sock.on('error', (err: NodeJS.ErrnoException) => {
    const reason = err.code ?? err.message;
    finish(
      open ? 'node connection failed' : 'dial failed',
      open
        ? { code: status.UNAVAILABLE, details: `connection to node ${name} at ${nodeAddr} lost: ${reason}` }
        : {
            code: status.UNAVAILABLE,
            details: `${DIAL_FAILED}\n\tfailed to connect to node ${name} at ${nodeAddr}: ${reason}`,
          },
    );
  });
  sock.on('close', () => finish('node closed'));
  call.on('data', (msg: ProxySSHRequest) => {
    if (msg.frame?.$case !== 'ssh' || finished) return;
    up += msg.frame.value.payload.length;
    // Until the node takes what it was sent, the client's frames wait in its flow-control window.
    if (!sock.write(msg.frame.value.payload)) {
      call.pause();
      sock.once('drain', () => call.resume());
    }
  });
  call.on('end', () => sock.end());
  call.on('cancelled', () => finish('client cancelled'));
  call.on('error', (err: Error) => finish(`client failed: ${err.message}`));
}
