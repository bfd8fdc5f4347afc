// Identity files (api/identityfile/identityfile.go): private key PEM, SSH cert line, TLS cert PEM,
// @cert-authority lines, TLS CA PEMs. Checked against files real Teleport wrote.
import { UPSTREAM_FIXTURES } from '../../helpers/fixtures.js';
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IDENTITY_FILE_MODE,
  buildIdentityFile,
  decodeIdentityFile,
  encodeIdentityFile,
  identityClusters,
  identityPrivateKey,
  readIdentityFile,
  writeIdentityFile,
  type IdentityFile,
} from '../../../src/auth/identityfile.js';
import { generateKey } from '../../../src/auth/keygen.js';
import {
  marshalCertificateLine,
  parseSshCertificateLine,
  signSshCertificate,
  teleportCertFields,
  USER_CERT,
} from '../../../src/auth/ssh/cert.js';
import { marshalAuthorizedKey, sshPublicKeyBlob } from '../../../src/auth/ssh/keys.js';
import { decodeTlsIdentity } from '../../../src/auth/x509/identity.js';
import { createTlsCa, issueTlsCert } from '../../../src/devcluster/tlsca.js';
import { TshError } from '../../../src/util/errors.js';

const FIXTURES = UPSTREAM_FIXTURES;
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

let tmp: string;
let userKey: KeyObject;
let sshCA: KeyObject;
let rootCAPem: string;
let leafCAPem: string;
let sshCertLine: string;
let tlsCertPem: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-identity-'));
  userKey = generateKey('ecdsa-p256');
  sshCA = generateKey('ed25519');
  const tlsCAKey = generateKey('ecdsa-p256');
  rootCAPem = await createTlsCa({
    clusterName: 'root',
    key: { privateKey: tlsCAKey, publicKey: createPublicKey(tlsCAKey) },
  });
  const leafKey = generateKey('ecdsa-p256');
  leafCAPem = await createTlsCa({
    clusterName: 'leaf',
    key: { privateKey: leafKey, publicKey: createPublicKey(leafKey) },
  });
  const now = Math.floor(Date.now() / 1000);
  sshCertLine = marshalCertificateLine(
    signSshCertificate({
      publicKey: createPublicKey(userKey),
      caKey: sshCA,
      certType: USER_CERT,
      serial: 7n,
      keyId: 'alice',
      principals: ['alice'],
      validAfter: BigInt(now - 60),
      validBefore: BigInt(now + 3600),
      extensions: { 'permit-pty': '' },
    }),
  ).trimEnd();
  tlsCertPem = await issueTlsCert({
    caCertPem: rootCAPem,
    caKey: tlsCAKey,
    publicKey: createPublicKey(userKey),
    notAfter: new Date(Date.now() + 3600_000),
    identity: { username: 'alice', groups: ['access'], principals: ['alice'] },
  });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const b64 = (k: KeyObject) => sshPublicKeyBlob(k).toString('base64');

function build(): IdentityFile {
  return buildIdentityFile({
    sshKey: userKey,
    tlsKey: userKey,
    sshCert: `${sshCertLine}\n`,
    tlsCert: tlsCertPem,
    proxyHost: 'proxy.example.com',
    trusted: [
      { clusterName: 'root', sshCAKeys: [marshalAuthorizedKey(sshCA)], tlsCAs: [rootCAPem] },
      { clusterName: 'leaf', sshCAKeys: [marshalAuthorizedKey(sshCA)], tlsCAs: [leafCAPem] },
    ],
  });
}

function thrown(fn: () => unknown): TshError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TshError);
    return err as TshError;
  }
  throw new Error('expected a TshError');
}

