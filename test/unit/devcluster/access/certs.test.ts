// What access requests change in a reissued certificate (requestPrivileges): the calling certificate's
// active requests are kept and re-checked, drops recompute roles from the user's configured roles and
// give back the login session's length, "*" drops everything.
import { describe, expect, it } from 'vitest';
import type { TlsIdentity } from '../../../../src/auth/x509/identity.js';
import { requestPrivileges } from '../../../../src/devcluster/access/certs.js';
import { RequestState } from '../../../../src/devcluster/access/model.js';
import { AccessRequestStore } from '../../../../src/devcluster/access/store.js';
import { normalizeConfig } from '../../../../src/devcluster/config.js';
import { UserCertsRequest } from '../../../../src/gen/teleport/legacy/client/proto/authservice.js';

const HOUR = 3600_000;
const now = Date.parse('2026-01-01T00:00:00Z');

const cfg = normalizeConfig({
  users: [
    { name: 'alice', password: 'p', roles: ['requester'] },
    { name: 'bob', password: 'p', roles: ['reviewer'] },
  ],
  roles: [
    { name: 'requester', logins: [], node_labels: {}, request: { roles: ['a', 'b'] } },
    { name: 'reviewer', logins: [], node_labels: {}, review_requests: { roles: ['*'] } },
    { name: 'a', logins: [], node_labels: {}, max_session_ttl: '2h' },
    { name: 'b', logins: [], node_labels: {} },
  ],
});
const alice = cfg.users[0];
const bob = cfg.users[1];

function approved(store: AccessRequestStore, role: string): string {
  const r = store.create(alice, new Date(now + 12 * HOUR), {
    user: 'alice',
    roles: [role],
    requestReason: '',
    suggestedReviewers: [],
    resourceIds: [],
    loginHint: '',
    dryRun: false,
    state: RequestState.NONE,
  });
  store.review(
    r.name,
    {
      author: 'bob',
      roles: [],
      proposedState: RequestState.APPROVED,
      reason: '',
      created: new Date(now),
      thresholdIndexes: [],
    },
    bob,
  );
  return r.name;
}

const identity = (groups: string[], active: string[], previous?: Date) =>
  ({
    groups,
    activeRequests: active,
    expires: new Date(now + HOUR),
    previousIdentityExpires: previous,
  }) as TlsIdentity;

describe('requestPrivileges', () => {
  it('keeps the active requests of the calling certificate and adds new ones', () => {
    const store = new AccessRequestStore(cfg, () => now);
    const a = approved(store, 'a');
    const b = approved(store, 'b');
    const p = requestPrivileges(
      cfg,
      { user: alice, identity: identity(['requester', 'a'], [a]) },
      UserCertsRequest.fromPartial({ AccessRequests: [b] }),
      store,
      now,
    );
    expect(p.activeRequests.sort()).toEqual([a, b].sort());
    expect(p.roles.sort()).toEqual(['a', 'b', 'requester']);
    // Role a's max_session_ttl (2h) bounds its request's access expiry.
    expect(p.accessExpires).toBe(now + 2 * HOUR);
    expect(p.previousIdentityExpires?.getTime()).toBe(now + HOUR);
  });

  it('drops one request or all; roles come from the configured ones; the session length comes back', () => {
    const store = new AccessRequestStore(cfg, () => now);
    const a = approved(store, 'a');
    const b = approved(store, 'b');
    const session = new Date(now + 10 * HOUR);
    const caller = { user: alice, identity: identity(['requester', 'a', 'b'], [a, b], session) };
    const one = requestPrivileges(
      cfg,
      caller,
      UserCertsRequest.fromPartial({ DropAccessRequests: [a] }),
      store,
      now,
    );
    expect(one.activeRequests).toEqual([b]);
    expect(one.roles.sort()).toEqual(['b', 'requester']);
    const all = requestPrivileges(
      cfg,
      caller,
      UserCertsRequest.fromPartial({ AccessRequests: [a, b], DropAccessRequests: ['*'] }),
      store,
      now,
    );
    expect(all.activeRequests).toEqual([]);
    expect(all.roles).toEqual(['requester']);
    expect(all.sessionExpires).toBe(session.getTime());
  });

  it('a deleted request in the calling certificate fails the reissue until dropped', () => {
    const store = new AccessRequestStore(cfg, () => now);
    const a = approved(store, 'a');
    store.delete(a);
    const caller = { user: alice, identity: identity(['requester', 'a'], [a]) };
    expect(() => requestPrivileges(cfg, caller, UserCertsRequest.fromPartial({}), store, now)).toThrow(
      `access request "${a}" not found`,
    );
    expect(
      requestPrivileges(cfg, caller, UserCertsRequest.fromPartial({ DropAccessRequests: [a] }), store, now)
        .roles,
    ).toEqual(['requester']);
  });
});
