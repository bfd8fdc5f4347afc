// The dev cluster's WebAuthn Relying Party (upstream lib/auth/webauthn login.go): challenges for a
// user's registered credentials (MFA) or for any discoverable credential (passwordless, user
// verification required), kept until answered or expired, and the assertion check by
// @simplewebauthn/server (loaded on first use). Errors carry upstream's texts; callers decide what
// the client sees (login hides them behind "invalid Webauthn response", as upstream).
import { randomBytes } from 'node:crypto';
import type { UserConfig } from '../config.js';
import {
  b64url,
  devicesOf,
  fromB64,
  toDevice,
  webauthnDeviceId,
  webauthnUserHandle,
  type WebauthnDevice,
} from './devices.js';

/** What the proxy's JSON and the gRPC proto both carry (wantypes.CredentialAssertion). */
export interface Assertion {
  challenge: Buffer;
  timeoutMs: number;
  rpId: string;
  allowCredentials: Buffer[];
  userVerification: 'discouraged' | 'preferred' | 'required';
}

/** wantypes.CredentialAssertionResponse, decoded to raw bytes. */
export interface AssertionResponse {
  type: string;
  rawId: Buffer;
  clientDataJSON: Buffer;
  authenticatorData: Buffer;
  signature: Buffer;
  userHandle?: Buffer;
}

export type Scope = 'login' | 'passwordless' | 'session';

interface Pending {
  user?: string;
  scope: Scope;
  assertion: Assertion;
  expires: number;
}

/** wan.WebAuthn default timeout (the challenge also expires server-side after it). */
export const CHALLENGE_TIMEOUT_MS = 60_000;

/** upstream ErrInvalidCredentials-style failure with its message; `kind` maps to a status. */
export class WebauthnError extends Error {
  constructor(
    message: string,
    readonly kind: 'bad-parameter' | 'access-denied' | 'not-found',
  ) {
    super(message);
  }
}

export function userDevices(user: UserConfig): WebauthnDevice[] {
  return devicesOf(user).map(toDevice);
}

export class RelyingParty {
  private readonly pending = new Map<string, Pending>();
  /** Signature counters seen per credential (in memory, as the device record upstream). */
  private readonly counters = new Map<string, number>();

  constructor(private readonly rpId: () => string) {}

  /** BeginLogin for a user's devices, or BeginDiscoverableLogin (passwordless) when user is undefined. */
  begin(user: UserConfig | undefined, scope: Scope): Assertion {
    this.sweep();
    let allow: Buffer[] = [];
    if (user) {
      allow = userDevices(user).map((d) => d.credentialId);
      if (!allow.length) throw new WebauthnError(`found no credentials for user "${user.name}"`, 'not-found');
    }
    const assertion: Assertion = {
      challenge: randomBytes(32),
      timeoutMs: CHALLENGE_TIMEOUT_MS,
      rpId: this.rpId(),
      allowCredentials: allow,
      userVerification: scope === 'passwordless' ? 'required' : 'preferred',
    };
    this.pending.set(b64url(assertion.challenge), {
      user: user?.name,
      scope,
      assertion,
      expires: Date.now() + CHALLENGE_TIMEOUT_MS,
    });
    return assertion;
  }

  /**
   * Checks an answer: the challenge must be one we issued for this scope (and user, unless
   * passwordless), the credential registered to that user, the origin on the RP ID, and the
   * signature good. Returns the user and device ID; the challenge is spent either way.
   */
  async finish(
    users: UserConfig[],
    expectedUser: string | undefined,
    scope: Scope,
    resp: AssertionResponse,
  ): Promise<{ user: UserConfig; deviceId: string; deviceName: string }> {
    const client = parseClientData(resp.clientDataJSON);
    const rpId = this.rpId();
    validateOrigin(client.origin, rpId);
    const pend = this.pending.get(client.challenge);
    if (pend) this.pending.delete(client.challenge);
    let user: UserConfig | undefined;
    if (scope === 'passwordless') {
      if (!resp.userHandle?.length)
        throw new WebauthnError('webauthn user handle required for passwordless', 'bad-parameter');
      user = users.find((u) => webauthnUserHandle(u.name).equals(resp.userHandle!));
      if (!user) throw new WebauthnError('user not found', 'not-found');
    } else {
      user = users.find((u) => u.name === expectedUser);
      if (!user) throw new WebauthnError('user required', 'bad-parameter');
    }
    const dev = userDevices(user).find((d) => d.credentialId.equals(resp.rawId));
    if (!dev)
      throw new WebauthnError(
        `unknown device credential: ${JSON.stringify(b64url(resp.rawId))}`,
        'bad-parameter',
      );
    if (
      !pend ||
      pend.expires < Date.now() ||
      pend.scope !== scope ||
      (pend.user && pend.user !== user.name)
    ) {
      throw new WebauthnError('webauthn session data not found', 'not-found');
    }
    if (scope === 'passwordless' && !dev.residentKey) {
      throw new WebauthnError('credential is not discoverable (resident_key)', 'access-denied');
    }
    const key = `${user.name}/${dev.name}`;
    const { verifyAuthenticationResponse } = await simpleWebauthn();
    let verified: { verified: boolean; authenticationInfo: { newCounter: number } };
    try {
      verified = await verifyAuthenticationResponse({
        response: {
          id: b64url(resp.rawId),
          rawId: b64url(resp.rawId),
          type: 'public-key',
          response: {
            clientDataJSON: b64url(resp.clientDataJSON),
            authenticatorData: b64url(resp.authenticatorData),
            signature: b64url(resp.signature),
            ...(resp.userHandle?.length ? { userHandle: b64url(resp.userHandle) } : {}),
          },
          clientExtensionResults: {},
        },
        expectedChallenge: client.challenge,
        expectedOrigin: client.origin,
        expectedRPID: rpId,
        expectedType: 'webauthn.get',
        credential: {
          id: b64url(dev.credentialId),
          publicKey: new Uint8Array(dev.cose),
          counter: this.counters.get(key) ?? 0,
        },
        requireUserVerification: pend.assertion.userVerification === 'required',
      });
    } catch (err) {
      throw new WebauthnError(assertionError(err as Error), 'access-denied');
    }
    if (!verified.verified) {
      throw new WebauthnError('Error validating the assertion signature: <nil>', 'access-denied');
    }
    this.counters.set(key, verified.authenticationInfo.newCounter);
    return { user, deviceId: webauthnDeviceId(user.name, dev), deviceName: dev.name };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, p] of this.pending) if (p.expires < now) this.pending.delete(k);
  }
}

