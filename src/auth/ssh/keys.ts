// SSH public/private key encodings (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4,
// OpenSSH PROTOCOL.key) and SSH signatures, built on node:crypto KeyObjects.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as cryptoSign,
  verify as cryptoVerify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { SshFormatError, SshReader, SshWriter, sshFormatErrors } from './wire.js';

export type SshKeyType =
  'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521' | 'ssh-rsa';

interface Curve {
  ssh: SshKeyType;
  ident: string; // curve identifier inside the blob
  jwk: string; // JWK "crv"
  node: string; // asymmetricKeyDetails.namedCurve
  size: number; // coordinate length in bytes
  hash: string;
  /** Field prime and coefficient b of y² = x³ − 3x + b (FIPS 186-4 D.1.2). */
  p: bigint;
  b: bigint;
}

const CURVES: Curve[] = [
  {
    ssh: 'ecdsa-sha2-nistp256',
    ident: 'nistp256',
    jwk: 'P-256',
    node: 'prime256v1',
    size: 32,
    hash: 'sha256',
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  {
    ssh: 'ecdsa-sha2-nistp384',
    ident: 'nistp384',
    jwk: 'P-384',
    node: 'secp384r1',
    size: 48,
    hash: 'sha384',
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
  {
    ssh: 'ecdsa-sha2-nistp521',
    ident: 'nistp521',
    jwk: 'P-521',
    node: 'secp521r1',
    size: 66,
    hash: 'sha512',
    p: 2n ** 521n - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  },
];

export const SSH_KEY_TYPES: readonly SshKeyType[] = ['ssh-ed25519', ...CURVES.map((c) => c.ssh), 'ssh-rsa'];

const curveBySsh = (t: string): Curve | undefined => CURVES.find((c) => c.ssh === t);

function b64u(s: string | undefined, field: string): Buffer {
  if (s === undefined) throw new Error(`JWK is missing "${field}"`);
  return Buffer.from(s, 'base64url');
}

const toB64u = (b: Buffer): string => b.toString('base64url');

/** Left-pads an unsigned big-endian integer to a fixed width (JWK EC fields need exact lengths). */
function padTo(b: Buffer, size: number, what: string): Buffer {
  let i = 0;
  while (i < b.length && b[i] === 0 && b.length - i > size) i++;
  const t = b.subarray(i);
  if (t.length > size) throw new SshFormatError(`${what} is too long (${t.length} > ${size} bytes)`);
  return Buffer.concat([Buffer.alloc(size - t.length), t]);
}

export function sshKeyType(key: KeyObject): SshKeyType {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'ssh-ed25519';
    case 'rsa':
      return 'ssh-rsa';
    case 'ec': {
      const named = key.asymmetricKeyDetails?.namedCurve;
      const c = CURVES.find((x) => x.node === named);
      if (!c) throw new Error(`unsupported ECDSA curve for SSH: ${named}`);
      return c.ssh;
    }
    default:
      throw new Error(`unsupported key type for SSH: ${key.asymmetricKeyType}`);
  }
}

/** Writes the key-specific public fields (everything after the type string). */
function writePublicFields(w: SshWriter, type: SshKeyType, jwk: JsonWebKey): void {
  if (type === 'ssh-ed25519') {
    w.string(b64u(jwk.x, 'x'));
  } else if (type === 'ssh-rsa') {
    w.mpint(b64u(jwk.e, 'e')).mpint(b64u(jwk.n, 'n'));
  } else {
    const c = curveBySsh(type)!;
    const point = Buffer.concat([
      Buffer.from([4]),
      padTo(b64u(jwk.x, 'x'), c.size, 'EC x'),
      padTo(b64u(jwk.y, 'y'), c.size, 'EC y'),
    ]);
    w.string(c.ident).string(point);
  }
}

export function sshPublicKeyBlob(key: KeyObject): Buffer {
  const type = sshKeyType(key);
  const w = new SshWriter().string(type);
  writePublicFields(w, type, key.export({ format: 'jwk' }));
  return w.toBuffer();
}

/**
 * Whether the JWK's point lies on its curve. node:crypto's JWK import only says "Invalid JWK EC
 * key" for a point that does not, so the check is ours and the error can name the key.
 */
function onCurve(c: Curve, jwk: JsonWebKey): boolean {
  const x = BigInt(`0x${b64u(jwk.x, 'x').toString('hex') || '0'}`);
  const y = BigInt(`0x${b64u(jwk.y, 'y').toString('hex') || '0'}`);
  if (x >= c.p || y >= c.p) return false;
  const mod = (v: bigint): bigint => ((v % c.p) + c.p) % c.p;
  return mod(y * y) === mod(x * x * x - 3n * x + c.b);
}

/**
 * Reads the key-specific public fields for `type` and returns the matching public JWK. `what`
 * names the key in errors ("SSH public key ecdsa-sha2-nistp256 SHA256:…").
 */
function readPublicFields(r: SshReader, type: string, what: string): JsonWebKey {
  if (type === 'ssh-ed25519') {
    const pub = r.string();
    if (pub.length !== 32) throw new SshFormatError(`invalid ssh-ed25519 public key length ${pub.length}`);
    return { kty: 'OKP', crv: 'Ed25519', x: toB64u(pub) };
  }
  if (type === 'ssh-rsa') {
    const e = r.mpint();
    const n = r.mpint();
    return { kty: 'RSA', e: toB64u(e), n: toB64u(n) };
  }
  const c = curveBySsh(type);
  if (!c) throw new SshFormatError(`unsupported SSH key type "${type}"`);
  const ident = r.stringUtf8();
  if (ident !== c.ident) throw new SshFormatError(`ECDSA curve "${ident}" does not match key type ${type}`);
  const q = r.string();
  if (q.length !== 1 + 2 * c.size || q[0] !== 4)
    throw new SshFormatError(`invalid or compressed ${c.ident} public point`);
  const jwk = {
    kty: 'EC',
    crv: c.jwk,
    x: toB64u(q.subarray(1, 1 + c.size)),
    y: toB64u(q.subarray(1 + c.size)),
  };
  if (!onCurve(c, jwk)) throw new SshFormatError(`${what}: the public point is not on the ${c.ident} curve`);
  return jwk;
}

function asKeyType(t: string): SshKeyType {
  if (!(SSH_KEY_TYPES as readonly string[]).includes(t))
    throw new SshFormatError(`unsupported SSH key type "${t}"`);
  return t as SshKeyType;
}

/** Parses a public key blob; failures are SshFormatErrors, a key that cannot be imported is named by fingerprint. */
export function parseSshPublicKeyBlob(blob: Buffer): { type: SshKeyType; key: KeyObject } {
  const r = new SshReader(blob, 'SSH public key');
  const type = asKeyType(r.stringUtf8());
  const what = `SSH public key ${type} ${sshFingerprintSHA256(blob)}`;
  const jwk = readPublicFields(r, type, what);
  r.expectEnd();
  return { type, key: sshFormatErrors(what, () => createPublicKey({ key: jwk, format: 'jwk' })) };
}

/** Reads the leading type string of a blob without validating the rest. */
export function blobType(blob: Buffer): string {
  return new SshReader(blob, 'SSH key blob').stringUtf8();
}

export function marshalAuthorizedKey(key: KeyObject | Buffer): string {
  const blob = Buffer.isBuffer(key) ? key : sshPublicKeyBlob(key);
  return `${blobType(blob)} ${blob.toString('base64')}\n`;
}

const looksLikeKeyType = (t: string): boolean =>
  (SSH_KEY_TYPES as readonly string[]).includes(t) ||
  t.endsWith('-cert-v01@openssh.com') ||
  /^(ssh|ecdsa|sk)-[A-Za-z0-9@.-]+$/.test(t);

/** Parses one authorized_keys / *.pub line; a leading options field is skipped. */
export function parseAuthorizedKey(line: string): { type: string; blob: Buffer; comment: string } {
  const fields = line.trim().split(/\s+/);
  let i = fields.findIndex(looksLikeKeyType);
  if (i < 0 || i + 1 >= fields.length) throw new SshFormatError('authorized key: no "<type> <base64>" found');
  const type = fields[i]!;
  const b64 = fields[i + 1]!;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new SshFormatError('authorized key: key data is not base64');
  const blob = Buffer.from(b64, 'base64');
  const inner = blobType(blob);
  if (inner !== type)
    throw new SshFormatError(`authorized key: type "${type}" does not match encoded type "${inner}"`);
  i += 2;
  return { type, blob, comment: fields.slice(i).join(' ') };
}

// ---- OpenSSH private key format (PROTOCOL.key) ----

const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const OPENSSH_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const OPENSSH_END = '-----END OPENSSH PRIVATE KEY-----';

function wrap(b64: string, cols: number): string {
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += cols) lines.push(b64.slice(i, i + cols));
  return lines.join('\n');
}