describe('encode / decode', () => {
  it('encodes blocks in upstream order, byte for byte', () => {
    const id = build();
    const keyPem = userKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const text = encodeIdentityFile(id);
    expect(text).toBe(
      keyPem +
        `${sshCertLine}\n` +
        tlsCertPem +
        `@cert-authority proxy.example.com,root,*.root ssh-ed25519 ${b64(sshCA)} type=host\n` +
        `@cert-authority proxy.example.com,leaf,*.leaf ssh-ed25519 ${b64(sshCA)} type=host\n` +
        rootCAPem +
        leafCAPem,
    );
  });

  it('round-trips both ways', () => {
    const id = build();
    const text = encodeIdentityFile(id);
    expect(decodeIdentityFile(text)).toEqual(id);
    expect(encodeIdentityFile(decodeIdentityFile(text))).toBe(text);
  });

  it('adds a missing trailing newline to each part', () => {
    const id = build();
    const squeezed: IdentityFile = {
      ...id,
      privateKeyPem: id.privateKeyPem.trimEnd(),
      tlsCert: id.tlsCert!.trimEnd(),
      tlsCAs: id.tlsCAs.map((p) => p.trimEnd()),
    };
    expect(encodeIdentityFile(squeezed)).toBe(encodeIdentityFile(id));
  });

  it('places PEM blocks by position and lines by their first token, in any order', () => {
    const id = build();
    const text = [
      '# a comment and junk are ignored',
      id.knownHosts[1],
      sshCertLine,
      id.privateKeyPem.trimEnd(),
      '',
      id.knownHosts[0],
      tlsCertPem.trimEnd(),
      rootCAPem.trimEnd(),
      leafCAPem.trimEnd(),
    ].join('\n');
    const back = decodeIdentityFile(text);
    expect(back.privateKeyPem).toBe(id.privateKeyPem);
    expect(back.sshCert).toBe(sshCertLine);
    expect(back.tlsCert).toBe(tlsCertPem);
    expect(back.knownHosts).toEqual([id.knownHosts[1], id.knownHosts[0]]);
    expect(back.tlsCAs).toEqual([rootCAPem, leafCAPem]);
    // CRLF line endings and indentation are trimmed away, as upstream's TrimSpace does.
    const crlf = encodeIdentityFile(id)
      .replace(/\n/g, '\r\n')
      .replace(/^(MII)/gm, '  $1');
    expect(decodeIdentityFile(crlf)).toEqual(id);
  });

  it('second PEM is always the TLS cert, later ones are CAs (even without a TLS cert)', () => {
    const keyPem = userKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(decodeIdentityFile(keyPem)).toEqual({ privateKeyPem: keyPem, knownHosts: [], tlsCAs: [] });
    const two = decodeIdentityFile(`${keyPem}${rootCAPem}`);
    expect(two.tlsCert).toBe(rootCAPem);
    expect(two.tlsCAs).toEqual([]);
  });

  it('writeIdentityFile writes 0600, readIdentityFile reads it back', () => {
    const file = path.join(tmp, 'alice.pem');
    const old = process.umask(0o022);
    try {
      writeIdentityFile(file, build());
    } finally {
      process.umask(old);
    }
    expect(IDENTITY_FILE_MODE).toBe(0o600);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe(encodeIdentityFile(build()));
    expect(readIdentityFile(file)).toEqual(build());
    expect(fs.readdirSync(tmp)).toEqual(['alice.pem']);
  });

  it('readIdentityFile takes the SSH cert from <path>-cert.pub when the file has none', () => {
    const file = path.join(tmp, 'nossh.pem');
    const id = { ...build(), sshCert: undefined };
    fs.writeFileSync(file, encodeIdentityFile(id));
    expect(readIdentityFile(file).sshCert).toBeUndefined();
    fs.writeFileSync(`${file}-cert.pub`, `${sshCertLine}\n`);
    expect(readIdentityFile(file).sshCert).toBe(sshCertLine);
    // Errors about the certificate name the file it came from.
    expect(readIdentityFile(file).sshCertFile).toBe(`${file}-cert.pub`);
  });

  it('readIdentityFile of a missing file is a not-found TshError', () => {
    const err = thrown(() => readIdentityFile(path.join(tmp, 'missing.pem')));
    expect(err.kind).toBe('not-found');
    expect(err.message).toContain('missing.pem');
    expect(err.message).toContain('ENOENT');
  });

  it('identityClusters lists the clusters of the CA lines', () => {
    expect(identityClusters(build())).toEqual(['root', 'leaf']);
  });
});

