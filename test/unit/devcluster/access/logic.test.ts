// The access request logic of the dev cluster without sockets: role config, validation and defaults,
// thresholds and review-based resolution, review permissions with `where`, the store and its events.
import { describe, expect, it } from 'vitest';
import { normalizeConfig, type DevClusterConfig } from '../../../../src/devcluster/config.js';
import { RequestState, type AccessRequest, type Review } from '../../../../src/devcluster/access/model.js';
import { ReviewPermissions, reviewBasedResolution } from '../../../../src/devcluster/access/resolution.js';
import {
  AccessRequestStore,
  type NewRequest,
  type StoreEvent,
} from '../../../../src/devcluster/access/store.js';
import { RequestValidator } from '../../../../src/devcluster/access/validator.js';
import { evaluateWhere, type WhereContext } from '../../../../src/devcluster/access/where.js';
import { filterFromMap } from '../../../../src/devcluster/access/watch.js';

const HOUR = 3600_000;

function config(extra: Record<string, unknown> = {}): DevClusterConfig {
  return normalizeConfig({
    users: [
      { name: 'alice', password: 'p', roles: ['requester'], traits: { team: ['blue'] } },
      { name: 'bob', password: 'p', roles: ['reviewer'], traits: { team: ['blue'] } },
      { name: 'eve', password: 'p', roles: ['picky'] },
      { name: 'rita', password: 'p', roles: ['reasoned'] },
    ],
    roles: [
      {
        name: 'requester',
        logins: [],
        node_labels: {},
        request: {
          roles: ['prod-*', 'db-admin'],
          search_as_roles: ['viewer'],
          thresholds: [{ name: 'two', approve: 2, deny: 1 }],
          suggested_reviewers: ['bob', 'bob'],
          max_duration: '4h',
        },
      },
      {
        name: 'reviewer',
        logins: [],
        node_labels: {},
        review_requests: { roles: ['prod-*'], where: 'contains(reviewer.traits["team"], "blue")' },
        deny: { review_requests: { roles: ['prod-secret'] } },
      },
      {
        name: 'picky',
        logins: [],
        node_labels: {},
        review_requests: { roles: ['*'], where: 'equals(request.reason, "")' },
      },
      {
        name: 'reasoned',
        logins: [],
        node_labels: {},
        request: { roles: ['prod-access'] },
        request_access: 'reason',
        request_prompt: 'Ticket?',
      },
      { name: 'prod-access', logins: ['root'], node_labels: {}, max_session_ttl: '8h' },
      { name: 'prod-secret', logins: [], node_labels: {} },
      { name: 'db-admin', logins: [], node_labels: {} },
      { name: 'viewer', logins: [], node_labels: { '*': '*' } },
    ],
    ...extra,
  });
}

const user = (cfg: DevClusterConfig, name: string) => cfg.users.find((u) => u.name === name)!;

function newReq(u: string, roles: string[], extra: Partial<NewRequest> = {}): NewRequest {
  return {
    user: u,
    roles,
    requestReason: '',
    suggestedReviewers: [],
    resourceIds: [],
    loginHint: '',
    dryRun: false,
    state: RequestState.NONE,
    ...extra,
  };
}

const rev = (author: string, state: RequestState, reason = ''): Review => ({
  author,
  roles: [],
  proposedState: state,
  reason,
  created: new Date(0),
  thresholdIndexes: [],
});

describe('role config', () => {
  it('normalizes request and review_requests', () => {
    const cfg = config();
    const r = cfg.roles.find((x) => x.name === 'requester')!;
    expect(r.request?.thresholds).toEqual([{ name: 'two', filter: '', approve: 2, deny: 1 }]);
    expect(cfg.roles.find((x) => x.name === 'reasoned')!.request_access).toBe('reason');
  });

  it('refuses bad values with a config path', () => {
    const bad = (role: Record<string, unknown>) =>
      expect(() => normalizeConfig({ roles: [{ name: 'x', logins: [], node_labels: {}, ...role }] }));
    bad({ request: { max_duration: '15d' } }).toThrow(/not a duration/);
    bad({ request: { max_duration: '337h' } }).toThrow(
      'config: roles[0] (x).request: max access duration must be less than or equal to 336h0m0s',
    );
    bad({ request: { thresholds: [{ approve: -1 }] } }).toThrow('approve must be a whole number');
    bad({ request: { colour: 1 } }).toThrow('has unknown key "colour"');
    bad({ request_access: 'sometimes' }).toThrow('is not one of optional, reason, always');
    bad({ deny: { request: { thresholds: [{ approve: 1 }] } } }).toThrow(
      'deny.request cannot contain thresholds',
    );
  });
});

