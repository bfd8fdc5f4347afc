// The Windows Desktop Service's per-session MFA decision (src/devcluster/desktop/access.ts).
import { describe, expect, it } from 'vitest';
import type { TlsIdentity } from '../../../../src/auth/x509/identity.js';
import { normalizeConfig } from '../../../../src/devcluster/config.js';
import { authorize, sessionMfaMissing } from '../../../../src/devcluster/desktop/access.js';
import { Catalog } from '../../../../src/devcluster/resources.js';

function setup(extra: Record<string, unknown> = {}) {
  const cfg = normalizeConfig({
    users: [{ name: 'u', password: 'p', roles: ['plain', 'strict'] }],
    roles: [
      {
        name: 'plain',
        logins: [],
        node_labels: {},
        windows_desktop_labels: { env: 'dev' },
        windows_desktop_logins: ['A'],
      },
      {
        name: 'strict',
        logins: [],
        node_labels: {},
        windows_desktop_labels: { env: 'prod' },
        windows_desktop_logins: ['A'],
        require_session_mfa: true,
      },
    ],
    desktops: [
      { name: 'dev', addr: '127.0.0.1:3389', labels: { env: 'dev' } },
      { name: 'prod', addr: '127.0.0.1:3389', labels: { env: 'prod' } },
    ],
    ...extra,
  });
  const identity = (mfaVerified?: string) =>
    ({
      username: 'u',
      groups: ['plain', 'strict'],
      usage: [],
      traits: {},
      mfaVerified,
    }) as unknown as TlsIdentity;
  const who = (mfaVerified?: string) => {
    const r = authorize(cfg, identity(mfaVerified));
    if (!r.ok) throw new Error(r.message);
    return r.value;
  };
  return { cfg, catalog: new Catalog(cfg), who };
}

describe('sessionMfaMissing', () => {
  it('a role with require_session_mfa that grants the login needs an MFA-verified certificate', () => {
    const { cfg, catalog, who } = setup();
    expect(sessionMfaMissing(cfg, catalog, who(), 'prod', 'A')).toBe(true);
    expect(sessionMfaMissing(cfg, catalog, who('device-1'), 'prod', 'A')).toBe(false);
    // Granted by a role without the option: no MFA.
    expect(sessionMfaMissing(cfg, catalog, who(), 'dev', 'A')).toBe(false);
    // Not granted at all: the access check refuses it, not the MFA one.
    expect(sessionMfaMissing(cfg, catalog, who(), 'prod', 'B')).toBe(false);
  });

  it('the cluster-wide require_session_mfa applies to every desktop and login', () => {
    const { cfg, catalog, who } = setup({ require_session_mfa: true });
    expect(sessionMfaMissing(cfg, catalog, who(), 'dev', 'A')).toBe(true);
    expect(sessionMfaMissing(cfg, catalog, who(), 'dev', 'nobody')).toBe(true);
    expect(sessionMfaMissing(cfg, catalog, who(), 'dev', '')).toBe(true);
    expect(sessionMfaMissing(cfg, catalog, who('device-1'), 'dev', 'A')).toBe(false);
  });
});
