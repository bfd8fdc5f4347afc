// The wait for an access request's resolution against a real gRPC server on 127.0.0.1: WatchEvents
// (INIT first, then PUT/DELETE), the read after INIT, re-opening a dropped watch without missing
// the resolution, Ctrl-C, and ListAccessRequests' fallback to the GetAccessRequestsV2 stream.
import {
  Server,
  ServerCredentials,
  credentials,
  status,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterClient } from '../../../../src/client/cluster.js';
import { getAccessRequests } from '../../../../src/client/accessrequests.js';
import { WaitAborted, awaitRequestResolution } from '../../../../src/client/requestwait.js';
import {
  AuthServiceClient,
  AuthServiceService,
  Operation,
  type Event,
  type ListAccessRequestsRequest,
  type ListAccessRequestsResponse,
  type Watch,
} from '../../../../src/gen/teleport/legacy/client/proto/authservice.js';
import {
  RequestState,
  type AccessRequestFilter,
  type AccessRequestV3,
} from '../../../../src/gen/teleport/legacy/types/types.js';
import { newAccessRequest } from '../../../../src/client/accessrequests.js';

/** A tiny Auth service holding one request, with hooks to drive the watch streams. */
class FakeAuth {
  req: AccessRequestV3;
  watches: ServerWritableStream<Watch, Event>[] = [];
  watchFilters: Record<string, string>[] = [];
  listCalls = 0;
  streamCalls = 0;
  listUnimplemented = false;
  /** What a new watch sends first (default INIT). */
  firstEvent: Event = { Type: Operation.INIT, Resource: undefined };
  server = new Server();
  port = 0;

  constructor() {
    this.req = newAccessRequest({ user: 'alice', roles: ['prod-access'], resources: [] });
    this.server.addService(AuthServiceService, {
      watchEvents: (call: ServerWritableStream<Watch, Event>) => {
        this.watchFilters.push(call.request.Kinds[0]?.Filter ?? {});
        this.watches.push(call);
        call.write(this.firstEvent);
      },
      listAccessRequests: (
        call: ServerUnaryCall<ListAccessRequestsRequest, ListAccessRequestsResponse>,
        cb: sendUnaryData<ListAccessRequestsResponse>,
      ) => {
        this.listCalls++;
        if (this.listUnimplemented) return cb({ code: status.UNIMPLEMENTED, details: 'nope' }, null);
        const id = call.request.Filter?.ID;
        cb(null, { AccessRequests: !id || id === this.req.Metadata?.Name ? [this.req] : [], NextKey: '' });
      },
      getAccessRequestsV2: (call: ServerWritableStream<AccessRequestFilter, AccessRequestV3>) => {
        this.streamCalls++;
        if (!call.request.ID || call.request.ID === this.req.Metadata?.Name) call.write(this.req);
        call.end();
      },
    });
  }

  async start(): Promise<void> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  }

  /** Sets the state and tells the open watches. */
  resolve(state: RequestState, reason = ''): void {
    this.req = { ...this.req, Spec: { ...this.req.Spec!, State: state, ResolveReason: reason } };
    for (const w of this.watches) {
      if (!w.cancelled && w.writable)
        w.write({ Type: Operation.PUT, Resource: { $case: 'AccessRequest', value: this.req } });
    }
  }

  /** Resolves when `n` watches have been opened. */
  async waitWatches(n: number): Promise<void> {
    for (let i = 0; i < 500 && this.watches.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    expect(this.watches.length).toBeGreaterThanOrEqual(n);
  }
}

/** A ClusterClient whose Auth client talks plain h2 to the fake (the TLS dialing is tested elsewhere). */
function clientFor(fake: FakeAuth): ClusterClient {
  const cc = Object.create(ClusterClient.prototype) as ClusterClient;
  const auth = new AuthServiceClient(`127.0.0.1:${fake.port}`, credentials.createInsecure());
  Object.assign(cc, { opts: {}, streams: new Set(), authClient: auth });
  return cc;
}

let fake: FakeAuth;
let cc: ClusterClient;
afterEach(() => {
  cc?.close();
  fake?.server.forceShutdown();
});

