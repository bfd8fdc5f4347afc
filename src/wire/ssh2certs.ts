// Typed helpers over the patched ssh2 (patches/ssh2+1.17.0.patch, docs/ssh2-patch.md):
// OpenSSH certificates (PROTOCOL.certkeys) for user auth and host verification, the way
// Teleport uses them (spec/ssh.md §2, §3).
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Algorithms, PublicKey, PublicKeyAuthContext, VerifyCallback } from 'ssh2';
import {
  HOST_CERT,
  USER_CERT,
  CERT_TIME_INFINITY,
  parseSshCertificate,
  parseSshCertificateLine,
  verifySshCertificate,
  type SshCertificate,
} from '../auth/ssh/cert.js';
import { blobType, marshalSshPrivateKey, sshFingerprintSHA256, sshPublicKeyBlob } from '../auth/ssh/keys.js';
import { TshError } from '../util/errors.js';

// Options added by the patch (absent from @types/ssh2).
declare module 'ssh2' {
  interface ConnectConfig {
    /** OpenSSH certificate for `privateKey` (authorized_keys-style line or blob). */
    certificate?: string | Buffer;
  }
  interface PublicKeyAuthMethod {
    certificate?: string | Buffer;
  }
  interface EncryptedPrivateKey {
    /** Host certificate presented for `key`. */
    certificate?: string | Buffer;
  }
}

const CERT_SUFFIX = '-cert-v01@openssh.com';

/** Certificate host-key algorithms the patched client can negotiate, in preference order. */
export const HOST_CERT_ALGORITHMS = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
] as const;

/**
 * `algorithms` for a client that must accept host certificates: the cert algorithms are
 * offered before ssh2's plain defaults (Teleport servers offer only certificates).
 */
export function hostCertAlgorithms(): Algorithms {
  // The @types/ssh2 union has no cert names; the patched ssh2 accepts them.
  return { serverHostKey: { prepend: [...HOST_CERT_ALGORITHMS] } } as unknown as Algorithms;
}

/**
 * `privateKey` + `certificate` options for ssh2's Client (and for an authHandler
 * `{ type: 'publickey', username, key, certificate }` entry). Throws if the certificate
 * is malformed or was issued for a different key.
 */
export function clientCertAuthOptions(
  privateKey: KeyObject,
  certLine: string,
): { privateKey: string; certificate: string } {
  const cert = parseSshCertificateLine(certLine);
  if (!cert.publicKeyBlob.equals(sshPublicKeyBlob(privateKey)))
    throw new TshError('SSH certificate does not match the private key', 'bad-parameter');
  return { privateKey: marshalSshPrivateKey(privateKey), certificate: certLine.trim() };
}

/** Rejection raised by the certificate checks below; `message` is the reason. */
export class SshCertError extends TshError {
  constructor(message: string) {
    super(message, 'access-denied');
    this.name = 'SshCertError';
  }
}

/** "<type> SHA256:<fp>" of a CA key for messages; the key came off the wire and may be junk. */
function describeCaKey(blob: Buffer): string {
  let type = 'malformed key';
  try {
    type = blobType(blob);
  } catch {
    // keep the placeholder
  }
  return `${type} ${sshFingerprintSHA256(blob)}`;
}

const fmtTime = (t: bigint): string =>
  t > 8_640_000_000_000n ? String(t) : new Date(Number(t) * 1000).toISOString();

/** Type, trusted CA, CA signature and validity window (x/crypto CertChecker semantics). */
function checkCert(cert: SshCertificate, kind: 'host' | 'user', caBlobs: Buffer[], now: Date): void {
  const want = kind === 'host' ? HOST_CERT : USER_CERT;
  if (cert.certType !== want)
    throw new SshCertError(
      `${kind} certificate expected, got a ${cert.certType === HOST_CERT ? 'host' : 'user'} certificate`,
    );
  if (!caBlobs.some((ca) => ca.equals(cert.signatureKey)))
    throw new SshCertError(
      `${kind} certificate is signed by an untrusted CA (${describeCaKey(cert.signatureKey)})`,
    );
  if (!verifySshCertificate(cert)) throw new SshCertError(`${kind} certificate has an invalid CA signature`);
  const unix = BigInt(Math.floor(now.getTime() / 1000));
  if (unix < cert.validAfter)
    throw new SshCertError(`${kind} certificate is not valid before ${fmtTime(cert.validAfter)}`);
  if (cert.validBefore !== CERT_TIME_INFINITY && unix >= cert.validBefore)
    throw new SshCertError(`${kind} certificate expired at ${fmtTime(cert.validBefore)}`);
}

