// The dev cluster as a v18 proxy: route-not-found body (lib/httplib RouteNotFoundResponse written
// by roundtrip.ReplyJSON), second_factor rules (lib/modules ValidateResource), ping's
// proxy.ssh.dial_timeout (ClusterNetworkingConfig ssh_dial_timeout, api/defaults DefaultIOTimeout).
import { describe, expect, it } from 'vitest';
import type { Authority } from '../../../src/devcluster/authority.js';
import {
  ConfigError,
  MSG_CANNOT_DISABLE_MFA,
  demoConfig,
  normalizeConfig,
} from '../../../src/devcluster/config.js';
import { WebApi, proxyVersionFields, routeNotFoundBody } from '../../../src/devcluster/web.js';

const users = (withDevice: boolean) => [
  { name: 'alice', password: 'a', roles: [] },
  ...(withDevice ? [{ name: 'bob', password: 'b', totp_secret: 'JBSWY3DPEHPK3PXP', roles: [] }] : []),
];

describe('route not found', () => {
  it('is the compact TraceErr with fields.proxyVersion', () => {
    expect(routeNotFoundBody('18.2.0')).toBe(
      '{"error":{"message":"path not found"},"fields":{"proxyVersion":' +
        '{"major":18,"minor":2,"patch":0,"preRelease":"","string":"18.2.0"}}}',
    );
  });

  it('carries the pre-release; leaves fields out for a version that is not semver', () => {
    expect(proxyVersionFields('18.0.0-dev')).toEqual({
      major: 18,
      minor: 0,
      patch: 0,
      preRelease: 'dev',
      string: '18.0.0-dev',
    });
    expect(routeNotFoundBody('eighteen')).toBe('{"error":{"message":"path not found"}}');
  });
});

describe('second_factor', () => {
  it('defaults to on when a user has an MFA device, else off', () => {
    expect(normalizeConfig({ users: users(true) }).second_factor).toBe('on');
    expect(normalizeConfig({ users: users(false) }).second_factor).toBe('off');
  });

  it('keeps explicit on, otp and off (YAML booleans read as on/off)', () => {
    for (const v of ['on', 'otp', 'off'])
      expect(normalizeConfig({ users: users(true), second_factor: v }).second_factor).toBe(v);
    expect(normalizeConfig({ users: users(true), second_factor: false }).second_factor).toBe('off');
  });

  it("refuses optional with upstream's message", () => {
    expect(() => normalizeConfig({ users: users(true), second_factor: 'optional' })).toThrow(ConfigError);
    expect(() => normalizeConfig({ users: users(true), second_factor: 'optional' })).toThrow(
      `config: second_factor "optional": ${MSG_CANNOT_DISABLE_MFA}`,
    );
    expect(MSG_CANNOT_DISABLE_MFA).toBe('cannot disable multi-factor authentication');
    expect(normalizeConfig({ second_factor: 'webauthn' }).second_factor).toBe('webauthn');
    expect(() => normalizeConfig({ second_factor: 'sometimes' })).toThrow(
      /is not one of on, otp, webauthn, off/,
    );
  });

  it('the demo cluster is a quick local cluster: explicitly off', () => {
    expect(demoConfig().second_factor).toBe('off');
  });
});

describe('ping', () => {
  const web = (cfg: Record<string, unknown>) =>
    new WebApi({
      cfg: normalizeConfig({ users: users(true), ...cfg }),
      authority: {} as Authority,
      publicAddr: () => '127.0.0.1:3080',
      log: () => {},
    });
  const ssh = (w: WebApi) => (w.ping().proxy as { ssh: Record<string, unknown> }).ssh;
  const auth = (w: WebApi) => w.ping().auth as Record<string, unknown>;

  it('reports proxy.ssh.dial_timeout in nanoseconds, 30s by default', () => {
    expect(ssh(web({})).dial_timeout).toBe(30_000_000_000);
    expect(ssh(web({ ssh_dial_timeout: '45s' })).dial_timeout).toBe(45_000_000_000);
    expect(ssh(web({ tls_routing: false, ssh_dial_timeout: '1m' })).dial_timeout).toBe(60_000_000_000);
    expect(() => web({ ssh_dial_timeout: 'soon' })).toThrow(/ssh_dial_timeout "soon"/);
  });

  it('second_factor and preferred_local_mfa', () => {
    expect(auth(web({}))).toMatchObject({ second_factor: 'on', preferred_local_mfa: 'otp' });
    const off = auth(web({ second_factor: 'off' }));
    expect(off.second_factor).toBe('off');
    expect(off).not.toHaveProperty('preferred_local_mfa');
  });
});
