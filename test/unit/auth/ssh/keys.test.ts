import { execFileSync } from 'node:child_process';
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  marshalAuthorizedKey,
  marshalSshPrivateKey,
  parseAuthorizedKey,
  parseSshPrivateKey,
  parseSshPublicKeyBlob,
  sshFingerprintSHA256,
  sshKeyType,
  sshPublicKeyBlob,
  sshSign,
  sshVerify,
  type SshKeyType,
} from '../../../../src/auth/ssh/keys.js';
import { SshReader, SshWriter } from '../../../../src/auth/ssh/wire.js';
import { TshError } from '../../../../src/util/errors.js';

const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const haveKeygen = fs.existsSync(SSH_KEYGEN);
if (!haveKeygen) console.warn(`ssh-keygen not found at ${SSH_KEYGEN}: skipping OpenSSH interop tests`);
const keygen = (args: string[], input?: Buffer): string =>
  execFileSync(SSH_KEYGEN, args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (b: Buffer | string): Buffer => new SshWriter().string(b).toBuffer();

// RFC 8032 §7.1 test 1.
const SEED = h('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const PUB = h('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const SIG_EMPTY = h(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155' +
    '5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
);
const edKey = createPrivateKey({
  key: { kty: 'OKP', crv: 'Ed25519', d: SEED.toString('base64url'), x: PUB.toString('base64url') },
  format: 'jwk',
});

const genKeys = (): Record<SshKeyType, KeyObject> => ({
  'ssh-ed25519': generateKeyPairSync('ed25519').privateKey,
  'ecdsa-sha2-nistp256': generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  'ecdsa-sha2-nistp384': generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
  'ecdsa-sha2-nistp521': generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey,
  'ssh-rsa': generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
});
const keys = genKeys();

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-keys-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const errorOf = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('public key blobs', () => {
  it('encodes Ed25519 as string("ssh-ed25519") string(pub)', () => {
    const blob = sshPublicKeyBlob(edKey);
    expect(blob.toString('hex')).toBe(
      '0000000b' + Buffer.from('ssh-ed25519').toString('hex') + '00000020' + PUB.toString('hex'),
    );
    expect(sshKeyType(edKey)).toBe('ssh-ed25519');
    const parsed = parseSshPublicKeyBlob(blob);
    expect(parsed.type).toBe('ssh-ed25519');
    expect(parsed.key.type).toBe('public');
    expect(sshPublicKeyBlob(parsed.key)).toEqual(blob);
  });

  it.each([
    ['ecdsa-sha2-nistp256', 'nistp256', 32],
    ['ecdsa-sha2-nistp384', 'nistp384', 48],
    ['ecdsa-sha2-nistp521', 'nistp521', 66],
  ] as const)('encodes %s as type, curve, uncompressed point', (type, curve, size) => {
    const key = keys[type];
    const jwk = key.export({ format: 'jwk' });
    const point = Buffer.concat([
      h('04'),
      Buffer.from(jwk.x!, 'base64url'),
      Buffer.from(jwk.y!, 'base64url'),
    ]);
    expect(point.length).toBe(1 + 2 * size);
    const blob = sshPublicKeyBlob(key);
    expect(blob).toEqual(Buffer.concat([str(type), str(curve), str(point)]));
    expect(sshPublicKeyBlob(parseSshPublicKeyBlob(blob).key)).toEqual(blob);
  });

  it('encodes RSA as type, mpint e, mpint n', () => {
    const key = keys['ssh-rsa'];
    const jwk = key.export({ format: 'jwk' });
    const n = Buffer.from(jwk.n!, 'base64url');
    const blob = sshPublicKeyBlob(key);
    // e = 65537 = 0x010001; n has its top bit set so it gets a 0x00 prefix.
    expect(blob).toEqual(
      Buffer.concat([str('ssh-rsa'), h('00000003010001'), str(Buffer.concat([h('00'), n]))]),
    );
    expect(sshPublicKeyBlob(parseSshPublicKeyBlob(blob).key)).toEqual(blob);
  });

  it('rejects malformed blobs with clear errors', () => {
    const blob = sshPublicKeyBlob(edKey);
    const cases: [Buffer, RegExp][] = [
      [blob.subarray(0, blob.length - 1), /truncated string body/],
      [blob.subarray(0, 2), /truncated string length/],
      [Buffer.concat([blob, h('00')]), /trailing/],
      [Buffer.concat([str('ssh-dss'), str(PUB)]), /unsupported SSH key type "ssh-dss"/],
      [Buffer.concat([str('ssh-ed25519'), str(PUB.subarray(1))]), /public key length 31/],
      [Buffer.concat([str('ecdsa-sha2-nistp256'), str('nistp384'), str(h('04'))]), /does not match/],
      [Buffer.concat([str('ecdsa-sha2-nistp256'), str('nistp256'), str(Buffer.alloc(33, 2))]), /compressed/],
    ];
    for (const [b, msg] of cases) {
      const err = errorOf(() => parseSshPublicKeyBlob(b));
      expect(err).not.toBeInstanceOf(RangeError);
      expect(err.message).toMatch(msg);
    }
  });
});

describe('authorized_keys lines', () => {
  it('marshals like Go ssh.MarshalAuthorizedKey and parses back', () => {
    const blob = sshPublicKeyBlob(edKey);
    const line = marshalAuthorizedKey(edKey);
    expect(line).toBe(`ssh-ed25519 ${blob.toString('base64')}\n`);
    expect(marshalAuthorizedKey(blob)).toBe(line);
    expect(parseAuthorizedKey(line)).toEqual({ type: 'ssh-ed25519', blob, comment: '' });
    expect(parseAuthorizedKey(`${line.trim()}  alice@laptop  x`)).toEqual({
      type: 'ssh-ed25519',
      blob,
      comment: 'alice@laptop x',
    });
    expect(parseAuthorizedKey(`no-pty,from="10.0.0.1" ${line}`).blob).toEqual(blob);
  });

  it('rejects bad lines', () => {
    const blob = sshPublicKeyBlob(edKey);
    expect(() => parseAuthorizedKey('')).toThrow(/no "<type> <base64>"/);
    expect(() => parseAuthorizedKey(`ssh-rsa ${blob.toString('base64')}`)).toThrow(
      /does not match encoded type "ssh-ed25519"/,
    );
    expect(() => parseAuthorizedKey('ssh-ed25519 !!!')).toThrow(/not base64/);
    expect(() => parseAuthorizedKey('ssh-ed25519 AAAA')).toThrow(/truncated/);
  });

  it('computes ssh-keygen style SHA256 fingerprints', () => {
    const blob = sshPublicKeyBlob(edKey);
    const expected = 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
    expect(sshFingerprintSHA256(blob)).toBe(expected);
    expect(sshFingerprintSHA256(blob)).not.toMatch(/=/);
  });
});

describe('signatures', () => {
  it('Ed25519 signature blob matches RFC 8032 vector', () => {
    const sig = sshSign(edKey, Buffer.alloc(0));
    expect(sig).toEqual(Buffer.concat([str('ssh-ed25519'), str(SIG_EMPTY)]));
    expect(sshVerify(sshPublicKeyBlob(edKey), Buffer.alloc(0), sig)).toBe(true);
    expect(sshVerify(sshPublicKeyBlob(edKey), Buffer.from('x'), sig)).toBe(false);
  });

  it.each(['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'] as const)(
    '%s signature is string(alg) string(mpint r, mpint s)',
    (type) => {
      const key = keys[type];
      const data = Buffer.from('hello');
      const sig = sshSign(key, data);
      const r = new SshReader(sig);
      expect(r.stringUtf8()).toBe(type);
      const inner = new SshReader(r.string());
      const [rr, ss] = [inner.mpint(), inner.mpint()];
      inner.expectEnd();
      r.expectEnd();
      expect(rr.length).toBeGreaterThan(0);
      expect(ss.length).toBeGreaterThan(0);
      const pub = sshPublicKeyBlob(key);
      expect(sshVerify(pub, data, sig)).toBe(true);
      expect(sshVerify(pub, Buffer.from('hellO'), sig)).toBe(false);
      expect(sshVerify(pub, data, sig.subarray(0, sig.length - 3))).toBe(false);
    },
  );

  it('RSA signs with rsa-sha2-512 by default, rsa-sha2-256 on request, verifies legacy ssh-rsa', () => {
    const key = keys['ssh-rsa'];
    const pub = sshPublicKeyBlob(key);
    const data = Buffer.from('data');
    const s512 = sshSign(key, data);
    expect(s512).toEqual(Buffer.concat([str('rsa-sha2-512'), str(cryptoSign('sha512', data, key))]));
    const s256 = sshSign(key, data, 'rsa-sha2-256');
    expect(new SshReader(s256).stringUtf8()).toBe('rsa-sha2-256');
    const s1 = Buffer.concat([str('ssh-rsa'), str(cryptoSign('sha1', data, key))]);
    for (const s of [s512, s256, s1]) expect(sshVerify(pub, data, s)).toBe(true);
    // Algorithm name must match the hash actually used.
    const relabeled = Buffer.concat([str('rsa-sha2-256'), new SshReader(s512).rest().subarray(4 + 12)]);
    expect(sshVerify(pub, data, relabeled)).toBe(false);
    expect(sshVerify(pub, data, Buffer.from('junk'))).toBe(false);
  });
});

describe('private keys', () => {
  it('writes Ed25519 in OpenSSH format byte for byte', () => {
    const pem = marshalSshPrivateKey(edKey);
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(lines.at(-1)).toBe('-----END OPENSSH PRIVATE KEY-----');
    expect(pem.endsWith('-----\n')).toBe(true);
    const body = lines.slice(1, -1);
    for (const l of body.slice(0, -1)) expect(l.length).toBe(70);
    const data = Buffer.from(body.join(''), 'base64');
    const pubBlob = sshPublicKeyBlob(edKey);
    const check = data.readUInt32BE(15 + 8 + 8 + 4 + 4 + 4 + pubBlob.length + 4);
    const u32 = (n: number): Buffer => new SshWriter().u32(n).toBuffer();
    // 8 + 15 + 36 + 68 + 4 = 131 bytes → five padding bytes to reach 136.
    const privSection = Buffer.concat([
      u32(check),
      u32(check),
      str('ssh-ed25519'),
      str(PUB),
      str(Buffer.concat([SEED, PUB])),
      str(''),
      h('0102030405'),
    ]);
    const expected = Buffer.concat([
      Buffer.from('openssh-key-v1\0', 'latin1'),
      str('none'),
      str('none'),
      str(''),
      u32(1),
      str(pubBlob),
      str(privSection),
    ]);
    expect(data.toString('hex')).toBe(expected.toString('hex'));
    expect(privSection.length % 8).toBe(0);
  });

  it('round-trips every key type', () => {
    for (const [type, key] of Object.entries(keys)) {
      const pem = marshalSshPrivateKey(key);
      expect(pem).toMatch(
        type === 'ssh-rsa' ? /^-----BEGIN RSA PRIVATE KEY-----\n/ : /^-----BEGIN OPENSSH PRIVATE KEY-----\n/,
      );
      const back = parseSshPrivateKey(pem);
      expect(back.type).toBe('private');
      expect(sshPublicKeyBlob(back)).toEqual(sshPublicKeyBlob(key));
      expect(sshVerify(sshPublicKeyBlob(key), Buffer.from('m'), sshSign(back, Buffer.from('m')))).toBe(true);
    }
  });

  it('parses PKCS#8 and SEC1 PEM', () => {
    const ec = keys['ecdsa-sha2-nistp256'];
    for (const pem of [
      ec.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ec.export({ type: 'sec1', format: 'pem' }).toString(),
      edKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ]) {
      const k = parseSshPrivateKey(pem);
      expect([sshPublicKeyBlob(ec), sshPublicKeyBlob(edKey)]).toContainEqual(sshPublicKeyBlob(k));
    }
  });

  it('rejects encrypted, unknown and corrupt keys clearly', () => {
    const enc = edKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    expect(() => parseSshPrivateKey(enc)).toThrow(/encrypted/);
    expect(() => parseSshPrivateKey('nothing here')).toThrow(/no PEM BEGIN/);
    expect(() =>
      parseSshPrivateKey('-----BEGIN DSA PRIVATE KEY-----\nAA==\n-----END DSA PRIVATE KEY-----'),
    ).toThrow(/unsupported PEM type "DSA PRIVATE KEY"/);
    const pem = marshalSshPrivateKey(edKey);
    const b64 = pem.split('\n').slice(1, -2).join('');
    const data = Buffer.from(b64, 'base64');
    const rewrap = (d: Buffer): string =>
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${d.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const truncErr = errorOf(() => parseSshPrivateKey(rewrap(data.subarray(0, 120))));
    expect(truncErr).not.toBeInstanceOf(RangeError);
    expect(truncErr.message).toMatch(/OpenSSH private key: truncated/);
    expect(() => parseSshPrivateKey(rewrap(Buffer.concat([data, h('00')])))).toThrow(/trailing/);
    const badMagic = Buffer.from(data);
    badMagic[0] = 0x4f;
    expect(() => parseSshPrivateKey(rewrap(badMagic))).toThrow(/bad magic/);
  });
});

describe.skipIf(!haveKeygen)('OpenSSH ssh-keygen interop', () => {
  it('ssh-keygen -y reads every private key we write', () => {
    for (const [type, key] of Object.entries(keys)) {
      const file = path.join(tmp, `ours-${type}`);
      fs.writeFileSync(file, marshalSshPrivateKey(key), { mode: 0o600 });
      const out = keygen(['-y', '-f', file]).trim().split(' ');
      expect(`${out[0]} ${out[1]}\n`).toBe(marshalAuthorizedKey(key));
    }
  });

  it.each([
    ['ed25519', '256'],
    ['ecdsa', '256'],
    ['ecdsa', '384'],
    ['ecdsa', '521'],
    ['rsa', '2048'],
  ] as const)('parses a %s-%s key generated by ssh-keygen', (t, bits) => {
    const file = path.join(tmp, `theirs-${t}${bits}`);
    keygen(['-q', '-t', t, '-b', bits, '-N', '', '-C', '', '-f', file]);
    const pem = fs.readFileSync(file, 'utf8');
    const pubLine = parseAuthorizedKey(fs.readFileSync(`${file}.pub`, 'utf8'));
    const key = parseSshPrivateKey(pem);
    expect(sshPublicKeyBlob(key)).toEqual(pubLine.blob);
    const fp = keygen(['-l', '-E', 'sha256', '-f', `${file}.pub`]).split(' ')[1];
    expect(sshFingerprintSHA256(pubLine.blob)).toBe(fp);
    if (t !== 'rsa') {
      // Same key, same (empty) comment: only the random check ints can differ from ssh-keygen's file.
      const theirs = Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64');
      const off = 15 + 8 + 8 + 4 + 4 + 4 + pubLine.blob.length + 4;
      const ours = Buffer.from(marshalSshPrivateKey(key).split('\n').slice(1, -2).join(''), 'base64');
      theirs.copy(ours, off, off, off + 8);
      const rewrapped = marshalSshPrivateKey(key).split('\n');
      const wrapped = ours
        .toString('base64')
        .match(/.{1,70}/g)!
        .join('\n');
      expect(`${rewrapped[0]}\n${wrapped}\n${rewrapped.at(-2)}\n`).toBe(pem);
    }
  });

  it('rejects a passphrase-protected ssh-keygen key with a clear message', () => {
    const file = path.join(tmp, 'enc');
    keygen(['-q', '-t', 'ed25519', '-N', 'secret', '-f', file]);
    expect(() => parseSshPrivateKey(fs.readFileSync(file, 'utf8'))).toThrow(
      /encrypted.*passphrases are not supported/,
    );
  });

  // SSHSIG (OpenSSH PROTOCOL.sshsig) exercises sshSign/sshVerify against ssh-keygen -Y.
  const sshsigSignedData = (ns: string, msg: Buffer): Buffer =>
    Buffer.concat([
      Buffer.from('SSHSIG'),
      str(ns),
      str(''),
      str('sha512'),
      str(createHash('sha512').update(msg).digest()),
    ]);

  it.each(Object.keys(keys))('ssh-keygen -Y verify accepts our %s signature and we accept its', (type) => {
    const key = keys[type as SshKeyType];
    const msg = Buffer.from('message to sign\n');
    const pub = sshPublicKeyBlob(key);
    const sig = sshSign(key, sshsigSignedData('file', msg));
    const armored = Buffer.concat([
      Buffer.from('SSHSIG'),
      new SshWriter().u32(1).toBuffer(),
      str(pub),
      str('file'),
      str(''),
      str('sha512'),
      str(sig),
    ]);
    const sigFile = path.join(tmp, `sig-${type}`);
    fs.writeFileSync(
      sigFile,
      `-----BEGIN SSH SIGNATURE-----\n${armored
        .toString('base64')
        .match(/.{1,70}/g)!
        .join('\n')}\n-----END SSH SIGNATURE-----\n`,
    );
    const signers = path.join(tmp, `signers-${type}`);
    fs.writeFileSync(signers, `alice ${marshalAuthorizedKey(pub)}`);
    expect(keygen(['-Y', 'verify', '-f', signers, '-I', 'alice', '-n', 'file', '-s', sigFile], msg)).toMatch(
      /Good/,
    );

    const keyFile = path.join(tmp, `signer-${type}`);
    fs.writeFileSync(keyFile, marshalSshPrivateKey(key), { mode: 0o600 });
    fs.writeFileSync(`${keyFile}.pub`, marshalAuthorizedKey(pub)); // PKCS#1 RSA files carry no public key
    const theirs = keygen(['-Y', 'sign', '-f', keyFile, '-n', 'file'], msg);
    const decoded = Buffer.from(theirs.trim().split('\n').slice(1, -1).join(''), 'base64');
    expect(decoded.subarray(0, 6).toString()).toBe('SSHSIG');
    const body = new SshReader(decoded.subarray(6));
    expect(body.u32()).toBe(1);
    expect(body.string()).toEqual(pub);
    const ns = body.stringUtf8();
    body.string();
    const hashAlg = body.stringUtf8();
    const theirSig = body.string();
    expect(hashAlg).toBe('sha512');
    expect(sshVerify(pub, sshsigSignedData(ns, msg), theirSig)).toBe(true);
    expect(sshVerify(pub, sshsigSignedData(ns, Buffer.from('other')), theirSig)).toBe(false);
  });
});

// Node's JWK import only says "Invalid JWK EC key" for a point off the curve; the codec names the key.
describe('EC points off the curve', () => {
  const CURVES = [
    ['ecdsa-sha2-nistp256', 'nistp256', 32],
    ['ecdsa-sha2-nistp384', 'nistp384', 48],
    ['ecdsa-sha2-nistp521', 'nistp521', 66],
  ] as const;
  const coord = (v: number, size: number): Buffer => {
    const b = Buffer.alloc(size);
    b[size - 1] = v;
    return b;
  };
  // (1, 1): y² = 1 but x³ − 3x + b = b − 2 on every NIST curve.
  const offCurve = (size: number): Buffer => Buffer.concat([h('04'), coord(1, size), coord(1, size)]);
  const ecBlob = (type: string, ident: string, point: Buffer): Buffer =>
    Buffer.concat([str(type), str(ident), str(point)]);

  it.each(CURVES)('a %s public key blob: a typed error naming the key', (type, ident, size) => {
    const blob = ecBlob(type, ident, offCurve(size));
    const err = errorOf(() => parseSshPublicKeyBlob(blob));
    expect(err).toBeInstanceOf(TshError);
    expect(err.message).toBe(
      `SSH public key ${type} ${sshFingerprintSHA256(blob)}: the public point is not on the ${ident} curve`,
    );
  });

  it('a coordinate at or above the field prime is off the curve too', () => {
    const p256 = h('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff');
    const blob = ecBlob('ecdsa-sha2-nistp256', 'nistp256', Buffer.concat([h('04'), p256, coord(1, 32)]));
    const err = errorOf(() => parseSshPublicKeyBlob(blob));
    expect(err).toBeInstanceOf(TshError);
    expect(err.message).toMatch(/not on the nistp256 curve$/);
  });

  it('an OpenSSH private key whose public point is off the curve', () => {
    const pub = ecBlob('ecdsa-sha2-nistp256', 'nistp256', offCurve(32));
    const section = new SshWriter()
      .u32(7)
      .u32(7)
      .string('ecdsa-sha2-nistp256')
      .string('nistp256')
      .string(offCurve(32))
      .mpint(coord(5, 32))
      .string('')
      .toBuffer();
    const pad = Buffer.from(Array.from({ length: (8 - (section.length % 8)) % 8 }, (_, i) => i + 1));
    const body = new SshWriter()
      .raw(Buffer.from('openssh-key-v1\0', 'latin1'))
      .string('none')
      .string('none')
      .string('')
      .u32(1)
      .string(pub)
      .string(Buffer.concat([section, pad]))
      .toBuffer();
    const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const err = errorOf(() => parseSshPrivateKey(pem));
    expect(err).toBeInstanceOf(TshError);
    expect(err.message).toBe(
      `OpenSSH private key (ecdsa-sha2-nistp256 ${sshFingerprintSHA256(pub)}): the public point is not on the nistp256 curve`,
    );
  });
});
