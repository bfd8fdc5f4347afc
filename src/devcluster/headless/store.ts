// The dev cluster's pending headless authentications (upstream: HeadlessAuthentication resources
// under /headless_authentication/<id> plus the auth server's headless watcher, lib/auth). A login
// waits here for its user to approve or deny it, or for the login timeout; the approver reads the
// request (waiting for it to arrive if the login is not there yet, as upstream's stub does) and
// sets its state. Everything lives in memory and goes away with the request.
import { HeadlessAuthenticationState } from '../../gen/teleport/legacy/types/types.js';

/** lib/defaults HeadlessLoginTimeout (= SSOCallbackTimeout, 180s): how long a login waits. */
export const HEADLESS_LOGIN_TIMEOUT_MS = 180_000;
/** Certificates from a headless login live one minute (RFD 105; lib/auth sets ttl = time.Minute). */
export const HEADLESS_CERT_TTL_MS = 60_000;

export interface HeadlessRequest {
  id: string;
  user: string;
  /** authorized_keys form, as the client sent it. */
  sshPublicKey: Buffer;
  /** PEM, as the client sent it. */
  tlsPublicKey: Buffer;
  clientIpAddress: string;
  state: HeadlessAuthenticationState;
  expires: Date;
  /** The MFA device that approved the request (recorded in the certificates as mfa-verified). */
  mfaDeviceId?: string;
}

/** Why a login stopped waiting without an approval. */
export class HeadlessWaitError extends Error {
  constructor(readonly reason: 'denied' | 'timeout' | 'cancelled' | 'duplicate') {
    super(`headless authentication ${reason}`);
  }
}

interface Entry {
  req: HeadlessRequest;
  /** Wakes the login waiting on this request. */
  settle: () => void;
}

export class HeadlessStore {
  /** How long a login waits for a decision; tests shorten it. */
  timeoutMs = HEADLESS_LOGIN_TIMEOUT_MS;
  private readonly entries = new Map<string, Entry>();
  /** Approvers waiting for a login that has not arrived yet. */
  private readonly arrivals = new Map<string, Set<() => void>>();

  /**
   * Records a pending login and resolves with the approved request (with its MFA device), or
   * rejects on denial, timeout or cancel (`signal`, e.g. the client went away). The request is
   * removed either way, as upstream deletes it once the login is done.
   */
  waitForDecision(
    r: Omit<HeadlessRequest, 'state' | 'expires'>,
    signal?: AbortSignal,
  ): Promise<HeadlessRequest> {
    if (this.entries.has(r.id)) return Promise.reject(new HeadlessWaitError('duplicate'));
    const req: HeadlessRequest = {
      ...r,
      state: HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_PENDING,
      expires: new Date(Date.now() + this.timeoutMs),
    };
    return new Promise<HeadlessRequest>((resolve, reject) => {
      const finish = (err?: HeadlessWaitError) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.entries.delete(req.id);
        if (err) reject(err);
        else resolve(req);
      };
      const onAbort = () => finish(new HeadlessWaitError('cancelled'));
      const settle = () => {
        if (req.state === HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_APPROVED) finish();
        else if (req.state === HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_DENIED)
          finish(new HeadlessWaitError('denied'));
      };
      this.entries.set(req.id, { req, settle });
      const timer = setTimeout(() => finish(new HeadlessWaitError('timeout')), this.timeoutMs);
      timer.unref?.();
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
      for (const wake of this.arrivals.get(req.id) ?? []) wake();
      this.arrivals.delete(req.id);
    });
  }

  /** The pending request (a copy), waiting up to `waitMs` for its login to arrive. */
  async get(id: string, waitMs: number, signal?: AbortSignal): Promise<HeadlessRequest | undefined> {
    const now = this.entries.get(id);
    if (now || waitMs <= 0) return now && { ...now.req };
    await new Promise<void>((resolve) => {
      const waiters = this.arrivals.get(id) ?? new Set<() => void>();
      this.arrivals.set(id, waiters);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (!waiters.size && this.arrivals.get(id) === waiters) this.arrivals.delete(id);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      timer.unref?.();
      signal?.addEventListener('abort', done);
      waiters.add(done);
    });
    const e = this.entries.get(id);
    return e && { ...e.req };
  }

  /**
   * Moves a pending request to APPROVED (with the device that answered the MFA challenge) or
   * DENIED, and wakes its login. False when there is no such pending request.
   */
  decide(id: string, state: HeadlessAuthenticationState, mfaDeviceId?: string): boolean {
    const e = this.entries.get(id);
    if (!e || e.req.state !== HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_PENDING) return false;
    e.req.state = state;
    e.req.mfaDeviceId = mfaDeviceId;
    e.settle();
    return true;
  }

  /** The IDs of the requests waiting now (tests, debugging). */
  pendingIds(): string[] {
    return [...this.entries.keys()];
  }

  /** Number of pending requests (tests). */
  get size(): number {
    return this.entries.size;
  }
}

const stores = new WeakMap<object, HeadlessStore>();

/**
 * The store of one dev cluster, keyed by its config object (the proxy web API and the Auth service
 * share it without another constructor argument).
 */
export function headlessStore(clusterKey: object): HeadlessStore {
  let s = stores.get(clusterKey);
  if (!s) {
    s = new HeadlessStore();
    stores.set(clusterKey, s);
  }
  return s;
}