describe('validation and defaults', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const identityExpires = new Date(now + 12 * HOUR);

  it('fills thresholds, the mapping, reviewers and TTLs', () => {
    const cfg = config();
    const store = new AccessRequestStore(cfg, () => now);
    const r = store.create(user(cfg, 'alice'), identityExpires, newReq('alice', ['prod-access']));
    expect(r.state).toBe(RequestState.PENDING);
    expect(r.thresholds).toEqual([{ name: 'two', filter: '', approve: 2, deny: 1 }]);
    expect(r.rtm).toEqual({ 'prod-access': [[0]] });
    expect(r.suggestedReviewers).toEqual(['bob']);
    // max_duration 4h < session TTL (prod-access max_session_ttl 8h).
    expect(r.accessExpiry.getTime() - now).toBe(4 * HOUR);
    expect(r.sessionTtl.getTime() - now).toBe(4 * HOUR);
    expect(r.maxDuration.getTime()).toBe(r.accessExpiry.getTime());
    expect(r.expiry.getTime()).toBe(r.accessExpiry.getTime());
  });

  it('wildcard, reason and TTL errors have upstream texts', () => {
    const cfg = config();
    const store = new AccessRequestStore(cfg, () => now);
    const alice = user(cfg, 'alice');
    expect(store.create(alice, identityExpires, newReq('alice', ['*'])).roles).toEqual([
      'db-admin',
      'prod-access',
      'prod-secret',
    ]);
    expect(() => store.create(user(cfg, 'rita'), identityExpires, newReq('rita', ['prod-access']))).toThrow(
      'request reason must be specified (required request_access option in one of the roles)',
    );
    expect(() =>
      store.create(
        alice,
        identityExpires,
        newReq('alice', ['prod-access'], { expiry: new Date(now + 5 * HOUR) }),
      ),
    ).toThrow('invalid request TTL: 5h0m0s greater than maximum allowed (4h0m0s)');
    expect(() =>
      store.create(
        alice,
        identityExpires,
        newReq('alice', ['prod-access'], { accessExpiry: new Date(now + 9 * HOUR) }),
      ),
    ).toThrow('invalid session TTL: 9h0m0s greater than maximum allowed (8h0m0s)');
    expect(() =>
      store.create(
        alice,
        identityExpires,
        newReq('alice', ['prod-access'], { maxDuration: new Date(now + 15 * 24 * HOUR) }),
      ),
    ).toThrow('max_duration must be less than or equal to 336h0m0s');
    expect(() => store.create(alice, identityExpires, newReq('alice', []))).toThrow(
      'access request does not specify any roles or resources',
    );
    expect(() => store.create(alice, identityExpires, newReq('alice', ['viewer']))).toThrow(
      'user "alice" can not request role "viewer"',
    );
  });

  it('a required reason per role (allow.request.reason.mode)', () => {
    const cfg = config({
      users: [{ name: 'u', password: 'p', roles: ['r'] }],
      roles: [
        { name: 'r', logins: [], node_labels: {}, request: { roles: ['t'], reason: { mode: 'required' } } },
        { name: 't', logins: [], node_labels: {} },
      ],
    });
    const v = new RequestValidator(cfg, cfg.users[0]);
    expect(v.reasonRequired(['t'], false)).toEqual([
      true,
      'request reason must be specified (required for role "t")',
    ]);
  });

  it('deny.request wins over allow, also for search_as_roles', () => {
    const cfg = config({
      users: [{ name: 'u', password: 'p', roles: ['r', 'no-secret'] }],
      roles: [
        {
          name: 'r',
          logins: [],
          node_labels: {},
          request: { roles: ['prod-*'], search_as_roles: ['prod-secret'] },
        },
        { name: 'no-secret', logins: [], node_labels: {}, deny: { request: { roles: ['prod-secret'] } } },
        { name: 'prod-access', logins: [], node_labels: {} },
        { name: 'prod-secret', logins: [], node_labels: {} },
      ],
    });
    const v = new RequestValidator(cfg, cfg.users[0]);
    expect(v.requestableRoles()).toEqual(['prod-access']);
    expect(v.canSearchAsRole('prod-secret')).toBe(false);
  });

  it('resource requests get the search_as_roles', () => {
    const cfg = config();
    const store = new AccessRequestStore(cfg, () => now);
    const r = store.create(
      user(cfg, 'alice'),
      identityExpires,
      newReq('alice', [], { resourceIds: [{ cluster: 'c', kind: 'node', name: 'n1', subResource: '' }] }),
    );
    expect(r.roles).toEqual(['viewer']);
    expect(() =>
      store.create(
        user(cfg, 'bob'),
        identityExpires,
        newReq('bob', [], { resourceIds: [{ cluster: 'c', kind: 'node', name: 'n', subResource: '' }] }),
      ),
    ).toThrow('Resource Access Requests require usable "search_as_roles", none found for user "bob"');
  });
});

