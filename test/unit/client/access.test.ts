// Allowed Users of `tsh db ls`: getDBUsers / formatUsersForDB (tool/tsh/common/tsh.go) over
// accessChecker.EnumerateDatabaseUsers (lib/services/access_checker.go) and RoleSet.checkAccess
// (lib/services/role.go). Expected cells are the ones PR #10458 ("Make `tsh db ls` lists available db
// users") shows for each role setup; the JSON lists follow dbUsers's omitempty tags.
import { describe, expect, it } from 'vitest';
import {
  accessChecker,
  applyValueTraits,
  databaseUsers,
  formatAllowedUsers,
  matchLabels,
} from '../../../src/client/access.js';
import { RoleV6, UserV2 } from '../../../src/gen/teleport/legacy/types/types.js';

type Side = { db_users?: string[]; db_labels?: Record<string, string[]> };

function role(name: string, allow: Side, deny: Side = {}): RoleV6 {
  const cond = (s: Side) => ({
    Namespaces: ['default'],
    DatabaseUsers: s.db_users ?? [],
    DatabaseLabels: s.db_labels
      ? { Values: Object.fromEntries(Object.entries(s.db_labels).map(([k, v]) => [k, { Values: v }])) }
      : undefined,
  });
  return RoleV6.fromPartial({
    Kind: 'role',
    Version: 'v7',
    Metadata: { Name: name },
    Spec: { Allow: cond(allow), Deny: cond(deny) },
  });
}

function user(traits: Record<string, string[]> = {}): UserV2 {
  return UserV2.fromPartial({
    Metadata: { Name: 'alice' },
    Spec: {
      Traits: { Values: Object.fromEntries(Object.entries(traits).map(([k, v]) => [k, { Values: v }])) },
    },
  });
}

const ANY = { '*': ['*'] };
const env = { env: 'dev' };
const cell = (...roles: RoleV6[]) => formatAllowedUsers(databaseUsers(accessChecker(user(), roles), env));

describe('Allowed Users (PR #10458 examples)', () => {
  it('(none): no role names a database user', () => {
    expect(cell(role('r', { db_labels: ANY }))).toBe('(none)');
  });
  it('[*]: a role allows any user', () => {
    expect(cell(role('r', { db_labels: ANY, db_users: ['*'] }))).toBe('[*]');
  });
  it('[*], except: [bob]: any user but one another role denies (deny rules are greedy)', () => {
    expect(cell(role('r', { db_labels: ANY, db_users: ['*'] }), role('d', {}, { db_users: ['bob'] }))).toBe(
      '[*], except: [bob]',
    );
  });
  it('[* baz], except: [bob]', () => {
    expect(
      cell(role('r', { db_labels: ANY, db_users: ['*', 'baz'] }), role('d', {}, { db_users: ['bob'] })),
    ).toBe('[* baz], except: [bob]');
  });
  it('[baz]: named users only; denied ones are listed only next to "*"', () => {
    expect(cell(role('r', { db_labels: ANY, db_users: ['baz'] }), role('d', {}, { db_users: ['bob'] }))).toBe(
      '[baz]',
    );
  });
  it('(unknown) when the roles could not be read', () => {
    expect(formatAllowedUsers(undefined)).toBe('(unknown)');
  });
});

describe('databaseUsers (EnumerateDatabaseUsers semantics)', () => {
  it('JSON lists: "*" first, then the named users sorted (TestSerializeDatabases: ["*", "bar", "foo"])', () => {
    const c = accessChecker(user(), [role('r', { db_labels: ANY, db_users: ['foo', '*', 'bar'] })]);
    expect(databaseUsers(c, env)).toEqual({ allowed: ['*', 'bar', 'foo'] });
  });

  it('a "*" granted by a role that does not match the database does not count', () => {
    const c = accessChecker(user(), [
      role('prod', { db_labels: { env: ['prod'] }, db_users: ['*'] }),
      role('dev', { db_labels: { env: ['dev'] }, db_users: ['dev'] }),
    ]);
    expect(databaseUsers(c, env)).toEqual({ allowed: ['dev'] });
    // On prod the "*" of role prod also lets "dev" in (it matches the wildcard).
    expect(databaseUsers(c, { env: 'prod' })).toEqual({ allowed: ['*', 'dev'] });
  });

  it('denying "*" empties the allowed list', () => {
    const c = accessChecker(user(), [
      role('r', { db_labels: ANY, db_users: ['a', '*'] }, { db_users: ['*'] }),
    ]);
    expect(databaseUsers(c, env)).toEqual({});
    expect(formatAllowedUsers(databaseUsers(c, env))).toBe('(none)');
  });

  it('deny labels that match the database deny every user, "*" included', () => {
    const c = accessChecker(user(), [
      role('r', { db_labels: ANY, db_users: ['*', 'a'] }, { db_labels: { env: ['dev'] } }),
    ]);
    expect(databaseUsers(c, env)).toEqual({});
    expect(databaseUsers(c, { env: 'prod' })).toEqual({ allowed: ['*', 'a'] });
  });

  it('traits are applied to the roles (ApplyTraits with GetCurrentUser traits)', () => {
    const c = accessChecker(user({ logins: ['alice', 'root'], team: ['dev'] }), [
      role('r', {
        db_labels: { env: ['{{external.team}}'] },
        db_users: ['{{internal.logins}}', 'app-{{internal.team}}'],
      }),
    ]);
    expect(databaseUsers(c, env)).toEqual({ allowed: ['alice', 'app-dev', 'root'] });
  });
});

describe('helpers', () => {
  it('applyValueTraits: plain, external["x"], literal text around, missing traits dropped', () => {
    const t = { logins: ['a', 'b'], 'x-y': ['z'] };
    expect(applyValueTraits('plain', t)).toEqual(['plain']);
    expect(applyValueTraits('{{internal.logins}}', t)).toEqual(['a', 'b']);
    expect(applyValueTraits('{{ external["x-y"] }}', t)).toEqual(['z']);
    expect(applyValueTraits('pre-{{internal.logins}}-post', t)).toEqual(['pre-a-post', 'pre-b-post']);
    expect(applyValueTraits('{{internal.missing}}', t)).toEqual([]);
    expect(applyValueTraits('{{email.local(external.email)}}', t)).toEqual([]);
  });

  it('matchLabels (services.MatchLabels): empty matches nothing, globs and ^regex$ values', () => {
    expect(matchLabels({}, { a: 'b' })).toBe(false);
    expect(matchLabels({ '*': ['*'] }, {})).toBe(true);
    expect(matchLabels({ env: ['prod-*'] }, { env: 'prod-eu' })).toBe(true);
    expect(matchLabels({ env: ['prod-*'] }, { env: 'dev' })).toBe(false);
    expect(matchLabels({ env: ['^(dev|qa)$'] }, { env: 'qa' })).toBe(true);
    expect(matchLabels({ env: ['a.b'] }, { env: 'axb' })).toBe(false);
    expect(matchLabels({ env: ['*'] }, {})).toBe(false);
  });
});