/** Ed25519/ECDSA → OpenSSH format (what ssh-keygen writes); RSA → PKCS#1 PEM (what tsh writes). */
export function marshalSshPrivateKey(key: KeyObject): string {
  if (key.type !== 'private') throw new Error('marshalSshPrivateKey needs a private key');
  const type = sshKeyType(key);
  if (type === 'ssh-rsa') return key.export({ type: 'pkcs1', format: 'pem' }).toString();

  const jwk = key.export({ format: 'jwk' });
  const pubBlob = sshPublicKeyBlob(key);
  const check = randomBytes(4).readUInt32BE(0);
  const priv = new SshWriter().u32(check).u32(check).string(type);
  if (type === 'ssh-ed25519') {
    const pub = b64u(jwk.x, 'x');
    // OpenSSH stores the 64-byte "secret key" as seed || public key.
    priv.string(pub).string(Buffer.concat([b64u(jwk.d, 'd'), pub]));
  } else {
    writePublicFields(priv, type, jwk);
    priv.mpint(b64u(jwk.d, 'd'));
  }
  priv.string(''); // comment
  const unpadded = priv.toBuffer();
  // Cipher "none" has block size 8; padding bytes are 1, 2, 3, ...
  const padLen = (8 - (unpadded.length % 8)) % 8;
  const pad = Buffer.from(Array.from({ length: padLen }, (_, i) => i + 1));

  const body = new SshWriter()
    .raw(OPENSSH_MAGIC)
    .string('none')
    .string('none')
    .string('')
    .u32(1)
    .string(pubBlob)
    .string(Buffer.concat([unpadded, pad]))
    .toBuffer();
  return `${OPENSSH_BEGIN}\n${wrap(body.toString('base64'), 70)}\n${OPENSSH_END}\n`;
}

