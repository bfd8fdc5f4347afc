// The MFA prompt's choices (lib/client/mfa/cli.go CLIPrompt.Run) and the WebAuthn wire forms.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MFA_MODES,
  parseMfaMode,
  runMfaPrompt,
  type MfaPromptOptions,
} from '../../../src/client/mfa/prompt.js';
import { createSoftwareCredential, signAssertion } from '../../../src/client/webauthn/software.js';
import {
  requestFromJSON,
  requestFromProto,
  resultToJSON,
  resultToProto,
  type AssertionRequest,
  type Authenticator,
} from '../../../src/client/webauthn/types.js';

const cred = createSoftwareCredential({ rpId: 'example.com' });
const REQ: AssertionRequest = {
  challenge: Buffer.from('challenge-bytes'),
  rpId: 'example.com',
  allowCredentials: [Buffer.from(cred.credential.credential_id, 'base64url')],
  userVerification: 'preferred',
  timeoutMs: 60000,
  origin: 'https://example.com:3080',
};

/** An authenticator that signs with the software credential (the interface, not a mock of a peer). */
const soft: Authenticator = {
  kind: 'test',
  attachment: 'cross-platform',
  assert: async (req, touch) => {
    touch();
    return signAssertion(req, cred.credential, 1);
  },
};

function opts(extra: Partial<MfaPromptOptions> = {}) {
  let out = '';
  const lines: string[] = [];
  const o: MfaPromptOptions = {
    env: {},
    out: (t) => (out += t),
    prompter: { password: async () => '', line: async (q) => (lines.push(q), '123456') },
    authenticator: soft,
    ...extra,
  };
  return { o, said: () => out, asked: lines };
}

describe('MFA prompt', () => {
  it('modes are those of tsh --mfa-mode; others are refused', () => {
    expect(MFA_MODES).toEqual(['auto', 'cross-platform', 'platform', 'otp', 'sso']);
    expect(parseMfaMode(undefined)).toBe('auto');
    expect(() => parseMfaMode('fido')).toThrow('invalid MFA mode: "fido"');
  });

  it('WebAuthn alone when both are offered (no stdin sharing); OTP with --mfa-mode=otp', async () => {
    const a = opts();
    const r = await runMfaPrompt({ totp: true, webauthn: REQ }, a.o);
    expect(r.kind).toBe('webauthn');
    expect(a.said()).toBe('Tap any security key\nDetected security key tap\n');
    const b = opts({ mode: 'otp' });
    expect(await runMfaPrompt({ totp: true, webauthn: REQ }, b.o)).toEqual({ kind: 'totp', code: '123456' });
    expect(b.asked).toEqual(['Enter an OTP code from a device:']);
  });

  it('without an authenticator: OTP when offered, else the one-line refusal', async () => {
    const a = opts({ authenticator: undefined });
    expect((await runMfaPrompt({ totp: true, webauthn: REQ }, a.o)).kind).toBe('totp');
    await expect(
      runMfaPrompt({ totp: false, webauthn: REQ }, opts({ authenticator: undefined }).o),
    ).rejects.toThrow('hardware device MFA not supported by your platform, please register an OTP device');
    await expect(
      runMfaPrompt(
        { totp: false, webauthn: REQ },
        opts({ authenticator: undefined, mode: 'cross-platform' }).o,
      ),
    ).rejects.toThrow(/^no security key available: /);
  });

  it('nothing offered: no prompt', async () => {
    const a = opts();
    expect(await runMfaPrompt({ totp: false }, a.o)).toEqual({ kind: 'none' });
    expect(a.said()).toBe('');
  });
});

describe('WebAuthn wire forms', () => {
  it('reads the begin JSON (base64url or std base64) and writes the finish JSON', () => {
    const json = {
      publicKey: {
        challenge: REQ.challenge.toString('base64url'),
        timeout: 60000,
        rpId: 'example.com',
        allowCredentials: [{ type: 'public-key', id: REQ.allowCredentials[0].toString('base64') }],
        userVerification: 'preferred',
      },
    };
    expect(requestFromJSON(json, REQ.origin)).toEqual(REQ);
    const res = signAssertion(REQ, cred.credential, 7);
    const out = resultToJSON(res) as { id: string; rawId: string; response: Record<string, string> };
    expect(out.id).toBe(cred.credential.credential_id);
    expect(out.rawId).toBe(cred.credential.credential_id);
    expect(Object.keys(out.response)).toEqual(['clientDataJSON', 'authenticatorData', 'signature']);
  });

  it('the assertion is ES256 over authenticatorData || SHA-256(clientDataJSON)', () => {
    const res = signAssertion(REQ, cred.credential, 7);
    expect(res.authenticatorData.subarray(0, 32)).toEqual(
      createHash('sha256').update('example.com').digest(),
    );
    expect(res.authenticatorData[32]).toBe(0x05);
    expect(res.authenticatorData.readUInt32BE(33)).toBe(7);
    expect(JSON.parse(res.clientDataJSON.toString())).toEqual({
      type: 'webauthn.get',
      challenge: REQ.challenge.toString('base64url'),
      origin: REQ.origin,
      crossOrigin: false,
    });
    const data = Buffer.concat([
      res.authenticatorData,
      createHash('sha256').update(res.clientDataJSON).digest(),
    ]);
    expect(verify('sha256', data, createPublicKey(cred.device.public_key), res.signature)).toBe(true);
  });

  it('round-trips the protobuf forms', () => {
    const req = requestFromProto(
      {
        publicKey: {
          challenge: REQ.challenge,
          timeoutMs: 60000n,
          rpId: 'example.com',
          allowCredentials: [{ type: 'public-key', id: REQ.allowCredentials[0] }],
          extensions: undefined,
          userVerification: 'preferred',
        },
      },
      REQ.origin,
    );
    expect(req).toEqual(REQ);
    const p = resultToProto(signAssertion(REQ, cred.credential, 1));
    expect(p.type).toBe('public-key');
    expect(Buffer.from(p.rawId).toString('base64url')).toBe(cred.credential.credential_id);
  });
});