describe('upstream identity files', () => {
  it('key-cert-ca.pem: RSA key, SSH cert with legacy v1 roles, @cert-authority line, no TLS', () => {
    const text = fixture('identity-key-cert-ca.pem');
    const id = decodeIdentityFile(text);
    expect(id.privateKeyPem).toMatch(
      /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n$/,
    );
    expect(id.tlsCert).toBeUndefined();
    expect(id.tlsCAs).toEqual([]);
    expect(id.knownHosts).toHaveLength(1);
    expect(id.knownHosts[0]).toMatch(
      /^@cert-authority proxy\.example\.com,turing\.local,\*\.turing\.local ssh-rsa AAAAB3NzaC1yc2E\S+ type=host$/,
    );
    expect(identityClusters(id)).toEqual(['turing.local']);

    const key = createPrivateKey(id.privateKeyPem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(identityPrivateKey(id).equals(key)).toBe(true);

    const cert = parseSshCertificateLine(id.sshCert!);
    expect(cert.certType).toBe(USER_CERT);
    expect(cert.keyType).toBe('ssh-rsa');
    expect(cert.keyId).toBe('ekontsevoy');
    expect(cert.validPrincipals).toEqual(['ekontsevoy']);
    expect(cert.validBefore).toBe(1497166026n);
    expect(cert.extensions['teleport-roles']).toBe('{"version":"v1","roles":["user:ekontsevoy"]}');
    expect(teleportCertFields(cert).roles).toEqual(['user:ekontsevoy']);
    // The cert certifies the file's key.
    expect(cert.publicKeyBlob.equals(sshPublicKeyBlob(key))).toBe(true);

    expect(encodeIdentityFile(id)).toBe(text);
  });

  it('tls.pem: key, SSH cert, TLS cert, legacy "*.one" CA line, TLS CA', () => {
    const text = fixture('identity-tls.pem');
    const id = decodeIdentityFile(text);
    const key = createPrivateKey(id.privateKeyPem);
    expect(key.asymmetricKeyType).toBe('rsa');

    const cert = parseSshCertificateLine(id.sshCert!);
    expect(cert.keyId).toBe('alice');
    expect(cert.validPrincipals).toEqual(['alice']);
    expect(cert.extensions['teleport-roles']).toBe('{"version":"v1","roles":["admin"]}');
    expect(teleportCertFields(cert).roles).toEqual(['admin']);
    expect(cert.publicKeyBlob.equals(sshPublicKeyBlob(key))).toBe(true);

    // Second PEM block: the user's TLS cert, for the same key.
    const x = new X509Certificate(id.tlsCert!);
    expect(x.ca).toBe(false);
    expect(x.checkPrivateKey(key)).toBe(true);
    const tls = decodeTlsIdentity(id.tlsCert!);
    expect(tls.username).toBe('alice');
    expect(tls.groups).toEqual(['admin', 'default-implicit-role']);
    expect(tls.principals).toEqual(['alice']);
    expect(tls.issuerCommonName).toBe('one');
    expect(tls.expires.toISOString()).toBe('2019-08-13T11:55:26.000Z');

    // Third PEM block: a TLS CA of cluster "one" (the fixture's CA is from another run of
    // that cluster: its serialNumber differs from the user cert's issuer, so no signature check).
    expect(id.tlsCAs).toHaveLength(1);
    const ca = new X509Certificate(id.tlsCAs[0]!);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toMatch(/^O=one\nCN=one\nserialNumber=\d+$/);
    expect(x.issuer).toMatch(/^O=one\nCN=one\nserialNumber=\d+$/);

    expect(id.knownHosts).toHaveLength(1);
    expect(id.knownHosts[0]).toMatch(/^@cert-authority \*\.one ssh-rsa AAAAB3NzaC1yc2E\S+ type=host$/);
    expect(identityClusters(id)).toEqual(['one']);

    expect(encodeIdentityFile(id)).toBe(text);
  });
});

describe('errors', () => {
  it('a PEM block cut off before its END line', () => {
    const text = encodeIdentityFile(build());
    for (const cut of [
      text.indexOf('-----END PRIVATE KEY-----'),
      text.indexOf('-----END CERTIFICATE-----'),
    ]) {
      const err = thrown(() => decodeIdentityFile(text.slice(0, cut), 'identity file /tmp/x.pem'));
      expect(err.message).toBe('identity file /tmp/x.pem: PEM block is not terminated (file truncated?)');
      expect(err.kind).toBe('bad-parameter');
    }
  });

  it('a private key with lines missing parses as an identity but not as a key', () => {
    const id = build();
    const lines = id.privateKeyPem.split('\n');
    const broken = {
      ...id,
      privateKeyPem: [lines[0], lines[1]!.slice(0, 20), ...lines.slice(-2)].join('\n'),
    };
    const back = decodeIdentityFile(encodeIdentityFile(broken));
    const err = thrown(() => identityPrivateKey(back, 'identity file /tmp/x.pem'));
    expect(err.message).toBe('identity file /tmp/x.pem: the private key is corrupt or truncated');
  });

  it('a file with no PEM at all', () => {
    for (const text of ['', `${sshCertLine}\n`, 'hello\n']) {
      expect(thrown(() => decodeIdentityFile(text)).message).toBe(
        'identity file: no private key found; is this an identity file?',
      );
    }
  });

  it("buildIdentityFile rejects mismatched SSH/TLS keys with upstream's message", () => {
    const err = thrown(() =>
      buildIdentityFile({
        sshKey: generateKey('ed25519'),
        tlsKey: userKey,
        tlsCert: tlsCertPem,
        proxyHost: 'proxy.example.com',
        trusted: [],
      }),
    );
    expect(err.message).toBe("identity files don't support mismatched SSH and TLS keys, this is a bug");
    expect(err.kind).toBe('bad-parameter');
    // The mismatch check must not leave an OpenSSL error queued for the next crypto call.
    expect(() => createPrivateKey(userKey.export({ type: 'pkcs8', format: 'pem' }))).not.toThrow();
    // Same type, different key: rejected too.
    expect(
      thrown(() =>
        buildIdentityFile({
          sshKey: generateKey('ecdsa-p256'),
          tlsKey: userKey,
          tlsCert: tlsCertPem,
          proxyHost: 'p',
          trusted: [],
        }),
      ).message,
    ).toBe("identity files don't support mismatched SSH and TLS keys, this is a bug");
    // Equal keys given as distinct KeyObjects are fine.
    const copy = createPrivateKey(userKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() =>
      buildIdentityFile({ sshKey: copy, tlsKey: userKey, tlsCert: tlsCertPem, proxyHost: 'p', trusted: [] }),
    ).not.toThrow();
  });

  it('buildIdentityFile writes an RSA key as PKCS#1', () => {
    const rsa = generateKey('rsa2048');
    const id = buildIdentityFile({
      sshKey: rsa,
      tlsKey: rsa,
      tlsCert: tlsCertPem,
      proxyHost: 'p',
      trusted: [],
    });
    expect(id.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(id.sshCert).toBeUndefined();
    expect(id.knownHosts).toEqual([]);
  });
});
