import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CERT_TIME_INFINITY,
  TELEPORT_EXTENSIONS,
  marshalCertificateLine,
  parseSshCertificate,
  parseSshCertificateLine,
  signSshCertificate,
  teleportCertFields,
  verifySshCertificate,
  type SignCertOptions,
} from '../../../../src/auth/ssh/cert.js';
import {
  marshalAuthorizedKey,
  marshalSshPrivateKey,
  parseAuthorizedKey,
  parseSshPrivateKey,
  sshPublicKeyBlob,
} from '../../../../src/auth/ssh/keys.js';
import { SshWriter } from '../../../../src/auth/ssh/wire.js';

const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const haveKeygen = fs.existsSync(SSH_KEYGEN);
if (!haveKeygen) console.warn(`ssh-keygen not found at ${SSH_KEYGEN}: skipping OpenSSH interop tests`);
const keygen = (args: string[]): string =>
  execFileSync(SSH_KEYGEN, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

const str = (b: Buffer | string): Buffer => new SshWriter().string(b).toBuffer();
const u32 = (n: number): Buffer => new SshWriter().u32(n).toBuffer();
const u64 = (n: bigint): Buffer => new SshWriter().u64(n).toBuffer();
const edFromSeed = (seedByte: number): KeyObject =>
  createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, seedByte)]),
    format: 'der',
    type: 'pkcs8',
  });

const userKey = edFromSeed(1);
const caKey = edFromSeed(2);
const NONCE = Buffer.alloc(32, 0xaa);

const baseOpts = (): SignCertOptions => ({
  publicKey: userKey,
  caKey,
  certType: 1,
  serial: 42n,
  keyId: 'alice',
  principals: ['root', 'alice'],
  validAfter: 1_700_000_000n,
  validBefore: new Date(1_700_003_600_000),
  criticalOptions: { 'source-address': '10.0.0.0/8' },
  extensions: { 'teleport-roles': '{"version":"v1","roles":["access"]}', 'permit-pty': '' },
  nonce: NONCE,
});

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-cert-'));
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

describe('signSshCertificate', () => {
  it('produces the exact blob assembled field by field', () => {
    const userPub = sshPublicKeyBlob(userKey).subarray(4 + 11 + 4); // raw 32-byte key
    const signed = Buffer.concat([
      str('ssh-ed25519-cert-v01@openssh.com'),
      str(NONCE),
      str(userPub),
      u64(42n),
      u32(1),
      str('alice'),
      str(Buffer.concat([str('root'), str('alice')])),
      u64(1_700_000_000n),
      u64(1_700_003_600n),
      // Critical options: value wrapped in one more string.
      str(Buffer.concat([str('source-address'), str(str('10.0.0.0/8'))])),
      // Extensions sorted by name; the flag has empty data.
      str(
        Buffer.concat([
          str('permit-pty'),
          str(''),
          str('teleport-roles'),
          str(str('{"version":"v1","roles":["access"]}')),
        ]),
      ),
      str(''), // reserved
      str(Buffer.concat([str('ssh-ed25519'), str(sshPublicKeyBlob(caKey).subarray(19))])),
    ]);
    const expected = Buffer.concat([
      signed,
      str(Buffer.concat([str('ssh-ed25519'), str(cryptoSign(null, signed, caKey))])),
    ]);
    const blob = signSshCertificate(baseOpts());
    expect(blob.toString('hex')).toBe(expected.toString('hex'));

    const cert = parseSshCertificate(blob);
    expect(cert).toMatchObject({
      certAlgorithm: 'ssh-ed25519-cert-v01@openssh.com',
      nonce: NONCE,
      keyType: 'ssh-ed25519',
      publicKeyBlob: sshPublicKeyBlob(userKey),
      serial: 42n,
      certType: 1,
      keyId: 'alice',
      validPrincipals: ['root', 'alice'],
      validAfter: 1_700_000_000n,
      validBefore: 1_700_003_600n,
      criticalOptions: { 'source-address': '10.0.0.0/8' },
      extensions: { 'permit-pty': '', 'teleport-roles': '{"version":"v1","roles":["access"]}' },
      signatureKey: sshPublicKeyBlob(caKey),
      signedBytes: signed,
      blob,
    });
    expect(sshPublicKeyBlob(cert.publicKey)).toEqual(sshPublicKeyBlob(userKey));
    expect(verifySshCertificate(cert)).toBe(true);
  });

  it('uses a random 32-byte nonce by default and signs RSA CAs with rsa-sha2-512', () => {
    const rsaCa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const opts = { ...baseOpts(), caKey: rsaCa, nonce: undefined, validBefore: CERT_TIME_INFINITY };
    const a = parseSshCertificate(signSshCertificate(opts));
    const b = parseSshCertificate(signSshCertificate(opts));
    expect(a.nonce.length).toBe(32);
    expect(a.nonce).not.toEqual(b.nonce);
    expect(a.validBefore).toBe(0xffffffffffffffffn);
    expect(a.signature.subarray(4, 16).toString()).toBe('rsa-sha2-512');
    expect(verifySshCertificate(a)).toBe(true);
  });

  it('detects tampering', () => {
    const blob = signSshCertificate(baseOpts());
    const bad = Buffer.from(blob);
    bad[bad.indexOf('alice') + 1] ^= 1; // key id
    expect(verifySshCertificate(parseSshCertificate(bad))).toBe(false);
    const otherCa = signSshCertificate({ ...baseOpts(), caKey: edFromSeed(3) });
    const cert = parseSshCertificate(blob);
    expect(verifySshCertificate({ ...cert, signature: parseSshCertificate(otherCa).signature })).toBe(false);
  });
});

