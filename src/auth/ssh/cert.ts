// OpenSSH certificates (PROTOCOL.certkeys) plus Teleport's certificate extensions.
import { randomBytes, type KeyObject } from 'node:crypto';
import { SshFormatError, SshReader, SshWriter, sshFormatErrors } from './wire.js';
import {
  parseAuthorizedKey,
  parseSshPublicKeyBlob,
  sshKeyType,
  sshPublicKeyBlob,
  sshSign,
  sshVerify,
  type SshKeyType,
} from './keys.js';

export const USER_CERT = 1;
export const HOST_CERT = 2;
/** validBefore value meaning "never expires". */
export const CERT_TIME_INFINITY = 0xffffffffffffffffn;

const CERT_SUFFIX = '-cert-v01@openssh.com';

export const CERT_ALGORITHMS: Record<SshKeyType, string> = {
  'ssh-ed25519': 'ssh-ed25519' + CERT_SUFFIX,
  'ecdsa-sha2-nistp256': 'ecdsa-sha2-nistp256' + CERT_SUFFIX,
  'ecdsa-sha2-nistp384': 'ecdsa-sha2-nistp384' + CERT_SUFFIX,
  'ecdsa-sha2-nistp521': 'ecdsa-sha2-nistp521' + CERT_SUFFIX,
  'ssh-rsa': 'ssh-rsa' + CERT_SUFFIX,
};

/** Extension names Teleport puts into user certificates. */
export const TELEPORT_EXTENSIONS = [
  'teleport-roles',
  'teleport-traits',
  'teleport-route-to-cluster',
  'teleport-active-requests',
  'teleport-allowed-resources',
  'permit-pty',
  'permit-X11-forwarding',
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'mfa-verified',
  'prev-identity-expires',
  'login-ip',
  'impersonator',
  'renewable',
  'generation',
  'disallow-reissue',
  'private-key-policy',
] as const;

export interface SshCertificate {
  certAlgorithm: string;
  nonce: Buffer;
  keyType: SshKeyType;
  publicKey: KeyObject;
  publicKeyBlob: Buffer;
  serial: bigint;
  certType: 1 | 2;
  keyId: string;
  validPrincipals: string[];
  validAfter: bigint;
  validBefore: bigint;
  criticalOptions: Record<string, string>;
  extensions: Record<string, string>;
  signatureKey: Buffer;
  signature: Buffer;
  signedBytes: Buffer;
  blob: Buffer;
}

/** Options/extensions: sorted string(name) string(data), where data is empty or string(value). */
function encodeTuples(map: Record<string, string>): Buffer {
  const w = new SshWriter();
  for (const name of Object.keys(map).sort()) {
    const value = map[name]!;
    w.string(name).string(value === '' ? Buffer.alloc(0) : new SshWriter().string(value).toBuffer());
  }
  return w.toBuffer();
}

function decodeTuples(buf: Buffer, what: string): Record<string, string> {
  const r = new SshReader(buf, `certificate ${what}`);
  // No order/duplicate check: ssh-keygen 9.2 emits "permit-pty" twice for `-O extension:permit-pty`.
  const out = new Map<string, string>();
  while (r.remaining() > 0) {
    const name = r.stringUtf8();
    const data = r.string();
    if (data.length === 0) {
      out.set(name, '');
    } else {
      const inner = new SshReader(data, `certificate ${what} "${name}"`);
      out.set(name, inner.stringUtf8());
      inner.expectEnd();
    }
  }
  // fromEntries defines own properties, so a "__proto__" name cannot touch the prototype.
  return Object.fromEntries(out);
}

const toSeconds = (t: Date | bigint): bigint =>
  typeof t === 'bigint' ? t : BigInt(Math.floor(t.getTime() / 1000));

export interface SignCertOptions {
  publicKey: KeyObject;
  caKey: KeyObject;
  certType: 1 | 2;
  serial: bigint;
  keyId: string;
  principals: string[];
  validAfter: Date | bigint;
  validBefore: Date | bigint;
  criticalOptions?: Record<string, string>;
  extensions?: Record<string, string>;
  nonce?: Buffer;
}

export function signSshCertificate(opts: SignCertOptions): Buffer {
  const keyType = sshKeyType(opts.publicKey);
  // The cert repeats the key's public fields, i.e. its blob minus the leading type string.
  const pubBlob = sshPublicKeyBlob(opts.publicKey);
  const pubFields = pubBlob.subarray(4 + keyType.length);
  const principals = new SshWriter();
  for (const p of opts.principals) principals.string(p);

  const w = new SshWriter()
    .string(CERT_ALGORITHMS[keyType])
    .string(opts.nonce ?? randomBytes(32))
    .raw(pubFields)
    .u64(opts.serial)
    .u32(opts.certType)
    .string(opts.keyId)
    .string(principals.toBuffer())
    .u64(toSeconds(opts.validAfter))
    .u64(toSeconds(opts.validBefore))
    .string(encodeTuples(opts.criticalOptions ?? {}))
    .string(encodeTuples(opts.extensions ?? {}))
    .string('') // reserved
    .string(sshPublicKeyBlob(opts.caKey));
  const signed = w.toBuffer();
  const signature = sshSign(opts.caKey, signed, 'rsa-sha2-512');
  return new SshWriter().raw(signed).string(signature).toBuffer();
}

