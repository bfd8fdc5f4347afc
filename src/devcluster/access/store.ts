// The dev cluster's access request store (in memory, per cluster): create with validation and
// defaults, filtered reads, reviews, state changes, deletion, expiry of requests past their TTL, and
// change notifications for WatchEvents (upstream lib/services/local/dynamic_access.go semantics).
import { randomUUID } from 'node:crypto';
import type { DevClusterConfig, UserConfig } from '../config.js';
import {
  AccessError,
  RequestState,
  isResolved,
  stateName,
  type AccessRequest,
  type ResourceId,
  type Review,
} from './model.js';
import { applyReview } from './resolution.js';
import { RequestValidator, checkRequestBasics, type ResourceLookup } from './validator.js';

/** What a client sends to create a request (CreateAccessRequestV2's AccessRequestV3). */
export interface NewRequest {
  /** The client's name for it (tsh sends a fresh UUID v4); empty: the server picks one. */
  name?: string;
  user: string;
  roles: string[];
  requestReason: string;
  suggestedReviewers: string[];
  resourceIds: ResourceId[];
  loginHint: string;
  dryRun: boolean;
  state: RequestState;
  /** Spec.Expires asked for (tsh --session-ttl). */
  accessExpiry?: Date;
  /** Spec.MaxDuration asked for (tsh --max-duration). */
  maxDuration?: Date;
  /** Spec.ResourceExpiry (or Metadata.Expires) asked for (tsh --request-ttl). */
  expiry?: Date;
  assumeStartTime?: Date;
}

/** types.AccessRequestFilter with upstream's Match semantics. */
export interface RequestFilter {
  id?: string;
  user?: string;
  state?: RequestState;
  search?: string[];
  scope?: 'default' | 'my_requests' | 'needs_review' | 'reviewed';
  /** The caller (set by the server). */
  requester?: string;
}

export type StoreEvent = { type: 'put'; request: AccessRequest } | { type: 'delete'; request: AccessRequest };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function copy(r: AccessRequest): AccessRequest {
  return structuredClone(r);
}

/** AccessRequestV3.MatchSearch: every keyword is a case-insensitive substring of some field. */
function matchSearch(r: AccessRequest, words: string[]): boolean {
  const fields = [r.name, r.user, ...r.roles, ...r.resourceIds.map((x) => x.name)].map((f) =>
    f.toLowerCase(),
  );
  return words.every((w) => fields.some((f) => f.includes(w.toLowerCase())));
}

export function matchFilter(r: AccessRequest, f: RequestFilter): boolean {
  const reviewed = (who = '') => r.reviews.some((x) => x.author === who);
  if (f.scope === 'my_requests' && r.user !== f.requester) return false;
  if (f.scope === 'needs_review') {
    if (r.user === f.requester || r.state !== RequestState.PENDING || reviewed(f.requester)) return false;
  }
  if (f.scope === 'reviewed' && (r.user === f.requester || !reviewed(f.requester))) return false;
  if (f.search?.length && !matchSearch(r, f.search)) return false;
  if (f.id && r.name !== f.id) return false;
  if (f.user && r.user !== f.user) return false;
  if (f.state && r.state !== f.state) return false;
  return true;
}