async function setup(): Promise<void> {
  fake = new FakeAuth();
  await fake.start();
  cc = clientFor(fake);
}

describe('awaitRequestResolution', () => {
  it('watches with the user and id filter and resolves on the PUT that approves', async () => {
    await setup();
    const wait = awaitRequestResolution(cc, fake.req);
    await fake.waitWatches(1);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    fake.resolve(RequestState.APPROVED, 'ok');
    const got = await wait;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(got.Spec?.State).toBe(RequestState.APPROVED);
    expect(got.Spec?.ResolveReason).toBe('ok');
    expect(fake.watchFilters[0]).toEqual({ user: 'alice', id: fake.req.Metadata?.Name });
    expect(fake.listCalls).toBe(1); // one read after INIT, no polling
  });

  it('returns at once when the request was resolved before the watch began', async () => {
    await setup();
    fake.resolve(RequestState.DENIED, 'no');
    const got = await awaitRequestResolution(cc, fake.req);
    expect(got.Spec?.State).toBe(RequestState.DENIED);
  });

  it('opens a dropped watch again and sees an approval made while no watch was open', async () => {
    await setup();
    const retries: number[] = [];
    const wait = awaitRequestResolution(cc, fake.req, {
      onRetry: (_e, n) => retries.push(n),
      retryMinMs: 200,
    });
    await fake.waitWatches(1);
    await new Promise((r) => setTimeout(r, 50));
    // The server drops the watch, then the request is approved before the client watches again.
    fake.watches[0].emit('error', { code: status.UNAVAILABLE, details: 'proxy restarting' });
    await new Promise((r) => setTimeout(r, 20));
    fake.resolve(RequestState.APPROVED);
    const got = await wait;
    expect(got.Spec?.State).toBe(RequestState.APPROVED);
    expect(retries).toEqual([1]);
    expect(fake.watches.length).toBe(2);
  });

  it('re-opens a watch the server ends cleanly', async () => {
    await setup();
    const wait = awaitRequestResolution(cc, fake.req, { retryMinMs: 10 });
    await fake.waitWatches(1);
    await new Promise((r) => setTimeout(r, 50));
    fake.watches[0].end();
    await fake.waitWatches(2);
    await new Promise((r) => setTimeout(r, 50));
    fake.resolve(RequestState.APPROVED);
    expect((await wait).Spec?.State).toBe(RequestState.APPROVED);
  });

  it('stops on abort (Ctrl-C) and leaves the request pending', async () => {
    await setup();
    const ac = new AbortController();
    const wait = awaitRequestResolution(cc, fake.req, { signal: ac.signal });
    await fake.waitWatches(1);
    ac.abort();
    await expect(wait).rejects.toBeInstanceOf(WaitAborted);
    expect(fake.req.Spec?.State).toBe(RequestState.PENDING);
  });

  it('fails with upstream text on DELETE and on a first event that is not INIT', async () => {
    await setup();
    const wait = awaitRequestResolution(cc, fake.req);
    await fake.waitWatches(1);
    await new Promise((r) => setTimeout(r, 50));
    fake.watches[0].write({
      Type: Operation.DELETE,
      Resource: {
        $case: 'ResourceHeader',
        value: { Kind: 'access_request', SubKind: '', Version: 'v3', Metadata: fake.req.Metadata },
      },
    });
    await expect(wait).rejects.toThrow(`request ${fake.req.Metadata?.Name} has expired or been deleted...`);

    fake.firstEvent = { Type: Operation.PUT, Resource: { $case: 'AccessRequest', value: fake.req } };
    await expect(awaitRequestResolution(cc, fake.req)).rejects.toThrow(
      'failed to watch for access requests: received an unexpected event while waiting for the initial OpInit',
    );
  });
});

describe('getAccessRequests', () => {
  it('falls back to the GetAccessRequestsV2 stream when ListAccessRequests is UNIMPLEMENTED', async () => {
    await setup();
    fake.listUnimplemented = true;
    const got = await getAccessRequests(cc, { ID: fake.req.Metadata!.Name });
    expect(got.map((r) => r.Metadata?.Name)).toEqual([fake.req.Metadata?.Name]);
    expect(fake.streamCalls).toBe(1);
  });
});