const big = (b: Buffer): bigint => (b.length === 0 ? 0n : BigInt('0x' + b.toString('hex')));

function bigToBuf(n: bigint): Buffer {
  let h = n.toString(16);
  if (h.length % 2) h = '0' + h;
  return Buffer.from(h, 'hex');
}

function parseOpenSshPrivateKey(pem: string): KeyObject {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(pem);
  if (!m) throw new SshFormatError('OpenSSH private key: missing END line');
  const data = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  if (data.length < OPENSSH_MAGIC.length || !data.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) {
    throw new SshFormatError('OpenSSH private key: bad magic (not openssh-key-v1)');
  }
  const r = new SshReader(data.subarray(OPENSSH_MAGIC.length), 'OpenSSH private key');
  const cipher = r.stringUtf8();
  const kdf = r.stringUtf8();
  r.string(); // kdf options
  if (cipher !== 'none' || kdf !== 'none') {
    throw new SshFormatError(
      `OpenSSH private key is encrypted (cipher ${cipher}, kdf ${kdf}); passphrases are not supported`,
    );
  }
  const count = r.u32();
  if (count !== 1) throw new SshFormatError(`OpenSSH private key: expected 1 key, found ${count}`);
  const pubBlob = r.string();
  const p = new SshReader(r.string(), 'OpenSSH private key section');
  r.expectEnd();
  if (p.u32() !== p.u32())
    throw new SshFormatError('OpenSSH private key: check integers differ (corrupt or wrong passphrase)');
  const type = asKeyType(p.stringUtf8());
  const what = `OpenSSH private key (${type} ${sshFingerprintSHA256(pubBlob)})`;

  let jwk: JsonWebKey;
  if (type === 'ssh-ed25519') {
    const pub = p.string();
    const sk = p.string();
    if (pub.length !== 32 || sk.length !== 64 || !sk.subarray(32).equals(pub)) {
      throw new SshFormatError('OpenSSH private key: malformed ssh-ed25519 key');
    }
    jwk = { kty: 'OKP', crv: 'Ed25519', x: toB64u(pub), d: toB64u(sk.subarray(0, 32)) };
  } else if (type === 'ssh-rsa') {
    const [n, e, d, iqmp, pp, q] = [p.mpint(), p.mpint(), p.mpint(), p.mpint(), p.mpint(), p.mpint()];
    const D = big(d);
    // OpenSSH omits the CRT exponents; JWK import requires them.
    const dp = bigToBuf(D % (big(pp) - 1n));
    const dq = bigToBuf(D % (big(q) - 1n));
    jwk = {
      kty: 'RSA',
      n: toB64u(n),
      e: toB64u(e),
      d: toB64u(d),
      p: toB64u(pp),
      q: toB64u(q),
      dp: toB64u(dp),
      dq: toB64u(dq),
      qi: toB64u(iqmp),
    };
  } else {
    const c = curveBySsh(type)!;
    jwk = { ...readPublicFields(p, type, what), d: toB64u(padTo(p.mpint(), c.size, 'EC private scalar')) };
  }
  p.string(); // comment
  const pad = p.rest();
  if (!pad.every((v, i) => v === i + 1)) throw new SshFormatError('OpenSSH private key: bad padding');

  const key = sshFormatErrors(what, () => createPrivateKey({ key: jwk, format: 'jwk' }));
  // Guard against a private half that does not match the stored public key.
  if (!sshPublicKeyBlob(key).equals(pubBlob))
    throw new SshFormatError('OpenSSH private key: public key does not match private key');
  return key;
}

