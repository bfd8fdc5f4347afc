// The Logins of `tshjs desktop ls`: accessChecker.GetAllowedLoginsForResource for a windows_desktop
// (lib/services/access_checker.go) over RoleSet.checkAccess with the windowsLoginMatcher
// (lib/services/role.go): windows_desktop_labels and windows_desktop_logins, allow and deny, traits
// applied.
import { describe, expect, it } from 'vitest';
import { accessChecker, formatLogins, windowsDesktopLogins } from '../../../src/client/access.js';
import { RoleV6, UserV2 } from '../../../src/gen/teleport/legacy/types/types.js';

type Side = { logins?: string[]; labels?: Record<string, string[]>; namespaces?: string[] };

function role(name: string, allow: Side, deny: Side = {}): RoleV6 {
  const cond = (s: Side) => ({
    Namespaces: s.namespaces ?? ['default'],
    WindowsDesktopLogins: s.logins ?? [],
    WindowsDesktopLabels: s.labels
      ? { Values: Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, { Values: v }])) }
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
const dev = { env: 'dev', os: 'windows' };
const logins = (roles: RoleV6[], labels: Record<string, string> = dev, traits = {}) =>
  windowsDesktopLogins(accessChecker(user(traits), roles), labels);

describe('windowsDesktopLogins', () => {
  it('the allowed logins of roles whose labels match, deduplicated and byte-sorted', () => {
    expect(
      logins([
        role('a', { labels: ANY, logins: ['bob', 'Administrator'] }),
        role('b', { labels: { env: ['dev'] }, logins: ['alice', 'bob'] }),
      ]),
    ).toEqual(['Administrator', 'alice', 'bob']);
  });

  it('no role matches the labels: no logins', () => {
    expect(logins([role('a', { labels: { env: ['prod'] }, logins: ['Administrator'] })])).toEqual([]);
    // An empty selector matches nothing.
    expect(logins([role('a', { logins: ['Administrator'] })])).toEqual([]);
    expect(logins([])).toEqual([]);
  });

  it('logins of a role only count on the desktops that role matches', () => {
    const roles = [
      role('prod', { labels: { env: ['prod'] }, logins: ['ops'] }),
      role('dev', { labels: { env: ['dev'] }, logins: ['dev'] }),
    ];
    expect(logins(roles)).toEqual(['dev']);
    expect(logins(roles, { env: 'prod' })).toEqual(['ops']);
  });

  it('wildcard, glob and ^regex$ label values, as db_labels', () => {
    const l = (labels: Record<string, string[]>, target: Record<string, string>) =>
      logins([role('r', { labels, logins: ['Administrator'] })], target);
    expect(l({ env: ['*'] }, dev)).toEqual(['Administrator']);
    expect(l({ env: ['*'] }, {})).toEqual([]);
    expect(l({ env: ['de*'] }, dev)).toEqual(['Administrator']);
    expect(l({ env: ['^(qa|dev)$'] }, dev)).toEqual(['Administrator']);
    expect(l({ env: ['d.v'] }, dev)).toEqual([]);
    expect(l({ env: ['dev'], os: ['linux'] }, dev)).toEqual([]);
  });

  it('a denied login is dropped everywhere, whatever the deny rule labels', () => {
    const roles = [
      role('a', { labels: ANY, logins: ['Administrator', 'alice'] }),
      role('d', {}, { labels: { env: ['prod'] }, logins: ['Administrator'] }),
    ];
    expect(logins(roles)).toEqual(['alice']);
    // Role order does not matter (a later allow does not undo an earlier deny).
    expect(logins([roles[1], roles[0]])).toEqual(['alice']);
  });

  it('deny labels that match the desktop deny every login', () => {
    const roles = [role('a', { labels: ANY, logins: ['Administrator'] }, { labels: { env: ['dev'] } })];
    expect(logins(roles)).toEqual([]);
    expect(logins(roles, { env: 'prod' })).toEqual(['Administrator']);
  });

  it('"*" is a literal login (windowsLoginMatcher has no wildcard)', () => {
    expect(logins([role('a', { labels: ANY, logins: ['*'] })])).toEqual(['*']);
    expect(logins([role('a', { labels: ANY, logins: ['bob'] }, { logins: ['*'] })])).toEqual(['bob']);
  });

  it('a role outside the default namespace grants nothing', () => {
    expect(logins([role('a', { labels: ANY, logins: ['bob'], namespaces: ['other'] })])).toEqual([]);
  });

  it('traits fill logins and label selectors ({{internal.windows_logins}}, {{external.x}})', () => {
    const traits = { windows_logins: ['alice', 'Administrator'], team: ['dev'], blocked: ['alice'] };
    expect(
      logins(
        [
          role('a', {
            labels: { env: ['{{external.team}}'] },
            logins: ['{{internal.windows_logins}}', 'svc-{{external.team}}'],
          }),
        ],
        dev,
        traits,
      ),
    ).toEqual(['Administrator', 'alice', 'svc-dev']);
    expect(
      logins(
        [
          role(
            'a',
            { labels: ANY, logins: ['{{internal.windows_logins}}'] },
            { logins: ['{{external.blocked}}'] },
          ),
        ],
        dev,
        traits,
      ),
    ).toEqual(['Administrator']);
    // A missing trait yields no login (and no selector value).
    expect(logins([role('a', { labels: ANY, logins: ['{{internal.windows_logins}}'] })])).toEqual([]);
    expect(logins([role('a', { labels: { env: ['{{external.team}}'] }, logins: ['x'] })])).toEqual([]);
  });
});

describe('formatLogins', () => {
  it('comma-joined; empty without logins; (unknown) without the roles', () => {
    expect(formatLogins(['Administrator', 'alice'])).toBe('Administrator,alice');
    expect(formatLogins([])).toBe('');
    expect(formatLogins(undefined)).toBe('(unknown)');
  });
});
