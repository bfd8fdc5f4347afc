// Wire layout of the certificate reissue messages (field numbers in docs/desktop-certs.md).
import { describe, expect, it } from 'vitest';
import {
  CreateAuthenticateChallengeRequest,
  DeleteAppSessionRequest,
  IsMFARequiredRequest,
  MFAAuthenticateChallenge,
  UserCertsRequest,
  UserCertsRequest_CertPurpose,
  UserCertsRequest_CertUsage,
} from '../../../src/gen/teleport/legacy/client/proto/authservice.js';
import { ChallengeScope } from '../../../src/gen/teleport/mfa/v1/mfa.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('certificate reissue messages', () => {
  it('UserCertsRequest: Username 2, Usage 10, RouteToWindowsDesktop 13, MFAResponse 18, Purpose 21, TLSPublicKey 23', () => {
    const b = UserCertsRequest.encode(
      UserCertsRequest.fromPartial({
        Username: 'a',
        Usage: UserCertsRequest_CertUsage.WindowsDesktop,
        RouteToWindowsDesktop: { WindowsDesktop: 'w', Login: 'L' },
        MFAResponse: { Response: { $case: 'TOTP', value: { Code: '1' } } },
        Purpose: UserCertsRequest_CertPurpose.CERT_PURPOSE_SINGLE_USE_CERTS,
        TLSPublicKey: Buffer.from('k'),
      }),
    ).finish();
    expect(hex(b)).toBe(
      [
        '1201' + '61', // 2: "a"
        '5005', // 10: WindowsDesktop
        '6a06' + '0a0177' + '12014c', // 13: {1: "w", 2: "L"}
        '920105' + '1203' + '0a0131', // 18: {TOTP(2): {Code(1): "1"}}
        'a80102', // 21: SINGLE_USE_CERTS
        'ba0101' + '6b', // 23: "k"
      ].join(''),
    );
  });

  it('UserCertsRequest: Usage App (4), RouteToApp 11 {Name 1, PublicAddr 3, ClusterName 4, URI 8, TargetPort 9}', () => {
    const b = UserCertsRequest.encode(
      UserCertsRequest.fromPartial({
        Usage: UserCertsRequest_CertUsage.App,
        RouteToApp: { Name: 'a', PublicAddr: 'p', ClusterName: 'c', URI: 'u', TargetPort: 5095 },
      }),
    ).finish();
    expect(hex(b)).toBe(
      [
        '5004', // 10: App
        '5a0f' + '0a0161' + '1a0170' + '220163' + '420175' + '48e727', // 11: {1 a, 3 p, 4 c, 8 u, 9: 5095}
      ].join(''),
    );
    expect(UserCertsRequest.decode(b).RouteToApp).toMatchObject({ Name: 'a', URI: 'u', TargetPort: 5095 });
  });

  it('DeleteAppSessionRequest: SessionID 1', () => {
    expect(hex(DeleteAppSessionRequest.encode({ SessionID: 's' }).finish())).toBe('0a0173');
  });

  it('IsMFARequiredRequest: WindowsDesktop is oneof member 4', () => {
    const b = IsMFARequiredRequest.encode({
      Target: { $case: 'WindowsDesktop', value: { WindowsDesktop: 'w', Login: 'L' } },
    }).finish();
    expect(hex(b)).toBe('2206' + '0a0177' + '12014c');
  });

  it('CreateAuthenticateChallengeRequest: ContextUser 3, MFARequiredCheck 5, ChallengeExtensions 6 (scope USER_SESSION = 6)', () => {
    const b = CreateAuthenticateChallengeRequest.encode({
      Request: { $case: 'ContextUser', value: {} },
      MFARequiredCheck: { Target: { $case: 'KubernetesCluster', value: 'k' } },
      ChallengeExtensions: { scope: ChallengeScope.CHALLENGE_SCOPE_USER_SESSION, allowReuse: 0 },
    }).finish();
    expect(hex(b)).toBe('1a00' + '2a03' + '0a016b' + '3202' + '0806');
  });

  it('MFAAuthenticateChallenge: TOTP 2, WebauthnChallenge 3 (public_key 1), MFARequired 4', () => {
    const c = MFAAuthenticateChallenge.decode(Buffer.from('1a02' + '0a00' + '1200' + '2001', 'hex'));
    expect(c.TOTP).toEqual({});
    expect(c.MFARequired).toBe(1);
    expect(c.WebauthnChallenge?.publicKey?.challenge).toEqual(Buffer.alloc(0));
    const challenge = Buffer.from('00ff', 'hex');
    const bytes = MFAAuthenticateChallenge.encode({
      WebauthnChallenge: {
        publicKey: {
          challenge,
          timeoutMs: 60000n,
          rpId: 'localhost',
          allowCredentials: [],
          userVerification: 'discouraged',
        },
      },
      MFARequired: 0,
    }).finish();
    // 1a: field 3; inside, 0a: public_key; 0a 02 00ff: challenge; 10 e0d403: timeout_ms; 1a 09: rp_id.
    expect(Buffer.from(bytes).toString('hex')).toBe(
      '1a22' + '0a20' + '0a0200ff' + '10e0d403' + '1a096c6f63616c686f7374' + '320b646973636f757261676564',
    );
  });
});
