// WebAuthn assertion (login) as tshjs's authenticators see it, and its two wire forms: the proxy's
// JSON (lib/auth/webauthntypes CredentialAssertion / CredentialAssertionResponse, base64url bytes)
// and the Auth service's protobuf (api/types/webauthn, raw bytes).
import type {
  CredentialAssertion,
  CredentialAssertionResponse,
} from '../../gen/teleport/legacy/types/webauthn/webauthn.js';

export interface AssertionRequest {
  challenge: Buffer;
  rpId: string;
  /** Credential IDs the RP accepts; empty for a passwordless (discoverable) login. */
  allowCredentials: Buffer[];
  userVerification: string;
  timeoutMs: number;
  /** The origin the client data names ("https://" + the proxy's web address). */
  origin: string;
  /** Passwordless: the user the person asked for (--user), to pick among resident credentials. */
  user?: string;
}

export interface AssertionResult {
  rawId: Buffer;
  clientDataJSON: Buffer;
  authenticatorData: Buffer;
  signature: Buffer;
  userHandle?: Buffer;
}

/** Something that signs assertions: a FIDO2 device, a platform authenticator, or the test key. */
export interface Authenticator {
  /** Short name for messages ("software key", "security key"). */
  readonly kind: string;
  /** "cross-platform" (roaming keys, the software key) or "platform" (Touch ID, Windows Hello). */
  readonly attachment: 'cross-platform' | 'platform';
  /** Signs the challenge; `touch` is called when the person would touch the device. */
  assert(req: AssertionRequest, touch: () => void): Promise<AssertionResult>;
}

/** Decodes base64url or standard base64 (either is accepted from the wire). */
export function fromB64(s: unknown): Buffer {
  if (typeof s !== 'string') return Buffer.alloc(0);
  return Buffer.from(s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** The proxy's `webauthn_challenge` JSON ({"publicKey": {...}}) as a request. */
export function requestFromJSON(v: unknown, origin: string): AssertionRequest {
  const pk = ((v as Record<string, unknown> | null)?.publicKey ?? {}) as Record<string, unknown>;
  const allow = Array.isArray(pk.allowCredentials) ? pk.allowCredentials : [];
  return {
    challenge: fromB64(pk.challenge),
    rpId: String(pk.rpId ?? ''),
    allowCredentials: allow.map((c) => fromB64((c as Record<string, unknown>).id)),
    userVerification: String(pk.userVerification ?? ''),
    timeoutMs: Number(pk.timeout ?? 0),
    origin,
  };
}

/** MFAAuthenticateChallenge.WebauthnChallenge as a request. */
export function requestFromProto(a: CredentialAssertion, origin: string): AssertionRequest {
  const pk = a.publicKey;
  return {
    challenge: Buffer.from(pk?.challenge ?? []),
    rpId: pk?.rpId ?? '',
    allowCredentials: (pk?.allowCredentials ?? []).map((c) => Buffer.from(c.id)),
    userVerification: pk?.userVerification ?? '',
    timeoutMs: Number(pk?.timeoutMs ?? 0n),
    origin,
  };
}

/** The `webauthn_challenge_response` JSON of /webapi/mfa/login/finish. */
export function resultToJSON(r: AssertionResult): Record<string, unknown> {
  return {
    id: b64url(r.rawId),
    type: 'public-key',
    rawId: b64url(r.rawId),
    response: {
      clientDataJSON: b64url(r.clientDataJSON),
      authenticatorData: b64url(r.authenticatorData),
      signature: b64url(r.signature),
      ...(r.userHandle?.length ? { userHandle: b64url(r.userHandle) } : {}),
    },
  };
}

/** MFAAuthenticateResponse.Webauthn. */
export function resultToProto(r: AssertionResult): CredentialAssertionResponse {
  return {
    type: 'public-key',
    rawId: r.rawId,
    response: {
      clientDataJson: r.clientDataJSON,
      authenticatorData: r.authenticatorData,
      signature: r.signature,
      userHandle: r.userHandle ?? Buffer.alloc(0),
    },
    extensions: undefined,
  };
}

/** lib/client/mfa GetWebauthnOrigin: "https://" + the proxy's web address. */
export function webauthnOrigin(webProxyAddr: string): string {
  return webProxyAddr.startsWith('https://') ? webProxyAddr : `https://${webProxyAddr}`;
}