function parseCertBlob(blob: Buffer, kind: 'host' | 'user'): SshCertificate {
  let type: string;
  try {
    type = blobType(blob);
  } catch {
    throw new SshCertError(`malformed ${kind} key`);
  }
  if (!type.endsWith(CERT_SUFFIX))
    throw new SshCertError(`${kind} presented a plain ${type} key, not a certificate`);
  try {
    return parseSshCertificate(blob);
  } catch (err) {
    throw new SshCertError(`malformed ${kind} certificate: ${(err as Error).message}`);
  }
}

export interface HostCertCheck {
  /** Trusted host CA public key blobs (from `@cert-authority` known_hosts lines). */
  caBlobs: Buffer[];
  /**
   * The dialed host (node name, UUID, `<uuid>.<cluster>` or IP); one of them must be a
   * principal of the certificate. Pass several when any of them is acceptable.
   */
  host: string | string[];
  now?: Date;
}

/**
 * Checks a host key blob as tsh does: host certificate (type 2) from a trusted CA with a
 * valid signature, inside its validity window, with the dialed host among its principals.
 * Throws SshCertError with the reason; returns the parsed certificate. Unlike x/crypto, a
 * certificate without principals is rejected (Teleport never issues one).
 */
export function checkHostCert(blob: Buffer, opts: HostCertCheck): SshCertificate {
  const cert = parseCertBlob(blob, 'host');
  checkCert(cert, 'host', opts.caBlobs, opts.now ?? new Date());
  const hosts = typeof opts.host === 'string' ? [opts.host] : opts.host;
  if (cert.validPrincipals.length === 0) throw new SshCertError('host certificate has no principals');
  if (!hosts.some((h) => cert.validPrincipals.includes(h)))
    throw new SshCertError(
      `host certificate is not valid for "${hosts.join('", "')}" (principals: ${cert.validPrincipals.join(', ')})`,
    );
  const critical = Object.keys(cert.criticalOptions);
  if (critical.length > 0)
    throw new SshCertError(`host certificate has unsupported critical option "${critical[0]}"`);
  return cert;
}

export interface HostCertVerifierOptions extends HostCertCheck {
  /** Called with the reason when the host is rejected (ssh2 itself only reports "Host denied"). */
  onReject?: (err: SshCertError) => void;
}

export type HostCertVerifier = ((key: Buffer, verify: VerifyCallback) => void) & {
  /** Reason of the most recent rejection, if any. */
  lastError?: SshCertError;
};

/**
 * A `hostVerifier` for ssh2's Client (use with `algorithms: hostCertAlgorithms()`). The patched
 * ssh2 has already checked that the KEX signature was made by the key inside the certificate.
 */
export function hostCertVerifier(opts: HostCertVerifierOptions): HostCertVerifier {
  const fn: HostCertVerifier = (key, verify) => {
    try {
      checkHostCert(key, opts);
      fn.lastError = undefined;
      verify(true);
    } catch (err) {
      const e = err instanceof SshCertError ? err : new SshCertError((err as Error).message);
      fn.lastError = e;
      opts.onReject?.(e);
      verify(false);
    }
  };
  return fn;
}

export interface UserCertCheck {
  /** The login must be one of the certificate's principals when given. */
  principal?: string;
  now?: Date;
}

/**
 * Server side: checks `ctx.key` of a publickey auth attempt is a user certificate
 * (type 1) from a trusted user CA, valid now and (optionally) for the login. Throws
 * SshCertError; returns the parsed certificate. Check the signature with
 * verifyUserAuthSignature (the CA check alone does not prove key possession).
 */
export function verifyUserCert(
  ctxKey: PublicKey,
  userCaBlobs: Buffer[],
  opts: UserCertCheck = {},
): SshCertificate {
  const cert = parseCertBlob(ctxKey.data, 'user');
  if (ctxKey.algo !== cert.certAlgorithm)
    throw new SshCertError(
      `auth algorithm ${ctxKey.algo} does not match certificate type ${cert.certAlgorithm}`,
    );
  checkCert(cert, 'user', userCaBlobs, opts.now ?? new Date());
  if (opts.principal !== undefined && !cert.validPrincipals.includes(opts.principal))
    throw new SshCertError(`user certificate is not valid for login "${opts.principal}"`);
  return cert;
}

const EC_HASH: Record<string, string> = {
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
};

/**
 * Verifies the publickey auth signature of `ctx` against the key embedded in `cert`
 * (the patched server has already removed the `string alg, string sig` wrapper and
 * converted ECDSA signatures to DER). False when there is no signature yet.
 */
export function verifyUserAuthSignature(ctx: PublicKeyAuthContext, cert: SshCertificate): boolean {
  if (!ctx.signature || !ctx.blob) return false;
  const hash =
    cert.keyType === 'ssh-ed25519'
      ? null
      : cert.keyType === 'ssh-rsa'
        ? (ctx.hashAlgo ?? 'sha1')
        : EC_HASH[cert.keyType]!;
  try {
    return cryptoVerify(hash, ctx.blob, cert.publicKey, ctx.signature);
  } catch {
    return false;
  }
}
