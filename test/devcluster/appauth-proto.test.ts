// Wire layout of the app auth config messages: field numbers as upstream's protos
// (docs/app-auth-configs.md lists the files).
import { describe, it, expect } from 'vitest';
import { AppAuthConfig } from '../../src/gen/teleport/appauthconfig/v1/appauthconfig.js';
import { CreateAppSessionWithJWTRequest } from '../../src/gen/teleport/appauthconfig/v1/appauthconfig_sessions_service.js';
import { WebSessionSpecV2 } from '../../src/gen/teleport/legacy/types/types.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('app auth config protos', () => {
  it('CreateAppSessionWithJWTRequest: config_name 1, app 2 {cluster_name 1, app_name 2, uri 3, public_addr 4}, jwt 3, remote_addr 4', () => {
    const b = CreateAppSessionWithJWTRequest.encode({
      configName: 'c',
      app: { clusterName: 'k', appName: 'a', uri: 'u', publicAddr: 'p' },
      jwt: 'j',
      remoteAddr: 'r',
    }).finish();
    expect(hex(b)).toBe('0a0163' + '120c' + '0a016b' + '120161' + '1a0175' + '220170' + '1a016a' + '220172');
  });
  it('AppAuthConfigJWTSpec: authorization_header 4, jwks_url 5, static_jwks 6 (inside spec 5, jwt 2)', () => {
    const b = AppAuthConfig.encode({
      kind: '',
      subKind: '',
      version: '',
      spec: {
        appLabels: [{ name: 'e', values: ['d'] }],
        subKindSpec: {
          $case: 'jwt',
          value: {
            issuer: 'i',
            audience: 'a',
            usernameClaim: 'n',
            authorizationHeader: 'h',
            keysSource: { $case: 'staticJwks', value: 's' },
          },
        },
      },
    }).finish();
    expect(hex(b)).toBe(
      '2a19' + '0a06' + '0a0165' + '120164' + '120f' + '0a0169' + '120161' + '1a016e' + '220168' + '320173',
    );
  });
  it('WebSessionSpecV2: User 1, Expires 7, LoginTime 8, IdleTimeout 9', () => {
    const b = WebSessionSpecV2.encode({
      User: 'u',
      Pub: Buffer.alloc(0),
      Priv: Buffer.alloc(0),
      TLSCert: Buffer.alloc(0),
      BearerToken: '',
      Expires: new Date(1000),
      LoginTime: new Date(2000),
      IdleTimeout: 5n,
      ConsumedAccessRequestID: '',
      HasDeviceExtensions: false,
      TLSPriv: Buffer.alloc(0),
    }).finish();
    expect(hex(b)).toBe('0a0175' + '3a020801' + '42020802' + '4805');
  });
});