describe('parseSshCertificate', () => {
  it('accepts flag extensions encoded as a wrapped empty string', () => {
    const blob = signSshCertificate({ ...baseOpts(), criticalOptions: {}, extensions: { 'permit-pty': '' } });
    const empty = str(Buffer.concat([str('permit-pty'), str('')]));
    const wrapped = str(Buffer.concat([str('permit-pty'), str(str(''))]));
    const patched = Buffer.concat([
      blob.subarray(0, blob.indexOf(empty)),
      wrapped,
      blob.subarray(blob.indexOf(empty) + empty.length),
    ]);
    expect(parseSshCertificate(patched).extensions).toEqual({ 'permit-pty': '' });
  });

  it('round-trips through certificate lines', () => {
    const blob = signSshCertificate(baseOpts());
    const line = marshalCertificateLine(blob);
    expect(line).toBe(`ssh-ed25519-cert-v01@openssh.com ${blob.toString('base64')}\n`);
    expect(parseSshCertificateLine(line.trim() + ' comment').blob).toEqual(blob);
    expect(parseAuthorizedKey(line).type).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(() => parseSshCertificateLine(marshalAuthorizedKey(userKey))).toThrow(
      /not an SSH certificate line/,
    );
  });

  it('rejects malformed blobs with clear errors', () => {
    const blob = signSshCertificate(baseOpts());
    const withType = (t: string): Buffer => Buffer.concat([str(t), blob.subarray(4 + 32)]);
    const badCertType = Buffer.from(blob);
    badCertType.writeUInt32BE(3, 4 + 32 + 4 + 32 + 4 + 32 + 8);
    const cases: [Buffer, RegExp][] = [
      [blob.subarray(0, 10), /SSH certificate: truncated/],
      [blob.subarray(0, blob.length - 1), /truncated string body/],
      [blob.subarray(0, 100), /truncated/],
      [Buffer.concat([blob, Buffer.from([0])]), /1 unexpected trailing bytes/],
      [withType('ssh-ed25519'), /not a supported SSH certificate type: "ssh-ed25519"/],
      [withType('ssh-dss-cert-v01@openssh.com'), /not a supported SSH certificate type/],
      [badCertType, /invalid cert type 3/],
    ];
    for (const [b, msg] of cases) {
      const err = errorOf(() => parseSshCertificate(b));
      expect(err).not.toBeInstanceOf(RangeError);
      expect(err.message).toMatch(msg);
    }
  });
});

