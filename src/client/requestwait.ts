// Waiting for an access request's resolution without polling (tsh's awaitRequestResolution):
// WatchEvents on `access_request` filtered to the request's user and ID, the INIT event first,
// then one GetAccessRequests read (an approval that landed before the watch began is not lost),
// then PUT/DELETE events until the state leaves PENDING. Beyond upstream, a watch the network or
// the server drops is opened again, and every new watch re-reads the request after its INIT, so a
// resolution that happened while no watch was open is still seen. An abort (Ctrl-C) ends the wait
// and leaves the request pending.
import { status } from '@grpc/grpc-js';
import { Operation, type Event } from '../gen/teleport/legacy/client/proto/authservice.js';
import { RequestState, type AccessRequestV3 } from '../gen/teleport/legacy/types/types.js';
import { TshError } from '../util/errors.js';
import { KIND_ACCESS_REQUEST, getAccessRequests, requestError } from './accessrequests.js';
import type { ClusterClient } from './cluster.js';
import { grpcCode } from './grpc/errors.js';

export interface WaitOptions {
  /** Ctrl-C: rejects with a WaitAborted; the request stays pending. */
  signal?: AbortSignal;
  /** Told when a dropped watch is being opened again (for --debug logs). */
  onRetry?: (err: unknown, attempt: number) => void;
  /** First and longest pause between re-opening attempts, ms. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** The wait was interrupted by the user; the request is still pending. */
export class WaitAborted extends Error {
  constructor(readonly requestId: string) {
    super(`waiting for access request ${requestId} was interrupted`);
    this.name = 'WaitAborted';
  }
}

/** Failures a new watch can recover from: the transport or the server went away for a while. */
const RETRYABLE = new Set<status | undefined>([
  status.UNAVAILABLE,
  status.ABORTED,
  status.INTERNAL,
  status.UNKNOWN,
  status.CANCELLED,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
]);

/** A watch stream that ended without an error (the server closed it): re-open. */
class WatchEnded extends Error {}

const isPending = (r: AccessRequestV3) => (r.Spec?.State ?? RequestState.NONE) === RequestState.PENDING;

function deletedError(name: string): TshError {
  return new TshError(`request ${name} has expired or been deleted...`, 'not-found');
}

/**
 * Resolves with the request once it is APPROVED, DENIED or PROMOTED; rejects on deletion, on
 * an error a new watch cannot fix, or with WaitAborted when the signal fires.
 */
export async function awaitRequestResolution(
  cc: ClusterClient,
  req: AccessRequestV3,
  o: WaitOptions = {},
): Promise<AccessRequestV3> {
  const name = req.Metadata?.Name ?? '';
  const user = req.Spec?.User ?? '';
  const minMs = o.retryMinMs ?? 100;
  const maxMs = o.retryMaxMs ?? 5_000;
  let attempt = 0;
  for (;;) {
    if (o.signal?.aborted) throw new WaitAborted(name);
    try {
      return await watchOnce(cc, name, user, o.signal, () => (attempt = 0));
    } catch (err) {
      if (o.signal?.aborted) throw new WaitAborted(name);
      const retry =
        err instanceof WatchEnded || (grpcCode(err) !== undefined && RETRYABLE.has(grpcCode(err)));
      if (!retry) throw err;
      attempt++;
      o.onRetry?.(err, attempt);
      await sleep(Math.min(maxMs, minMs * 2 ** Math.min(attempt - 1, 10)), o.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** One watch: INIT, one read, then events; `healthy` is called once the watch is established. */
async function watchOnce(
  cc: ClusterClient,
  name: string,
  user: string,
  signal: AbortSignal | undefined,
  healthy: () => void,
): Promise<AccessRequestV3> {
  const call = cc.stream(() =>
    cc.auth.watchEvents({
      Kinds: [
        {
          Kind: KIND_ACCESS_REQUEST,
          LoadSecrets: false,
          Name: '',
          Filter: { user, id: name },
          SubKind: '',
          Version: '',
        },
      ],
      AllowPartialSuccess: false,
    }),
  );
  const abort = () => call.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const events = (call as AsyncIterable<Event>)[Symbol.asyncIterator]();
    const first = await events.next();
    if (first.done) throw new WatchEnded('watch closed before its first event');
    if (first.value.Type !== Operation.INIT) {
      throw new TshError(
        'failed to watch for access requests: received an unexpected event while waiting for the initial OpInit',
        'internal',
      );
    }
    healthy();
    // The state now: an approval that landed before this watch began is seen here.
    const now = await getAccessRequests(cc, { ID: name });
    if (now.length !== 1) throw deletedError(name);
    if (!isPending(now[0])) return now[0];
    for (;;) {
      const next = await events.next();
      if (next.done) throw new WatchEnded('watch closed by the cluster');
      const ev = next.value;
      if (ev.Type === Operation.PUT) {
        if (ev.Resource?.$case !== 'AccessRequest') {
          throw new TshError(`unexpected resource type ${ev.Resource?.$case ?? 'none'}`, 'internal');
        }
        const r = ev.Resource.value;
        if ((r.Metadata?.Name ?? '') !== name) continue;
        if (!isPending(r)) return r;
      } else if (ev.Type === Operation.DELETE) {
        throw deletedError(name);
      }
      // Anything else (a repeated INIT) is skipped, as tsh does with a warning.
    }
  } catch (err) {
    if (err instanceof WatchEnded || err instanceof TshError || signal?.aborted) throw err;
    if (grpcCode(err) !== undefined && RETRYABLE.has(grpcCode(err))) throw err;
    throw requestError(err, 'watch access requests');
  } finally {
    signal?.removeEventListener('abort', abort);
    call.cancel();
  }
}
