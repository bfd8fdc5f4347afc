// `apps:` entries in the dev cluster config: defaults, validation messages, rewrite forms.
import { describe, expect, it } from 'vitest';
import { ConfigError, normalizeConfig } from '../../src/devcluster/config.js';
import { appDef } from '../../src/devcluster/apps/config.js';
import { expandTraits } from '../../src/devcluster/apps/headers.js';

function apps(list: unknown[]) {
  return normalizeConfig({ users: [], roles: [], apps: list }).apps;
}

describe('app config', () => {
  it('reads uri, public_addr, labels, rewrite and tcp_ports', () => {
    const [a, b] = apps([
      {
        name: 'web',
        uri: 'https://internal:8443',
        public_addr: 'web.example.com',
        labels: { env: 'dev' },
        insecure_skip_verify: true,
        rewrite: { headers: ['X-A: 1', { name: 'X-B', value: '{{internal.jwt}}' }], jwt_claims: 'roles' },
      },
      { name: 'db', uri: 'tcp://localhost', tcp_ports: [{ port: 5000, end_port: 5010 }, { port: 6000 }] },
    ]);
    expect(appDef(a!)).toMatchObject({
      uri: 'https://internal:8443',
      publicAddr: 'web.example.com',
      insecureSkipVerify: true,
      headers: [
        { name: 'X-A', value: '1' },
        { name: 'X-B', value: '{{internal.jwt}}' },
      ],
      jwtClaims: 'roles',
    });
    expect(appDef(b!).tcpPorts).toEqual([
      { port: 5000, endPort: 5010 },
      { port: 6000, endPort: 0 },
    ]);
    expect(appDef(apps([{ name: 'x' }])[0]!)).toMatchObject({
      uri: 'http://localhost:8080',
      jwtClaims: 'roles-and-traits',
      publicAddr: '',
    });
  });

  it.each([
    [
      { name: 'a', uri: 'ftp://x' },
      'config: apps[0] (a): uri "ftp://x": expected an http://, https:// or tcp:// address',
    ],
    [{ name: 'a', uri: 'tcp://x' }, 'config: apps[0] (a): uri "tcp://x" needs a port (or tcp_ports)'],
    [
      { name: 'a', uri: 'http://x', tcp_ports: [{ port: 1 }] },
      'config: apps[0] (a): tcp_ports needs a tcp:// uri without a port',
    ],
    [
      { name: 'a', uri: 'tcp://x', tcp_ports: [{ port: 9, end_port: 3 }] },
      'end_port must be greater than port',
    ],
    [
      { name: 'a', rewrite: { jwt_claims: 'all' } },
      'rewrite.jwt_claims must be one of roles-and-traits, roles, traits, none, got "all"',
    ],
    [{ name: 'a', rewrite: { headers: ['no colon'] } }, 'expected "Name: value"'],
  ])('refuses %j', (app, message) => {
    expect(() => apps([app])).toThrow(ConfigError);
    expect(() => apps([app])).toThrow(message);
  });

  it('expands header templates from traits', () => {
    const traits = { team: ['a', 'b'], logins: ['root'] };
    expect(expandTraits('plain', traits, 'J')).toEqual(['plain']);
    expect(expandTraits('Bearer {{internal.jwt}}', traits, 'J')).toEqual(['Bearer J']);
    expect(expandTraits('t-{{external.team}}-x', traits, 'J')).toEqual(['t-a-x', 't-b-x']);
    expect(expandTraits('{{external["team"]}}', traits, 'J')).toEqual(['a', 'b']);
    expect(expandTraits('{{internal.logins}}', traits, 'J')).toEqual(['root']);
    expect(expandTraits('{{internal.nope}}', traits, 'J')).toBeUndefined();
    expect(expandTraits('{{external.missing}}', traits, 'J')).toBeUndefined();
    expect(expandTraits('{{external.team}}{{external.team}}', traits, 'J')).toBeUndefined();
  });
});