export class AccessRequestStore {
  private readonly reqs = new Map<string, AccessRequest>();
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private revision = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cfg: DevClusterConfig,
    private readonly now: () => number = Date.now,
    /** Resolves requested resource IDs (to prune a resource request's roles). */
    private readonly lookup?: ResourceLookup,
  ) {}

  /** Expired requests are deleted (with a DELETE event) on access and every second while watched. */
  private sweep(): void {
    const now = this.now();
    for (const r of [...this.reqs.values()]) {
      if (r.expiry.getTime() <= now) this.remove(r.name);
    }
  }

  private emit(e: StoreEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  private put(r: AccessRequest): AccessRequest {
    r.revision = ++this.revision;
    this.reqs.set(r.name, r);
    const out = copy(r);
    this.emit({ type: 'put', request: copy(r) });
    return out;
  }

  private remove(name: string): boolean {
    const r = this.reqs.get(name);
    if (!r) return false;
    this.reqs.delete(name);
    this.emit({ type: 'delete', request: copy(r) });
    return true;
  }

  subscribe(fn: (e: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), 1000);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(fn);
      if (!this.listeners.size && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** The request validator for a user, resolving resources as this store does. */
  validatorFor(user: UserConfig): RequestValidator {
    return new RequestValidator(this.cfg, user, this.lookup);
  }

  /** CreateAccessRequestV2 for `user` (the caller, whose certificate expires at identityExpires). */
  create(
    user: UserConfig,
    identityExpires: Date,
    n: NewRequest,
    validator?: RequestValidator,
  ): AccessRequest {
    this.sweep();
    if (n.user !== user.name) {
      throw new AccessError('access-denied', `access denied to perform action "create" on "access_request"`);
    }
    if (n.state !== RequestState.NONE && n.state !== RequestState.PENDING) {
      throw new AccessError('bad-parameter', `cannot create access request in state ${stateName(n.state)}`);
    }
    const now = this.now();
    // services.ValidateAccessRequest: the name must be a UUID (tsh makes a v4 one).
    const name = n.name || randomUUID();
    if (!isRequestId(name)) throw new AccessError('bad-parameter', `invalid access request ID "${name}"`);
    if (this.reqs.has(name))
      throw new AccessError('already-exists', `access request "${name}" already exists`);
    const req: AccessRequest = {
      name,
      user: n.user,
      roles: [...new Set(n.roles)].sort(),
      state: RequestState.PENDING,
      created: new Date(now),
      accessExpiry: new Date(0),
      requestReason: n.requestReason,
      resolveReason: '',
      resolveAnnotations: {},
      systemAnnotations: {},
      thresholds: [],
      rtm: {},
      reviews: [],
      suggestedReviewers: [...n.suggestedReviewers],
      resourceIds: dedupeResources(n.resourceIds),
      loginHint: n.loginHint,
      dryRun: n.dryRun,
      maxDuration: new Date(0),
      sessionTtl: new Date(0),
      assumeStartTime: n.assumeStartTime,
      expiry: new Date(0),
      revision: 0,
    };
    checkRequestBasics(req);
    (validator ?? new RequestValidator(this.cfg, user, this.lookup)).validate(
      req,
      identityExpires,
      { accessExpiry: n.accessExpiry, maxDuration: n.maxDuration, expiry: n.expiry },
      now,
    );
    // A dry run answers with the validated request and stores nothing.
    if (req.dryRun) return req;
    return this.put(req);
  }

  /** Requests matching the filter, in name order (the backend's key order). */
  list(filter: RequestFilter = {}): AccessRequest[] {
    this.sweep();
    return [...this.reqs.values()]
      .filter((r) => matchFilter(r, filter))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(copy);
  }

  get(name: string): AccessRequest | undefined {
    this.sweep();
    const r = this.reqs.get(name);
    return r && copy(r);
  }

  delete(name: string): void {
    this.sweep();
    if (!this.remove(name))
      throw new AccessError('not-found', `cannot delete access request "${name}": not found`);
  }

  /** SetAccessRequestState (plugins/admins): resolve or re-pend. */
  setState(
    name: string,
    state: RequestState,
    reason: string,
    annotations: Record<string, string[]> = {},
  ): AccessRequest {
    this.sweep();
    const r = this.reqs.get(name);
    if (!r) throw new AccessError('not-found', `access request "${name}" not found`);
    if (state === RequestState.NONE) throw new AccessError('bad-parameter', 'missing request state');
    if (r.state === RequestState.DENIED && state !== RequestState.DENIED) {
      throw new AccessError(
        'bad-parameter',
        `cannot set request-state "${stateName(state)}" (already denied)`,
      );
    }
    r.state = state;
    r.resolveReason = reason;
    r.resolveAnnotations = annotations;
    if (isResolved(state)) r.expiry = r.accessExpiry;
    return this.put(r);
  }

  /** SubmitAccessReview: applies the review and returns the request after it. */
  review(name: string, rev: Review, author: UserConfig): AccessRequest {
    this.sweep();
    const stored = this.reqs.get(name);
    if (!stored) throw new AccessError('not-found', `access request "${name}" not found`);
    const r = copy(stored);
    applyReview(this.cfg, r, rev, author, new Date(this.now()));
    return this.put(r);
  }
}

function dedupeResources(ids: ResourceId[]): ResourceId[] {
  const seen = new Set<string>();
  return ids.filter((id) => {
    const k = `${id.cluster}/${id.kind}/${id.name}/${id.subResource}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export const isRequestId = (s: string): boolean => UUID.test(s);