/** The part of @simplewebauthn/server 14 the RP uses. */
interface SimpleWebauthnServer {
  verifyAuthenticationResponse(opts: {
    response: {
      id: string;
      rawId: string;
      type: 'public-key';
      response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
      clientExtensionResults: Record<string, unknown>;
    };
    expectedChallenge: string;
    expectedOrigin: string;
    expectedRPID: string;
    expectedType: string;
    credential: { id: string; publicKey: Uint8Array; counter: number };
    requireUserVerification: boolean;
  }): Promise<{ verified: boolean; authenticationInfo: { newCounter: number } }>;
}

/** Loaded on the first WebAuthn answer only (a package dependency of the dev cluster). */
async function simpleWebauthn(): Promise<SimpleWebauthnServer> {
  // A variable specifier: the type check and the bundles do not need the package present.
  const name = '@simplewebauthn/server';
  try {
    return (await import(name)) as SimpleWebauthnServer;
  } catch (err) {
    throw new Error(`WebAuthn verification needs the npm package ${name} (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/** go-webauthn's wording for the failures @simplewebauthn/server reports in its own words. */
function assertionError(err: Error): string {
  const m = err.message;
  if (/user verification/i.test(m)) return 'User verification required, but user could not be verified';
  if (/counter/i.test(m)) return 'Counter value too low (possible cloned authenticator)';
  if (/rp ?id/i.test(m)) return 'Error validating the assertion RPID hash';
  return m;
}

function parseClientData(raw: Buffer): { type: string; challenge: string; origin: string } {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new WebauthnError(
      'Parse error for Assertion: Error unmarshalling client data json',
      'bad-parameter',
    );
  }
  return { type: String(v.type ?? ''), challenge: String(v.challenge ?? ''), origin: String(v.origin ?? '') };
}

/** lib/auth/webauthn validateOrigin: the origin's host must be the RP ID or below it. */
export function validateOrigin(origin: string, rpId: string): void {
  let host: string;
  try {
    host = new URL(origin).hostname.replace(/^\[|\]$/g, '');
  } catch {
    throw new WebauthnError(`origin is not a valid URL: ${origin}`, 'bad-parameter');
  }
  if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw new WebauthnError(
      `origin ${JSON.stringify(origin)} does not match RPID ${JSON.stringify(rpId)}`,
      'bad-parameter',
    );
  }
}

/** The wire JSON of an assertion (wantypes.CredentialAssertion): {"publicKey": {...}}. */
export function assertionJSON(a: Assertion): Record<string, unknown> {
  return {
    publicKey: {
      challenge: b64url(a.challenge),
      timeout: a.timeoutMs,
      rpId: a.rpId,
      ...(a.allowCredentials.length
        ? { allowCredentials: a.allowCredentials.map((id) => ({ type: 'public-key', id: b64url(id) })) }
        : {}),
      userVerification: a.userVerification,
    },
  };
}

/** Decodes the JSON answer (wantypes.CredentialAssertionResponse) of /webapi/mfa/login/finish. */
export function assertionResponseFromJSON(v: unknown): AssertionResponse {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const r = (o.response && typeof o.response === 'object' ? o.response : {}) as Record<string, unknown>;
  const bytes = (x: unknown) => (typeof x === 'string' ? fromB64(x) : Buffer.alloc(0));
  const rawId = bytes(o.rawId).length ? bytes(o.rawId) : bytes(o.id);
  return {
    type: String(o.type ?? ''),
    rawId,
    clientDataJSON: bytes(r.clientDataJSON),
    authenticatorData: bytes(r.authenticatorData),
    signature: bytes(r.signature),
    userHandle: r.userHandle ? bytes(r.userHandle) : undefined,
  };
}