describe('teleportCertFields', () => {
  const certWith = (extensions: Record<string, string>) =>
    parseSshCertificate(signSshCertificate({ ...baseOpts(), extensions }));

  it('reads Teleport identity from extensions', () => {
    const cert = certWith({
      'teleport-roles': '{"version":"v1","roles":["access","editor"]}',
      'teleport-traits': '{"logins":["root","alice"],"kubernetes_groups":null}',
      'teleport-route-to-cluster': 'leaf.example.com',
      'teleport-active-requests': '{"access_requests":["req-1"]}',
      'permit-pty': '',
      'permit-port-forwarding': '',
    });
    expect(teleportCertFields(cert)).toEqual({
      username: 'alice',
      principals: ['root', 'alice'],
      roles: ['access', 'editor'],
      traits: { logins: ['root', 'alice'], kubernetes_groups: [] },
      routeToCluster: 'leaf.example.com',
      activeRequests: ['req-1'],
      permissionExtensions: ['permit-port-forwarding', 'permit-pty'],
    });
    expect(teleportCertFields(certWith({ 'teleport-roles': '{"roles":["a"]}' })).roles).toEqual(['a']);
    const bare = teleportCertFields(certWith({}));
    expect(bare).toEqual({
      username: 'alice',
      principals: ['root', 'alice'],
      roles: [],
      traits: {},
      activeRequests: [],
      permissionExtensions: [],
    });
  });

  it('reports bad JSON clearly', () => {
    expect(() => teleportCertFields(certWith({ 'teleport-roles': '{nope' }))).toThrow(
      /teleport-roles is not valid JSON/,
    );
    expect(() => teleportCertFields(certWith({ 'teleport-traits': '[1]' }))).toThrow(
      /teleport-traits must be a JSON object/,
    );
    expect(() => teleportCertFields(certWith({ 'teleport-roles': '{"roles":[1]}' }))).toThrow(
      /list of strings/,
    );
  });

  it('lists the Teleport extension names', () => {
    expect(TELEPORT_EXTENSIONS).toContain('teleport-roles');
    expect(TELEPORT_EXTENSIONS).toContain('private-key-policy');
    expect(TELEPORT_EXTENSIONS).toHaveLength(17);
  });
});

