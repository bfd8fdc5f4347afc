// The software authenticator for tests and CI (docs/webauthn.md): ES256 credentials in a JSON key
// file, signing assertions with node:crypto as a security key would (attestation is not needed:
// the dev cluster registers the public key from its config). Never used unless the key file is
// named explicitly (TSHJS_WEBAUTHN_SOFTWARE_KEY); it is a test seam, not a place to keep real keys.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
} from 'node:crypto';
import * as fs from 'node:fs';
import { TshError } from '../../util/errors.js';
import type { AssertionRequest, AssertionResult, Authenticator } from './types.js';

export interface SoftwareCredential {
  /** base64url of the raw credential ID. */
  credential_id: string;
  /** PEM PKCS#8 P-256 private key. */
  private_key: string;
  /** The RP ID the credential was made for. */
  rp_id: string;
  /** Discoverable credential: the WebAuthn user handle (base64url) and the user's name. */
  user_handle?: string;
  user_name?: string;
  sign_count?: number;
}

export interface SoftwareKeyFile {
  version: 1;
  credentials: SoftwareCredential[];
}

/** Flags of authenticator data: user present, user verified. */
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;

export class SoftwareAuthenticator implements Authenticator {
  readonly kind = 'software key';
  readonly attachment = 'cross-platform' as const;

  constructor(readonly file: string) {}

  private load(): SoftwareKeyFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      throw new TshError(
        `cannot read the WebAuthn software key ${this.file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        'bad-parameter',
      );
    }
    try {
      const v = JSON.parse(text) as SoftwareKeyFile;
      if (v.version !== 1 || !Array.isArray(v.credentials)) throw new Error('bad shape');
      return v;
    } catch {
      throw new TshError(`${this.file} is not a tshjs WebAuthn software key file`, 'bad-parameter');
    }
  }

  async assert(req: AssertionRequest, touch: () => void): Promise<AssertionResult> {
    const keyFile = this.load();
    const forRp = keyFile.credentials.filter((c) => c.rp_id === req.rpId);
    let cred: SoftwareCredential | undefined;
    if (req.allowCredentials.length) {
      cred = forRp.find((c) =>
        req.allowCredentials.some((id) => id.equals(Buffer.from(c.credential_id, 'base64url'))),
      );
    } else {
      // The person's user picks among resident credentials when it names one of them (tsh passes
      // only an explicit --user; here the login's user is always set, so it only narrows).
      const all = forRp.filter((c) => c.user_handle);
      const mine = all.filter((c) => req.user && c.user_name === req.user);
      const resident = mine.length ? mine : all;
      if (resident.length > 1) {
        throw new TshError(
          `the software key holds several credentials for ${req.rpId}; pass --user to choose one`,
          'bad-parameter',
        );
      }
      cred = resident[0];
    }
    // A security key that holds no matching credential answers nothing (upstream: the device is
    // skipped with "failed to find credentials"); here that ends the ceremony at once.
    if (!cred)
      throw new TshError(`no credential in the software key ${this.file} for ${req.rpId}`, 'not-found');
    touch();
    const count = (cred.sign_count ?? 0) + 1;
    cred.sign_count = count;
    fs.writeFileSync(this.file, JSON.stringify(keyFile, null, 2) + '\n', { mode: 0o600 });
    return signAssertion(req, cred, count);
  }
}

/** authenticatorData || SHA-256(clientDataJSON), signed ES256 (DER), as CTAP2 getAssertion does. */
export function signAssertion(
  req: AssertionRequest,
  cred: SoftwareCredential,
  count: number,
): AssertionResult {
  const clientDataJSON = Buffer.from(
    JSON.stringify({
      type: 'webauthn.get',
      challenge: req.challenge.toString('base64url'),
      origin: req.origin,
      crossOrigin: false,
    }),
  );
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(count >>> 0);
  const authenticatorData = Buffer.concat([
    createHash('sha256').update(req.rpId).digest(),
    Buffer.from([FLAG_UP | FLAG_UV]),
    counter,
  ]);
  const data = Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]);
  const signature = sign('sha256', data, createPrivateKey(cred.private_key));
  return {
    rawId: Buffer.from(cred.credential_id, 'base64url'),
    clientDataJSON,
    authenticatorData,
    signature,
    userHandle: cred.user_handle ? Buffer.from(cred.user_handle, 'base64url') : undefined,
  };
}

/**
 * A new software credential and what the dev cluster's config needs to register it
 * (`users[].webauthn_devices[]`). `userHandle` makes it discoverable (passwordless).
 */
export function createSoftwareCredential(opts: {
  rpId: string;
  name?: string;
  userName?: string;
  userHandle?: Buffer;
}): {
  credential: SoftwareCredential;
  device: { name: string; credential_id: string; public_key: string; resident_key: boolean };
} {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const id = randomBytes(32).toString('base64url');
  const credential: SoftwareCredential = {
    credential_id: id,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    rp_id: opts.rpId,
    ...(opts.userHandle
      ? { user_handle: opts.userHandle.toString('base64url'), user_name: opts.userName }
      : {}),
    sign_count: 0,
  };
  return {
    credential,
    device: {
      name: opts.name ?? 'software-key',
      credential_id: id,
      public_key: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
      resident_key: !!opts.userHandle,
    },
  };
}

export function writeSoftwareKeyFile(file: string, credentials: SoftwareCredential[]): void {
  const v: SoftwareKeyFile = { version: 1, credentials };
  fs.writeFileSync(file, JSON.stringify(v, null, 2) + '\n', { mode: 0o600 });
}