describe('review-based resolution', () => {
  const base = (over: Partial<AccessRequest>): AccessRequest =>
    ({
      roles: ['a', 'b'],
      thresholds: [
        { name: 'x', filter: '', approve: 1, deny: 2 },
        { name: 'y', filter: '', approve: 2, deny: 1 },
      ],
      rtm: { a: [[0]], b: [[0], [1]] },
      reviews: [],
      ...over,
    }) as AccessRequest;
  const r = (author: string, state: RequestState, idx: number[]) => ({
    ...rev(author, state, author),
    thresholdIndexes: idx,
  });

  it('approves only when every set of every role has a met threshold', () => {
    expect(reviewBasedResolution(base({ reviews: [r('1', RequestState.APPROVED, [0, 1])] }))).toBeUndefined();
    expect(
      reviewBasedResolution(
        base({ reviews: [r('1', RequestState.APPROVED, [0, 1]), r('2', RequestState.APPROVED, [1])] }),
      ),
    ).toEqual({ state: RequestState.APPROVED, reason: '2' });
  });

  it('denies on the first threshold reaching its deny count', () => {
    expect(reviewBasedResolution(base({ reviews: [r('1', RequestState.DENIED, [0])] }))).toBeUndefined();
    expect(reviewBasedResolution(base({ reviews: [r('1', RequestState.DENIED, [1])] }))).toEqual({
      state: RequestState.DENIED,
      reason: '1',
    });
  });
});

describe('where predicates and review permissions', () => {
  const ctx: WhereContext = {
    reviewer: { roles: ['reviewer'], traits: { team: ['blue', 'red'] } },
    request: { roles: ['prod-access'], reason: 'ticket 7', system_annotations: {} },
  };
  it('evaluates the supported language', () => {
    expect(evaluateWhere('contains(reviewer.roles, "reviewer")', ctx)).toBe(true);
    expect(
      evaluateWhere('contains(reviewer.traits["team"], "green") || equals(request.reason, "ticket 7")', ctx),
    ).toBe(true);
    expect(evaluateWhere('!contains(request.roles, "prod-access") && true', ctx)).toBe(false);
    expect(evaluateWhere('regexp.match(request.roles, "^prod-")', ctx)).toBe(true);
    expect(() => evaluateWhere('contains(nope.x, "a")', ctx)).toThrow('unknown variable nope.x');
    expect(() => evaluateWhere('request.reason', ctx)).toThrow('not a boolean');
  });

  it('reviewers need allow for every role, where must hold, deny wins, never their own', () => {
    const cfg = config();
    const bob = new ReviewPermissions(cfg, user(cfg, 'bob'));
    const req = (u: string, roles: string[], reason = '') =>
      ({
        user: u,
        roles,
        requestReason: reason,
        systemAnnotations: {},
        reviews: [],
      }) as unknown as AccessRequest;
    expect(bob.canReview(req('alice', ['prod-access']))).toBe(true);
    expect(bob.canReview(req('alice', ['prod-access', 'db-admin']))).toBe(false);
    expect(bob.canReview(req('alice', ['prod-secret']))).toBe(false);
    expect(bob.canReview(req('bob', ['prod-access']))).toBe(false);
    const eve = new ReviewPermissions(cfg, user(cfg, 'eve'));
    expect(eve.canReview(req('alice', ['db-admin']))).toBe(true);
    expect(eve.canReview(req('alice', ['db-admin'], 'because'))).toBe(false);
    expect(new ReviewPermissions(cfg, user(cfg, 'alice')).hasAllowDirectives()).toBe(false);
  });
});

describe('store', () => {
  it('emits puts and deletes, expires pending requests, and answers dry runs without storing', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const cfg = config();
    const store = new AccessRequestStore(cfg, () => now);
    const events: StoreEvent[] = [];
    const unsubscribe = store.subscribe((e) => events.push(e));
    const alice = user(cfg, 'alice');
    const exp = new Date(now + 12 * HOUR);
    const dry = store.create(alice, exp, newReq('alice', ['db-admin'], { dryRun: true }));
    expect(store.get(dry.name)).toBeUndefined();
    const r = store.create(alice, exp, newReq('alice', ['db-admin'], { expiry: new Date(now + HOUR) }));
    expect(events.map((e) => e.type)).toEqual(['put']);
    const after = store.review(r.name, rev('bob', RequestState.DENIED), user(cfg, 'bob'));
    expect(after.state).toBe(RequestState.DENIED);
    expect(store.list({ state: RequestState.DENIED }).map((x) => x.name)).toEqual([r.name]);
    expect(store.list({ scope: 'reviewed', requester: 'bob' }).length).toBe(1);
    expect(store.list({ scope: 'needs_review', requester: 'bob' }).length).toBe(0);
    // A resolved request lives until its access expiry (4h here), then goes with a DELETE.
    now += 5 * HOUR;
    expect(store.list()).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['put', 'put', 'delete']);
    unsubscribe();
    store.close();
  });

  it('parses the watch filter map', () => {
    expect(filterFromMap({ id: 'x', user: 'u', state: 'APPROVED' })).toEqual({
      id: 'x',
      user: 'u',
      state: RequestState.APPROVED,
    });
    expect(() => filterFromMap({ who: 'u' })).toThrow('unknown filter key who');
    expect(() => filterFromMap({ state: 'approved' })).toThrow('unknown request state: "approved"');
  });
});