describe.skipIf(!haveKeygen)('OpenSSH ssh-keygen interop', () => {
  const gen = {
    ed25519: () => generateKeyPairSync('ed25519').privateKey,
    p256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    rsa: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  };

  it.each([
    ['ed25519', 'ed25519'],
    ['p256', 'p256'],
    ['rsa', 'rsa'],
    ['ed25519', 'rsa'],
    ['rsa', 'p256'],
  ] as const)('ssh-keygen -L accepts a %s user cert signed by a %s CA', (user, ca) => {
    const opts: SignCertOptions = {
      ...baseOpts(),
      publicKey: gen[user](),
      caKey: gen[ca](),
      validAfter: new Date(Date.now() - 60_000),
      validBefore: new Date(Date.now() + 3_600_000),
      extensions: { 'permit-pty': '', 'teleport-roles': '{"roles":["access"]}', login: 'x y' },
    };
    const file = path.join(tmp, `cert-${user}-${ca}.pub`);
    fs.writeFileSync(file, marshalCertificateLine(signSshCertificate(opts)));
    const out = keygen(['-L', '-f', file]);
    expect(out).toMatch(/user certificate/);
    expect(out).toMatch(/Key ID: "alice"/);
    expect(out).toMatch(/Serial: 42/);
    expect(out).toMatch(
      /Principals:\s+root\s+alice\s+Critical Options:\s+source-address 10\.0\.0\.0\/8\s+Extensions:/,
    );
    expect(out).toMatch(
      /Extensions:\s+login UNKNOWN OPTION[^\n]*\n\s+permit-pty\s+teleport-roles UNKNOWN OPTION/,
    );
    if (ca === 'rsa') expect(out).toMatch(/using rsa-sha2-512/);

    // ssh-keygen checks the CA signature when it loads a cert, so a bad one must fail.
    const bad = signSshCertificate(opts);
    bad[bad.length - 5] ^= 0xff;
    fs.writeFileSync(file, marshalCertificateLine(bad));
    expect(() => keygen(['-L', '-f', file])).toThrow();
  });

  it.each(['ed25519', 'ecdsa', 'rsa'])(
    'parses and verifies a cert signed by an ssh-keygen %s CA',
    (caType) => {
      const ca = path.join(tmp, `kg-ca-${caType}`);
      const user = path.join(tmp, `kg-user-${caType}`);
      keygen(['-q', '-t', caType, '-N', '', '-f', ca]);
      keygen(['-q', '-t', 'ed25519', '-N', '', '-f', user]);
      keygen([
        '-q',
        '-s',
        ca,
        '-I',
        'id',
        '-n',
        'root,alice',
        '-V',
        '+1h',
        '-z',
        '7',
        '-O',
        'extension:permit-pty',
        '-O',
        'source-address=10.1.0.0/16',
        `${user}.pub`,
      ]);
      const cert = parseSshCertificateLine(fs.readFileSync(`${user}-cert.pub`, 'utf8'));
      expect(verifySshCertificate(cert)).toBe(true);
      expect(cert.keyId).toBe('id');
      expect(cert.serial).toBe(7n);
      expect(cert.certType).toBe(1);
      expect(cert.validPrincipals).toEqual(['root', 'alice']);
      expect(cert.extensions['permit-pty']).toBe('');
      expect(cert.criticalOptions).toEqual({ 'source-address': '10.1.0.0/16' });
      expect(cert.validBefore - cert.validAfter).toBeGreaterThan(3500n);
      expect(cert.publicKeyBlob).toEqual(parseAuthorizedKey(fs.readFileSync(`${user}.pub`, 'utf8')).blob);
      expect(cert.signatureKey).toEqual(parseAuthorizedKey(fs.readFileSync(`${ca}.pub`, 'utf8')).blob);
    },
  );

  it('reproduces an ssh-keygen Ed25519-CA cert byte for byte', () => {
    const ca = path.join(tmp, 'kg-exact-ca');
    const user = path.join(tmp, 'kg-exact-user');
    keygen(['-q', '-t', 'ed25519', '-N', '', '-f', ca]);
    keygen(['-q', '-t', 'ecdsa', '-N', '', '-f', user]);
    const opts = ['-O', 'clear', '-O', 'permit-pty', '-O', 'extension:login@example.com=hi there'];
    opts.push('-O', 'force-command=/bin/true', '-O', 'source-address=10.1.0.0/16');
    keygen(['-q', '-s', ca, '-I', 'exact', '-n', 'root', '-V', '+1h', '-z', '9', ...opts, `${user}.pub`]);
    const cert = parseSshCertificateLine(fs.readFileSync(`${user}-cert.pub`, 'utf8'));
    expect(cert.extensions).toEqual({ 'permit-pty': '', 'login@example.com': 'hi there' });
    expect(cert.criticalOptions).toEqual({ 'force-command': '/bin/true', 'source-address': '10.1.0.0/16' });
    const ours = signSshCertificate({
      publicKey: cert.publicKey,
      caKey: parseSshPrivateKey(fs.readFileSync(ca, 'utf8')),
      certType: cert.certType,
      serial: cert.serial,
      keyId: cert.keyId,
      principals: cert.validPrincipals,
      validAfter: cert.validAfter,
      validBefore: cert.validBefore,
      criticalOptions: cert.criticalOptions,
      extensions: cert.extensions,
      nonce: cert.nonce,
    });
    expect(ours.toString('hex')).toBe(cert.blob.toString('hex'));
  });

  it('ssh-keygen signs with a CA private key we wrote', () => {
    const ca = path.join(tmp, 'our-ca');
    const caPriv = gen.p256();
    fs.writeFileSync(ca, marshalSshPrivateKey(caPriv), { mode: 0o600 });
    const user = path.join(tmp, 'our-user.pub');
    fs.writeFileSync(user, marshalAuthorizedKey(gen.ed25519()));
    keygen(['-q', '-s', ca, '-I', 'x', '-n', 'bob', '-V', '+5m', user]);
    const cert = parseSshCertificateLine(fs.readFileSync(path.join(tmp, 'our-user-cert.pub'), 'utf8'));
    expect(cert.signatureKey).toEqual(sshPublicKeyBlob(caPriv));
    expect(verifySshCertificate(cert)).toBe(true);
  });
});
