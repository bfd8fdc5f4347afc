// Per-session MFA rules of the dev cluster's Auth service.
import { describe, expect, it } from 'vitest';
import { totp } from '../../../src/auth/totp.js';
import { normalizeConfig } from '../../../src/devcluster/config.js';
import {
  createAuthenticateChallenge,
  isMfaRequired,
  MSG_OTP_NOT_FOR_SESSION_MFA,
  totpDeviceId,
  validateSessionMfa,
} from '../../../src/devcluster/mfachallenge.js';
import { Catalog } from '../../../src/devcluster/resources.js';
import { MFARequired } from '../../../src/gen/teleport/legacy/client/proto/authservice.js';
import { ChallengeScope } from '../../../src/gen/teleport/mfa/v1/mfa.js';

const SECRET = 'JBSWY3DPEHPK3PXP';

function setup(extra: Record<string, unknown> = {}) {
  const cfg = normalizeConfig({
    server_version: '17.5.0',
    second_factor: 'on',
    users: [{ name: 'u', password: 'p', totp_secret: SECRET, roles: ['plain', 'strict'] }],
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
        windows_desktop_logins: ['A', 'B'],
        require_session_mfa: true,
      },
    ],
    desktops: [
      { name: 'dev', addr: '10.0.0.1:3389', labels: { env: 'dev' } },
      { name: 'prod', addr: '10.0.0.2:3389', labels: { env: 'prod' } },
    ],
    ...extra,
  });
  return { cfg, catalog: new Catalog(cfg), user: cfg.users[0]! };
}

const desktop = (name: string, login: string) => ({
  Target: { $case: 'WindowsDesktop' as const, value: { WindowsDesktop: name, Login: login } },
});

describe('isMfaRequired (windows_desktop)', () => {
  it('is required only where a granting role asks for it; no access or no desktop answers no', () => {
    const { cfg, catalog, user } = setup();
    const req = (n: string, l: string) => isMfaRequired(cfg, catalog, user, desktop(n, l)).Required;
    expect(req('dev', 'A')).toBe(false);
    expect(req('prod', 'A')).toBe(true);
    expect(req('prod', 'B')).toBe(true);
    expect(req('dev', 'B')).toBe(false); // login not granted on dev: masked
    expect(req('nope', 'A')).toBe(false);
  });

  it('the cluster-wide require_session_mfa answers yes for everything', () => {
    const { cfg, catalog, user } = setup({ require_session_mfa: true });
    expect(isMfaRequired(cfg, catalog, user, desktop('nope', 'A'))).toEqual({
      Required: true,
      MFARequired: MFARequired.MFA_REQUIRED_YES,
    });
  });

  it('needs a desktop and a login', () => {
    const { cfg, catalog, user } = setup();
    expect(() => isMfaRequired(cfg, catalog, user, desktop('dev', ''))).toThrow('empty Login field');
  });
});

describe('createAuthenticateChallenge', () => {
  const ext = { scope: ChallengeScope.CHALLENGE_SCOPE_USER_SESSION, allowReuse: 0 };
  it('offers TOTP when MFA is required, and nothing (MFA_REQUIRED_NO) when it is not', () => {
    const { cfg, catalog, user } = setup();
    const chal = (n: string) =>
      createAuthenticateChallenge(cfg, catalog, user, {
        Request: { $case: 'ContextUser', value: {} },
        MFARequiredCheck: desktop(n, 'A'),
        ChallengeExtensions: ext,
      });
    expect(chal('prod')).toEqual({ TOTP: {}, MFARequired: MFARequired.MFA_REQUIRED_YES });
    expect(chal('dev')).toEqual({ MFARequired: MFARequired.MFA_REQUIRED_NO });
  });

  it('requires a scope', () => {
    const { cfg, catalog, user } = setup();
    expect(() => createAuthenticateChallenge(cfg, catalog, user, {})).toThrow(
      'extensions scope must be specified',
    );
  });
});

describe('validateSessionMfa', () => {
  const answer = (code: string) => ({ Response: { $case: 'TOTP' as const, value: { Code: code } } });
  it('accepts a fresh TOTP code once on a v17 cluster and returns the device ID', () => {
    const { cfg, user } = setup();
    const code = totp(SECRET);
    expect(validateSessionMfa(cfg, user, answer(code))).toBe(totpDeviceId(user));
    expect(() => validateSessionMfa(cfg, user, answer(code))).toThrow('previously used totp token');
    expect(() => validateSessionMfa(cfg, user, answer('000000x'))).toThrow('invalid totp token');
  });

  it('refuses TOTP on a v18 cluster', () => {
    const { cfg, user } = setup({ server_version: '18.2.0' });
    expect(() => validateSessionMfa(cfg, user, answer(totp(SECRET)))).toThrow(MSG_OTP_NOT_FOR_SESSION_MFA);
  });
});
