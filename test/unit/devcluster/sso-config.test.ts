// The dev cluster's `connectors:` parser and the claims → roles/traits mapping.
import { describe, expect, it } from 'vitest';
import { parseConnectors, parseSsoConfig } from '../../../src/devcluster/sso/config.js';
import { mapGithub, mapOidc, mapSaml, mapValue } from '../../../src/devcluster/sso/mapping.js';
import { validateClientRedirect } from '../../../src/devcluster/sso/seal.js';

const ROLES = ['access', 'dev', 'dev-admins'];

const oidc = {
  kind: 'oidc',
  name: 'okta',
  claims_to_roles: [
    { claim: 'groups', value: 'admins', roles: ['access'] },
    { claim: 'groups', value: '^dev-(.*)$', roles: ['dev-$1'] },
  ],
  users: [
    {
      name: 'alice',
      password: 'pw',
      claims: { email: 'alice@example.com', groups: ['admins', 'dev-admins'] },
    },
  ],
};

describe('connectors config', () => {
  it('parses each kind with its upstream mapping field', () => {
    const cs = parseConnectors(
      [
        oidc,
        {
          kind: 'saml',
          name: 'corp',
          display: 'Corp',
          attributes_to_roles: [{ name: 'g', value: 'x', roles: ['dev'] }],
        },
        {
          kind: 'github',
          name: 'gh',
          teams_to_roles: [{ organization: 'acme', team: 'devs', roles: ['dev'] }],
        },
      ],
      ROLES,
    );
    expect(cs.map((c) => [c.kind, c.name])).toEqual([
      ['oidc', 'okta'],
      ['saml', 'corp'],
      ['github', 'gh'],
    ]);
    expect(cs[0].users[0].claims.groups).toEqual(['admins', 'dev-admins']);
    expect(cs[0].users[0].claims.email).toBe('alice@example.com');
    expect(cs[1].display).toBe('Corp');
  });

  it('refuses unknown kinds, roles, fields of another kind, duplicates, reserved names', () => {
    const bad = (c: unknown, msg: RegExp) => expect(() => parseConnectors([c], ROLES)).toThrow(msg);
    bad({ ...oidc, kind: 'ldap' }, /kind "ldap" is not one of oidc, saml, github/);
    bad({ ...oidc, claims_to_roles: [{ claim: 'g', value: 'x', roles: ['nope'] }] }, /unknown role "nope"/);
    bad({ ...oidc, teams_to_roles: [] }, /teams_to_roles is not a field of a oidc connector/);
    bad({ ...oidc, name: 'local' }, /reserved/);
    bad({ kind: 'oidc', name: 'x' }, /needs claims_to_roles/);
    expect(() => parseConnectors([oidc, oidc], ROLES)).toThrow(/defined twice/);
  });

  it('authentication picks the default connector', () => {
    const s = parseSsoConfig({ connectors: [oidc], authentication: { type: 'oidc' } }, ROLES);
    expect(s.authentication).toEqual({ type: 'oidc', connector_name: 'okta' });
    expect(parseSsoConfig({}, ROLES).authentication.type).toBe('local');
    expect(() => parseSsoConfig({ authentication: { type: 'saml' } }, ROLES)).toThrow(/no saml connector/);
  });
});

describe('mapping', () => {
  it('values are globs or anchored regular expressions with $1 in role names', () => {
    expect(mapValue('admins', 'admins', ['a'])).toEqual(['a']);
    expect(mapValue('dev-*', 'dev-team', ['d'])).toEqual(['d']);
    expect(mapValue('dev-*', 'xdev-team', ['d'])).toEqual([]);
    expect(mapValue('^team-(.*)$', 'team-blue', ['role-$1'])).toEqual(['role-blue']);
    expect(mapValue('a.b', 'axb', ['r'])).toEqual([]);
  });

  it('OIDC: username from email, roles from claims, every claim a trait', () => {
    const [c] = parseConnectors([oidc], ROLES);
    const who = mapOidc(c, {
      sub: 'alice',
      email: 'alice@example.com',
      groups: ['admins', 'dev-admins'],
      n: 3,
    });
    expect(who.username).toBe('alice@example.com');
    expect(who.roles).toEqual(['access', 'dev-admins']);
    expect(who.traits).toEqual({
      sub: ['alice'],
      email: ['alice@example.com'],
      groups: ['admins', 'dev-admins'],
      n: ['3'],
    });
  });

  it('SAML and GitHub', () => {
    const [s, g] = parseConnectors(
      [
        {
          kind: 'saml',
          name: 'corp',
          attributes_to_roles: [{ name: 'groups', value: 'ops', roles: ['dev'] }],
        },
        {
          kind: 'github',
          name: 'gh',
          teams_to_roles: [{ organization: 'acme', team: 'devs', roles: ['dev'] }],
        },
      ],
      ROLES,
    );
    expect(mapSaml(s, 'bob', { groups: ['ops'] })).toEqual({
      username: 'bob',
      roles: ['dev'],
      traits: { groups: ['ops'] },
    });
    const gh = mapGithub(g, 'carol', ['acme/devs', 'other/devs']);
    expect(gh.roles).toEqual(['dev']);
    expect(gh.traits).toEqual({ logins: ['carol'], github_teams: ['devs'] });
    expect(mapGithub(g, 'carol', ['other/devs']).roles).toEqual([]);
  });
});

describe('client redirect validation (ValidateClientRedirect, login ceremony)', () => {
  it('accepts only loopback http /callback?secret_key=…', () => {
    for (const ok of [
      'http://127.0.0.1:1234/callback?secret_key=ab',
      'http://localhost:1/callback?secret_key=ab',
      'http://[::1]:1/callback?secret_key=ab',
    ])
      expect(() => validateClientRedirect(ok)).not.toThrow();
    const bad: Array<[string, RegExp]> = [
      ['http://evil.example.com/callback?secret_key=ab', /unknown custom client redirect URL hostname/],
      ['https://127.0.0.1/callback?secret_key=ab', /unknown custom client redirect URL hostname/],
      ['http://127.0.0.1/other?secret_key=ab', /invalid path/],
      ['http://127.0.0.1/callback?secret_key=ab&x=1', /malformed query parameters/],
      ['http://u:p@127.0.0.1/callback?secret_key=ab', /userinfo/],
      ['http://127.0.0.1/callback?secret_key=ab#f', /fragment/],
    ];
    for (const [url, msg] of bad) expect(() => validateClientRedirect(url)).toThrow(msg);
  });
});