export function parseSshCertificate(blob: Buffer): SshCertificate {
  const r = new SshReader(blob, 'SSH certificate');
  const certAlgorithm = r.stringUtf8();
  const keyType = (Object.keys(CERT_ALGORITHMS) as SshKeyType[]).find(
    (k) => CERT_ALGORITHMS[k] === certAlgorithm,
  );
  if (!keyType) throw new SshFormatError(`not a supported SSH certificate type: "${certAlgorithm}"`);
  const nonce = r.string();

  // Re-read the key fields with a sub-reader to rebuild a plain public key blob.
  const keyStart = blob.length - r.remaining();
  const fieldCount = keyType === 'ssh-ed25519' ? 1 : 2;
  for (let i = 0; i < fieldCount; i++) r.string();
  const keyFields = blob.subarray(keyStart, blob.length - r.remaining());
  const publicKeyBlob = Buffer.concat([new SshWriter().string(keyType).toBuffer(), keyFields]);
  const { key: publicKey } = sshFormatErrors('SSH certificate key', () =>
    parseSshPublicKeyBlob(publicKeyBlob),
  );

  const serial = r.u64();
  const certType = r.u32();
  if (certType !== USER_CERT && certType !== HOST_CERT)
    throw new SshFormatError(`SSH certificate: invalid cert type ${certType}`);
  const keyId = r.stringUtf8();
  const pr = new SshReader(r.string(), 'certificate principals');
  const validPrincipals: string[] = [];
  while (pr.remaining() > 0) validPrincipals.push(pr.stringUtf8());
  const validAfter = r.u64();
  const validBefore = r.u64();
  const criticalOptions = decodeTuples(r.string(), 'critical options');
  const extensions = decodeTuples(r.string(), 'extensions');
  r.string(); // reserved
  const signatureKey = r.string();
  const signedBytes = blob.subarray(0, blob.length - r.remaining());
  const signature = r.string();
  r.expectEnd();

  return {
    certAlgorithm,
    nonce,
    keyType,
    publicKey,
    publicKeyBlob,
    serial,
    certType,
    keyId,
    validPrincipals,
    validAfter,
    validBefore,
    criticalOptions,
    extensions,
    signatureKey,
    signature,
    signedBytes,
    blob,
  };
}

export function parseSshCertificateLine(line: string): SshCertificate {
  const { type, blob } = sshFormatErrors('SSH certificate line', () => parseAuthorizedKey(line));
  if (!type.endsWith(CERT_SUFFIX)) throw new SshFormatError(`not an SSH certificate line (type "${type}")`);
  return parseSshCertificate(blob);
}

export function marshalCertificateLine(blob: Buffer): string {
  const alg = new SshReader(blob, 'SSH certificate').stringUtf8();
  return `${alg} ${blob.toString('base64')}\n`;
}

/** Checks the CA signature only (not validity window or principals). */
export function verifySshCertificate(cert: SshCertificate): boolean {
  try {
    return sshVerify(cert.signatureKey, cert.signedBytes, cert.signature);
  } catch {
    return false; // unparseable CA key
  }
}

export interface TeleportCertFields {
  username: string;
  principals: string[];
  roles: string[];
  traits: Record<string, string[]>;
  routeToCluster?: string;
  activeRequests: string[];
  permissionExtensions: string[];
}

function parseJsonExt(cert: SshCertificate, name: string): unknown {
  const raw = cert.extensions[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new SshFormatError(`certificate extension ${name} is not valid JSON: ${(err as Error).message}`);
  }
}

function stringList(v: unknown, what: string): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new SshFormatError(`${what} must be a list of strings`);
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function teleportCertFields(cert: SshCertificate): TeleportCertFields {
  const rolesJson = parseJsonExt(cert, 'teleport-roles');
  if (rolesJson !== undefined && !isObject(rolesJson))
    throw new SshFormatError('teleport-roles must be a JSON object');
  const roles = stringList(rolesJson?.roles, 'teleport-roles.roles');

  const traitsJson = parseJsonExt(cert, 'teleport-traits');
  if (traitsJson !== undefined && traitsJson !== null && !isObject(traitsJson)) {
    throw new SshFormatError('teleport-traits must be a JSON object');
  }
  const traits: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(traitsJson ?? {})) traits[k] = stringList(v, `teleport-traits.${k}`);

  const reqJson = parseJsonExt(cert, 'teleport-active-requests');
  if (reqJson !== undefined && !isObject(reqJson))
    throw new SshFormatError('teleport-active-requests must be a JSON object');
  const activeRequests = stringList(reqJson?.access_requests, 'teleport-active-requests.access_requests');

  const route = cert.extensions['teleport-route-to-cluster'];
  return {
    username: cert.keyId,
    principals: [...cert.validPrincipals],
    roles,
    traits,
    ...(route ? { routeToCluster: route } : {}),
    activeRequests,
    permissionExtensions: Object.keys(cert.extensions)
      .filter((k) => k.startsWith('permit-'))
      .sort(),
  };
}
