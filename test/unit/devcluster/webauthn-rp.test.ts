// The dev cluster's WebAuthn Relying Party with assertions from the software authenticator:
// upstream's refusals for an unknown credential, a wrong signature, a spent challenge, a foreign
// origin, and a passwordless answer without a user handle; config parsing of devices.
import { describe, expect, it } from 'vitest';
import { createSoftwareCredential, signAssertion } from '../../../src/client/webauthn/software.js';
import { normalizeConfig } from '../../../src/devcluster/config.js';
import {
  parseWebauthnDevices,
  webauthnConfigOf,
  webauthnUserHandle,
} from '../../../src/devcluster/webauthn/devices.js';
import { RelyingParty, assertionJSON, type Assertion } from '../../../src/devcluster/webauthn/rp.js';

const RP = 'example.com';
const ORIGIN = 'https://example.com:3080';

function setup() {
  const alice = createSoftwareCredential({ rpId: RP, name: 'k1' });
  const dave = createSoftwareCredential({
    rpId: RP,
    userName: 'dave',
    userHandle: webauthnUserHandle('dave'),
  });
  const cfg = normalizeConfig({
    second_factor: 'webauthn',
    users: [
      { name: 'alice', password: 'a', roles: [], webauthn_devices: [alice.device] },
      { name: 'dave', password: 'd', roles: [], webauthn_devices: [dave.device] },
    ],
  });
  return { alice, dave, cfg, rp: new RelyingParty(() => RP) };
}

const req = (a: Assertion, origin = ORIGIN) => ({
  challenge: a.challenge,
  rpId: a.rpId,
  allowCredentials: a.allowCredentials,
  userVerification: a.userVerification,
  timeoutMs: a.timeoutMs,
  origin,
});

describe('WebAuthn relying party', () => {
  it('accepts a good MFA assertion once, then refuses the spent challenge', async () => {
    const { alice, cfg, rp } = setup();
    const a = rp.begin(cfg.users[0], 'login');
    expect(assertionJSON(a)).toEqual({
      publicKey: {
        challenge: a.challenge.toString('base64url'),
        timeout: 60000,
        rpId: RP,
        allowCredentials: [{ type: 'public-key', id: alice.device.credential_id }],
        userVerification: 'preferred',
      },
    });
    const resp = { type: 'public-key', ...signAssertion(req(a), alice.credential, 1) };
    const ok = await rp.finish(cfg.users, 'alice', 'login', resp);
    expect(ok.user.name).toBe('alice');
    expect(ok.deviceName).toBe('k1');
    await expect(rp.finish(cfg.users, 'alice', 'login', resp)).rejects.toThrow(
      'webauthn session data not found',
    );
  });

  it('refuses an unknown credential with upstream text', async () => {
    const { cfg, rp } = setup();
    const a = rp.begin(cfg.users[0], 'login');
    const stranger = createSoftwareCredential({ rpId: RP });
    const resp = { type: 'public-key', ...signAssertion(req(a), stranger.credential, 1) };
    await expect(rp.finish(cfg.users, 'alice', 'login', resp)).rejects.toThrow(
      `unknown device credential: "${stranger.credential.credential_id}"`,
    );
  });

  it('refuses a wrong signature', async () => {
    const { alice, cfg, rp } = setup();
    const a = rp.begin(cfg.users[0], 'login');
    const other = createSoftwareCredential({ rpId: RP });
    const forged = { ...other.credential, credential_id: alice.credential.credential_id };
    const resp = { type: 'public-key', ...signAssertion(req(a), forged, 5) };
    await expect(rp.finish(cfg.users, 'alice', 'login', resp)).rejects.toThrow(
      'Error validating the assertion signature: <nil>',
    );
  });

  it('refuses an origin outside the RP ID', async () => {
    const { alice, cfg, rp } = setup();
    const a = rp.begin(cfg.users[0], 'login');
    const resp = { type: 'public-key', ...signAssertion(req(a, 'https://evil.test'), alice.credential, 1) };
    await expect(rp.finish(cfg.users, 'alice', 'login', resp)).rejects.toThrow(/does not match RPID/);
  });

  it('passwordless: the user comes from the user handle; none is refused', async () => {
    const { dave, alice, cfg, rp } = setup();
    const a = rp.begin(undefined, 'passwordless');
    expect(a.allowCredentials).toEqual([]);
    expect(a.userVerification).toBe('required');
    const ok = await rp.finish(cfg.users, undefined, 'passwordless', {
      type: 'public-key',
      ...signAssertion(req(a), dave.credential, 1),
    });
    expect(ok.user.name).toBe('dave');
    const b = rp.begin(undefined, 'passwordless');
    await expect(
      rp.finish(cfg.users, undefined, 'passwordless', {
        type: 'public-key',
        ...signAssertion(req(b), alice.credential, 1),
      }),
    ).rejects.toThrow('webauthn user handle required for passwordless');
  });

  it('config: devices are checked when the config loads', () => {
    expect(() => parseWebauthnDevices([{ credential_id: 'AAAA', public_key: 'nope' }], 'x')).toThrow(
      /config: user x: webauthn_devices\[0\]/,
    );
    expect(() => parseWebauthnDevices('x', 'x')).toThrow('config: user x: webauthn_devices must be a list');
    expect(webauthnConfigOf(normalizeConfig({ webauthn: { rp_id: 'example.com' } }))).toEqual({
      rp_id: 'example.com',
    });
  });
});
