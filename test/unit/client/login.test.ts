// Login request bodies and profile fields, with expectations taken from the upstream code the
// client follows: lib/client/weblogin.go (AuthenticateSSHUserRequest, MFAChallengeRequest),
// lib/utils CheckCertificateFormatFlag, lib/client/api.go applyProxySettings + Config.Profile,
// and gopkg.in/yaml.v2's time.Duration encoding.
import { describe, expect, it } from 'vitest';
import {
  CERT_FORMATS,
  OTP_PROMPT,
  checkCertificateFormat,
  profileFromPing,
} from '../../../src/client/login.js';
import { authenticateSSHUserBody, type PingResponse } from '../../../src/client/webapi.js';
import { TshError } from '../../../src/util/errors.js';

describe('authenticateSSHUserBody (lib/client/weblogin.go AuthenticateSSHUserRequest)', () => {
  const base = {
    user: 'bob',
    password: 'pw',
    webauthn_challenge_response: null,
    totp_code: '123456',
    ssh_pub_key: 'U1NI',
    tls_pub_key: 'VExT',
    ttl: 43_200_000_000_000,
    RouteToCluster: '',
    KubernetesCluster: '',
  } as const;

  // Go's encoding/json: struct field order, the embedded UserPublicKeys fields in place
  // (pub_key and the attestation statements are omitempty and nil), webauthn_challenge_response
  // and totp_code without omitempty, compatibility omitempty.
  it('writes the keys in Go struct order, without compatibility when unset', () => {
    expect(JSON.stringify(authenticateSSHUserBody({ ...base }))).toBe(
      '{"user":"bob","password":"pw","webauthn_challenge_response":null,"totp_code":"123456",' +
        '"ssh_pub_key":"U1NI","tls_pub_key":"VExT","ttl":43200000000000,' +
        '"RouteToCluster":"","KubernetesCluster":""}',
    );
  });

  it('puts compatibility between ttl and RouteToCluster when --cert-format is given', () => {
    expect(JSON.stringify(authenticateSSHUserBody({ ...base, totp_code: '', compatibility: 'oldssh' }))).toBe(
      '{"user":"bob","password":"pw","webauthn_challenge_response":null,"totp_code":"",' +
        '"ssh_pub_key":"U1NI","tls_pub_key":"VExT","ttl":43200000000000,"compatibility":"oldssh",' +
        '"RouteToCluster":"","KubernetesCluster":""}',
    );
  });
});

describe('--cert-format (lib/utils CheckCertificateFormatFlag)', () => {
  it('accepts standard, oldssh and unspecified', () => {
    expect(CERT_FORMATS).toEqual(['standard', 'oldssh']);
    expect(checkCertificateFormat(undefined)).toBe('');
    expect(checkCertificateFormat('')).toBe('');
    expect(checkCertificateFormat('standard')).toBe('standard');
    expect(checkCertificateFormat('oldssh')).toBe('oldssh');
  });

  it("refuses anything else with upstream's BadParameter text", () => {
    let err: unknown;
    try {
      checkCertificateFormat('openssh');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TshError);
    expect((err as TshError).message).toBe('invalid certificate format parameter: "openssh"');
    expect((err as TshError).kind).toBe('bad-parameter');
  });
});

describe('prompts', () => {
  // lib/client/mfa/cli.go promptOTP with no device type, written by prompt.Password as "%s:\n".
  it('OTP prompt', () => {
    expect(OTP_PROMPT).toBe('Enter an OTP code from a device:');
  });
});

describe('profileFromPing: ssh_dial_timeout', () => {
  const ping = (dial?: number): PingResponse => ({
    auth: { type: 'local' },
    proxy: {
      ssh: { public_addr: 'proxy.example.com:443', ...(dial === undefined ? {} : { dial_timeout: dial }) },
      tls_routing_enabled: true,
    },
    server_version: '18.2.0',
    min_client_version: '17.0.0',
    cluster_name: 'example',
  });

  // applyProxySettings copies proxy.ssh.dial_timeout (nanoseconds) as is; the profile writer
  // (yaml.v2) renders a time.Duration with Duration.String() and omits zero.
  it.each([
    [30_000_000_000, '30s'],
    [90_000_000_000, '1m30s'],
    [1_500_000_000, '1.5s'],
    [3_600_000_000_000, '1h0m0s'],
    [0, undefined],
    [undefined, undefined],
  ])('%s ns -> %s', (ns, want) => {
    const p = profileFromPing(ping(ns), 'proxy.example.com:443', 'alice', 'example', {});
    expect(p.sshDialTimeout).toBe(want);
  });
});