export function parseSshPrivateKey(pem: string): KeyObject {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem);
  if (!m) throw new SshFormatError('private key: no PEM BEGIN line found');
  const label = m[1]!;
  if (label === 'OPENSSH PRIVATE KEY') return parseOpenSshPrivateKey(pem);
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    throw new SshFormatError('private key is encrypted; passphrases are not supported');
  }
  if (!['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY'].includes(label)) {
    throw new SshFormatError(`private key: unsupported PEM type "${label}"`);
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new SshFormatError(`private key: cannot parse ${label}: ${(err as Error).message}`, { cause: err });
  }
}

// ---- Signatures (RFC 4253 §6.6, RFC 5656 §3.1.2, RFC 8332, RFC 8709 §6) ----

export type RsaSigAlgorithm = 'rsa-sha2-256' | 'rsa-sha2-512';

export function sshSign(
  key: KeyObject,
  data: Buffer,
  rsaAlgorithm: RsaSigAlgorithm = 'rsa-sha2-512',
): Buffer {
  const type = sshKeyType(key);
  if (type === 'ssh-ed25519')
    return new SshWriter()
      .string(type)
      .string(cryptoSign(null, data, key))
      .toBuffer();
  if (type === 'ssh-rsa') {
    const hash = rsaAlgorithm === 'rsa-sha2-256' ? 'sha256' : 'sha512';
    return new SshWriter()
      .string(rsaAlgorithm)
      .string(cryptoSign(hash, data, key))
      .toBuffer();
  }
  const c = curveBySsh(type)!;
  const rs = cryptoSign(c.hash, data, { key, dsaEncoding: 'ieee-p1363' });
  const inner = new SshWriter().mpint(rs.subarray(0, c.size)).mpint(rs.subarray(c.size)).toBuffer();
  return new SshWriter().string(type).string(inner).toBuffer();
}

const RSA_HASH: Record<string, string> = {
  'ssh-rsa': 'sha1',
  'rsa-sha2-256': 'sha256',
  'rsa-sha2-512': 'sha512',
};

/** Verifies an SSH signature blob; a malformed or mismatched signature yields false. */
export function sshVerify(publicBlob: Buffer, data: Buffer, signatureBlob: Buffer): boolean {
  const { type, key } = parseSshPublicKeyBlob(publicBlob);
  let alg: string;
  let sig: Buffer;
  try {
    const r = new SshReader(signatureBlob, 'SSH signature');
    alg = r.stringUtf8();
    sig = r.string();
    r.expectEnd();
  } catch {
    return false;
  }
  if (type === 'ssh-ed25519') return alg === type && sig.length === 64 && cryptoVerify(null, data, key, sig);
  if (type === 'ssh-rsa') {
    const hash = RSA_HASH[alg];
    if (!hash) return false;
    // Some signers drop leading zero bytes; OpenSSL wants the full modulus length.
    const modBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
    if (sig.length > modBytes) return false;
    return cryptoVerify(hash, data, key, padTo(sig, modBytes, 'RSA signature'));
  }
  const c = curveBySsh(type)!;
  if (alg !== type) return false;
  try {
    const r = new SshReader(sig, 'ECDSA signature');
    const rs = Buffer.concat([padTo(r.mpint(), c.size, 'r'), padTo(r.mpint(), c.size, 's')]);
    r.expectEnd();
    return cryptoVerify(c.hash, data, { key, dsaEncoding: 'ieee-p1363' }, rs);
  } catch {
    return false;
  }
}

export function sshFingerprintSHA256(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}
