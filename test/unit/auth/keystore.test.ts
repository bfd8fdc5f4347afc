// FileKeyStore: upstream's v17+ ~/.tsh layout (keys/<proxy>/<user>, .pub, .key, .crt,
// <user>-ssh/<cluster>-cert.pub, cas/<cluster>.pem, certs.pem, known_hosts), checked byte for byte.
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, marshalTLSPrivateKey } from '../../../src/auth/keygen.js';
import {
  CA_FILE_MODE,
  FileKeyStore,
  pemBlocks,
  type KeyRing,
  type TrustedCerts,
} from '../../../src/auth/keystore.js';
import {
  marshalCertificateLine,
  parseSshCertificateLine,
  signSshCertificate,
  USER_CERT,
} from '../../../src/auth/ssh/cert.js';
import {
  marshalAuthorizedKey,
  marshalSshPrivateKey,
  parseSshPrivateKey,
  sshPublicKeyBlob,
} from '../../../src/auth/ssh/keys.js';
import { createTlsCa, issueTlsCert } from '../../../src/devcluster/tlsca.js';
import { TshError } from '../../../src/util/errors.js';

const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const haveKeygen = fs.existsSync(SSH_KEYGEN);

const PROXY = 'proxy.example.com';
const CLUSTER = 'root.example.com';

let tmp: string;
let oldUmask: number;
let sshCA1: KeyObject;
let sshCA2: KeyObject;
let tlsCAKey: KeyObject;
let tlsCAPem: string;
let tlsCAPem2: string;
let leafCAPem: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-keystore-'));
  oldUmask = process.umask(0o022);
  sshCA1 = generateKey('ed25519');
  sshCA2 = generateKey('ed25519');
  tlsCAKey = generateKey('ecdsa-p256');
  tlsCAPem = await createTlsCa({
    clusterName: CLUSTER,
    key: { privateKey: tlsCAKey, publicKey: createPublicKey(tlsCAKey) },
  });
  const k2 = generateKey('ecdsa-p256');
  tlsCAPem2 = await createTlsCa({
    clusterName: CLUSTER,
    key: { privateKey: k2, publicKey: createPublicKey(k2) },
  });
  const k3 = generateKey('ecdsa-p256');
  leafCAPem = await createTlsCa({
    clusterName: 'leaf',
    key: { privateKey: k3, publicKey: createPublicKey(k3) },
  });
});
afterAll(() => {
  process.umask(oldUmask);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const mode = (f: string) => fs.statSync(f).mode & 0o777;
let homeN = 0;
const newHome = () => path.join(tmp, `home${++homeN}`, '.tsh');

/** Every path under dir (relative, sorted), directories with a trailing slash. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${r}/`);
        walk(path.join(d, e.name), r);
      } else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

async function makeRing(user: string, suite: 'balanced' | 'legacy'): Promise<KeyRing> {
  const sshKey = suite === 'legacy' ? generateKey('rsa2048') : generateKey('ed25519');
  const tlsKey = suite === 'legacy' ? sshKey : generateKey('ecdsa-p256');
  const now = Math.floor(Date.now() / 1000);
  const sshCert = marshalCertificateLine(
    signSshCertificate({
      publicKey: createPublicKey(sshKey),
      caKey: sshCA1,
      certType: USER_CERT,
      serial: 1n,
      keyId: user,
      principals: [user, '-teleport-internal-join'],
      validAfter: BigInt(now - 60),
      validBefore: BigInt(now + 3600),
      extensions: { 'permit-pty': '', 'teleport-roles': '{"version":"v1","roles":["access"]}' },
    }),
  );
  const tlsCert = await issueTlsCert({
    caCertPem: tlsCAPem,
    caKey: tlsCAKey,
    publicKey: createPublicKey(tlsKey),
    notAfter: new Date(Date.now() + 3600_000),
    identity: { username: user, groups: ['access'], principals: [user] },
  });
  return {
    proxyHost: PROXY,
    username: user,
    clusterName: CLUSTER,
    sshKey,
    tlsKey,
    sshCert: sshCert.trimEnd(),
    tlsCert,
  };
}

const trusted = (sshCA: KeyObject, tlsCAs = [tlsCAPem], cluster = CLUSTER): TrustedCerts => ({
  clusterName: cluster,
  sshCAKeys: [marshalAuthorizedKey(sshCA).trimEnd()],
  tlsCAs,
});
const caLine = (proxy: string, cluster: string, key: KeyObject) =>
  `@cert-authority ${proxy},${cluster},*.${cluster} ssh-ed25519 ${sshPublicKeyBlob(key).toString('base64')} type=host`;

function thrown(fn: () => unknown): TshError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TshError);
    return err as TshError;
  }
  throw new Error('expected a TshError');
}

describe('writeKeyRing (balanced-v1: Ed25519 SSH, ECDSA TLS)', () => {
  let home: string;
  let store: FileKeyStore;
  let ring: KeyRing;
  const kd = () => path.join(home, 'keys', PROXY);

  beforeAll(async () => {
    home = newHome();
    store = new FileKeyStore(home);
    ring = await makeRing('alice', 'balanced');
    store.locked(() => store.writeKeyRing(ring));
  });

  it('writes exactly the v17 paths with upstream modes', () => {
    expect(tree(home)).toEqual([
      'keys/',
      `keys/${PROXY}/`,
      `keys/${PROXY}/alice`,
      `keys/${PROXY}/alice-ssh/`,
      `keys/${PROXY}/alice-ssh/${CLUSTER}-cert.pub`,
      `keys/${PROXY}/alice.crt`,
      `keys/${PROXY}/alice.key`,
      `keys/${PROXY}/alice.pub`,
    ]);
    for (const d of [home, path.join(home, 'keys'), kd(), path.join(kd(), 'alice-ssh')])
      expect(mode(d), d).toBe(0o700);
    for (const f of ['alice', 'alice.pub', 'alice.key', 'alice.crt', `alice-ssh/${CLUSTER}-cert.pub`]) {
      expect(mode(path.join(kd(), f)), f).toBe(0o600);
    }
  });

  it('<user> is the SSH key in OpenSSH format', () => {
    const text = fs.readFileSync(path.join(kd(), 'alice'), 'utf8');
    expect(text.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n')).toBe(true);
    expect(text.endsWith('\n-----END OPENSSH PRIVATE KEY-----\n')).toBe(true);
    expect(parseSshPrivateKey(text).equals(ring.sshKey)).toBe(true);
  });

  it.skipIf(!haveKeygen)('ssh-keygen reads <user> and derives <user>.pub', () => {
    const pub = execFileSync(SSH_KEYGEN, ['-y', '-f', path.join(kd(), 'alice')], { encoding: 'utf8' });
    expect(pub.trim().split(' ').slice(0, 2).join(' ')).toBe(
      fs.readFileSync(path.join(kd(), 'alice.pub'), 'utf8').trim(),
    );
  });

  it('<user>.pub is "<type> <b64>\\n"', () => {
    expect(fs.readFileSync(path.join(kd(), 'alice.pub'), 'utf8')).toBe(
      `ssh-ed25519 ${sshPublicKeyBlob(ring.sshKey).toString('base64')}\n`,
    );
  });

  it('<user>.key is the TLS key as PKCS#8, <user>.crt the cert as given', () => {
    expect(fs.readFileSync(path.join(kd(), 'alice.key'), 'utf8')).toBe(
      ring.tlsKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    );
    expect(fs.readFileSync(path.join(kd(), 'alice.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(fs.readFileSync(path.join(kd(), 'alice.crt'), 'utf8')).toBe(ring.tlsCert);
  });

  it('<user>-ssh/<cluster>-cert.pub is the cert line plus newline', () => {
    expect(fs.readFileSync(path.join(kd(), 'alice-ssh', `${CLUSTER}-cert.pub`), 'utf8')).toBe(
      `${ring.sshCert}\n`,
    );
  });

  it('readKeyRing round-trips', () => {
    const back = store.readKeyRing(PROXY, 'alice', CLUSTER);
    expect(back.sshKey.equals(ring.sshKey)).toBe(true);
    expect(back.tlsKey.equals(ring.tlsKey)).toBe(true);
    expect(back.sshCert).toBe(`${ring.sshCert}\n`);
    expect(parseSshCertificateLine(back.sshCert!).keyId).toBe('alice');
    expect(back.tlsCert).toBe(ring.tlsCert);
    expect(back).toMatchObject({ proxyHost: PROXY, username: 'alice', clusterName: CLUSTER });
    // Other cluster: no cert there, keys still read.
    expect(store.readKeyRing(PROXY, 'alice', 'leaf').sshCert).toBeUndefined();
  });

  it('rewriting is atomic: no temp files, same layout', () => {
    store.locked(() => store.writeKeyRing(ring));
    expect(tree(home).filter((p) => p.includes('.tmp'))).toEqual([]);
    expect(fs.readdirSync(home).sort()).toEqual(['keys']);
  });
});

describe('writeKeyRing (legacy suite: one RSA key)', () => {
  it('writes <user> and <user>.key as the same PKCS#1 key', async () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    const ring = await makeRing('bob', 'legacy');
    expect(ring.sshKey).toBe(ring.tlsKey);
    store.writeKeyRing(ring);
    const kd = path.join(home, 'keys', PROXY);
    const ssh = fs.readFileSync(path.join(kd, 'bob'), 'utf8');
    const tls = fs.readFileSync(path.join(kd, 'bob.key'), 'utf8');
    expect(ssh).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n$/);
    expect(tls).toBe(ssh);
    expect(tls).toBe(ring.tlsKey.export({ type: 'pkcs1', format: 'pem' }) as string);
    expect(fs.readFileSync(path.join(kd, 'bob.pub'), 'utf8')).toBe(
      `ssh-rsa ${sshPublicKeyBlob(ring.sshKey).toString('base64')}\n`,
    );
    const back = store.readKeyRing(PROXY, 'bob', CLUSTER);
    expect(back.sshKey.equals(ring.sshKey) && back.tlsKey.equals(ring.tlsKey)).toBe(true);
    if (haveKeygen) {
      const pub = execFileSync(SSH_KEYGEN, ['-y', '-f', path.join(kd, 'bob')], { encoding: 'utf8' });
      expect(pub.trim().split(' ').slice(0, 2).join(' ')).toBe(
        fs.readFileSync(path.join(kd, 'bob.pub'), 'utf8').trim(),
      );
    }
  });
});

describe('readKeyRing errors', () => {
  let ring: KeyRing;
  beforeAll(async () => {
    ring = await makeRing('carol', 'balanced');
  });
  const kd = (home: string) => path.join(home, 'keys', PROXY);

  const oneLine = (err: TshError) => {
    expect(err.message).not.toContain('\n');
    expect(err.message).not.toMatch(/\n\s+at /);
    expect(err.message).toMatch(/tshjs login/);
  };

  it('truncated <user>.key → relogin, names the file', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    store.writeKeyRing(ring);
    const keyFile = path.join(kd(home), 'carol.key');
    const full = fs.readFileSync(keyFile, 'utf8');
    fs.writeFileSync(keyFile, full.slice(0, Math.floor(full.length / 2)));
    const err = thrown(() => store.readKeyRing(PROXY, 'carol', CLUSTER));
    expect(err.kind).toBe('relogin');
    expect(err.message).toContain(keyFile);
    expect(err.message).toMatch(/corrupt or truncated/);
    oneLine(err);
  });

  it('garbage in the middle of <user>.key (END line intact) → relogin', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    store.writeKeyRing(ring);
    const keyFile = path.join(kd(home), 'carol.key');
    const lines = fs.readFileSync(keyFile, 'utf8').split('\n');
    fs.writeFileSync(keyFile, [lines[0], lines[1]!.slice(0, 10), ...lines.slice(-2)].join('\n'));
    const err = thrown(() => store.readKeyRing(PROXY, 'carol', CLUSTER));
    expect(err.kind).toBe('relogin');
    oneLine(err);
  });

  it('corrupt or missing <user> SSH key → relogin', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    store.writeKeyRing(ring);
    const sshFile = path.join(kd(home), 'carol');
    fs.writeFileSync(sshFile, '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n');
    let err = thrown(() => store.readKeyRing(PROXY, 'carol', CLUSTER));
    expect(err.kind).toBe('relogin');
    expect(err.message).toContain(sshFile);
    oneLine(err);
    fs.rmSync(sshFile);
    err = thrown(() => store.readKeyRing(PROXY, 'carol', CLUSTER));
    expect(err.kind).toBe('relogin');
    expect(err.message).toContain(sshFile);
    oneLine(err);
  });

  it('only a v16 <user>-x509.pem → relogin naming the legacy path', () => {
    const home = newHome();
    const dir = kd(home);
    fs.mkdirSync(path.join(dir, 'carol-ssh'), { recursive: true });
    // v16 layout: <user> key, <user>.pub, <user>-x509.pem; no .key/.crt.
    fs.writeFileSync(path.join(dir, 'carol'), ring.sshKey.export({ type: 'pkcs8', format: 'pem' }));
    fs.writeFileSync(path.join(dir, 'carol.pub'), marshalAuthorizedKey(ring.sshKey));
    fs.writeFileSync(path.join(dir, 'carol-x509.pem'), ring.tlsCert);
    fs.writeFileSync(path.join(dir, 'carol-ssh', `${CLUSTER}-cert.pub`), `${ring.sshCert}\n`);
    const err = thrown(() => new FileKeyStore(home).readKeyRing(PROXY, 'carol', CLUSTER));
    expect(err.kind).toBe('relogin');
    expect(err.message).toContain(path.join(dir, 'carol-x509.pem'));
    expect(err.message).toMatch(/legacy/);
    oneLine(err);
  });

  it('nothing stored → not-found', () => {
    const err = thrown(() => new FileKeyStore(newHome()).readKeyRing(PROXY, 'nobody', CLUSTER));
    expect(err.kind).toBe('not-found');
    oneLine(err);
  });

  it('empty <user>.crt → not-found rather than a crash', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    store.writeKeyRing(ring);
    fs.writeFileSync(path.join(kd(home), 'carol.crt'), '');
    expect(thrown(() => store.readKeyRing(PROXY, 'carol', CLUSTER)).kind).toBe('not-found');
  });
});

describe('writeTrustedCerts', () => {
  it('writes cas/<cluster>.pem, certs.pem and known_hosts with mode 0640', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    store.locked(() =>
      store.writeTrustedCerts(PROXY, [
        trusted(sshCA1, [tlsCAPem, tlsCAPem2]),
        trusted(sshCA1, [leafCAPem], 'leaf'),
      ]),
    );
    const kd = path.join(home, 'keys', PROXY);
    expect(tree(home)).toEqual([
      'keys/',
      `keys/${PROXY}/`,
      `keys/${PROXY}/cas/`,
      `keys/${PROXY}/cas/leaf.pem`,
      `keys/${PROXY}/cas/${CLUSTER}.pem`,
      `keys/${PROXY}/certs.pem`,
      'known_hosts',
    ]);
    expect(CA_FILE_MODE).toBe(0o640);
    for (const f of [`cas/${CLUSTER}.pem`, 'cas/leaf.pem', 'certs.pem'])
      expect(mode(path.join(kd, f)), f).toBe(0o640);
    expect(mode(path.join(home, 'known_hosts'))).toBe(0o640);
    expect(mode(path.join(kd, 'cas'))).toBe(0o700);

    // cas/<cluster>.pem: the PEMs concatenated.
    expect(fs.readFileSync(path.join(kd, 'cas', `${CLUSTER}.pem`), 'utf8')).toBe(tlsCAPem + tlsCAPem2);
    expect(fs.readFileSync(path.join(kd, 'cas', 'leaf.pem'), 'utf8')).toBe(leafCAPem);
    // certs.pem: each PEM followed by "\n" (upstream writes cert, then "\n").
    expect(fs.readFileSync(path.join(kd, 'certs.pem'), 'utf8')).toBe(
      `${leafCAPem}\n${tlsCAPem}\n${tlsCAPem2}\n`,
    );
    expect(store.readTrustedTLS(PROXY)).toEqual([leafCAPem, tlsCAPem, tlsCAPem2]);

    expect(fs.readFileSync(path.join(home, 'known_hosts'), 'utf8')).toBe(
      `${caLine(PROXY, CLUSTER, sshCA1)}\n${caLine(PROXY, 'leaf', sshCA1)}\n`,
    );
    expect(store.readKnownHostCAs(PROXY).map((e) => e.hosts)).toEqual([
      [PROXY, CLUSTER, `*.${CLUSTER}`],
      [PROXY, 'leaf', '*.leaf'],
    ]);
  });

  it('adds a trailing newline to a CA PEM that lacks one', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    store.writeTrustedCerts(PROXY, [trusted(sshCA1, [tlsCAPem.trimEnd()])]);
    const kd = path.join(home, 'keys', PROXY);
    expect(fs.readFileSync(path.join(kd, 'cas', `${CLUSTER}.pem`), 'utf8')).toBe(tlsCAPem);
    expect(fs.readFileSync(path.join(kd, 'certs.pem'), 'utf8')).toBe(`${tlsCAPem}\n`);
  });

  it('a rotated CA replaces the line for that proxy+cluster and keeps everything else', () => {
    const home = newHome();
    const other = generateKeyPairSync('ed25519').privateKey;
    const otherB64 = sshPublicKeyBlob(other).toString('base64');
    const unrelated = [
      '# my own hosts',
      `github.com ssh-ed25519 ${otherB64}`,
      caLine('other.example.com', CLUSTER, sshCA1), // same cluster name, other proxy
      `@cert-authority *.${CLUSTER} ssh-ed25519 ${otherB64} type=host`, // legacy form without proxy
      caLine(PROXY, 'leaf', other), // same proxy, cluster not being refreshed
    ];
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, 'known_hosts'), `${unrelated.join('\n')}\n\n`);
    const store = new FileKeyStore(home);

    store.writeTrustedCerts(PROXY, [trusted(sshCA1)]);
    const first = fs.readFileSync(path.join(home, 'known_hosts'), 'utf8');
    expect(first).toBe(`${[...unrelated, caLine(PROXY, CLUSTER, sshCA1)].join('\n')}\n`);

    // Same CA again: byte-identical, no duplicates.
    store.writeTrustedCerts(PROXY, [trusted(sshCA1)]);
    expect(fs.readFileSync(path.join(home, 'known_hosts'), 'utf8')).toBe(first);

    // Rotation: the new key replaces the old one for this proxy+cluster only.
    store.writeTrustedCerts(PROXY, [trusted(sshCA2)]);
    const rotated = fs.readFileSync(path.join(home, 'known_hosts'), 'utf8');
    expect(rotated).toBe(`${[...unrelated, caLine(PROXY, CLUSTER, sshCA2)].join('\n')}\n`);
    expect(rotated).not.toContain(caLine(PROXY, CLUSTER, sshCA1));
    expect(rotated).toContain(caLine('other.example.com', CLUSTER, sshCA1));

    // During a rotation both keys are trusted.
    store.writeTrustedCerts(PROXY, [
      {
        clusterName: CLUSTER,
        sshCAKeys: [marshalAuthorizedKey(sshCA2), marshalAuthorizedKey(sshCA1)],
        tlsCAs: [tlsCAPem],
      },
    ]);
    const both = fs.readFileSync(path.join(home, 'known_hosts'), 'utf8');
    expect(both).toBe(
      `${[...unrelated, caLine(PROXY, CLUSTER, sshCA2), caLine(PROXY, CLUSTER, sshCA1)].join('\n')}\n`,
    );
    expect(mode(path.join(home, 'known_hosts'))).toBe(0o640);

    // A cluster entry with no SSH CA keys leaves that cluster's lines alone.
    store.writeTrustedCerts(PROXY, [{ clusterName: CLUSTER, sshCAKeys: [], tlsCAs: [tlsCAPem] }]);
    expect(fs.readFileSync(path.join(home, 'known_hosts'), 'utf8')).toBe(both);
  });

  it('rejects an entry without a cluster name and skips path-like names', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    expect(thrown(() => store.writeTrustedCerts(PROXY, [trusted(sshCA1, [tlsCAPem], '')])).kind).toBe(
      'bad-parameter',
    );
    store.writeTrustedCerts(PROXY, [{ clusterName: '../evil', sshCAKeys: [], tlsCAs: [tlsCAPem] }]);
    expect(fs.readdirSync(path.join(home, 'keys', PROXY, 'cas'))).toEqual([]);
    expect(fs.existsSync(path.join(home, 'keys', 'evil.pem'))).toBe(false);
  });

  it('readTrustedTLS falls back to certs.pem and skips non-certificate blocks', () => {
    const home = newHome();
    const kd = path.join(home, 'keys', PROXY);
    fs.mkdirSync(kd, { recursive: true });
    const key = generateKey('ecdsa-p256').export({ type: 'pkcs8', format: 'pem' }) as string;
    fs.writeFileSync(path.join(kd, 'certs.pem'), `${tlsCAPem}\n${key}\n${leafCAPem}\n`);
    expect(new FileKeyStore(home).readTrustedTLS(PROXY)).toEqual([tlsCAPem, leafCAPem]);
    expect(pemBlocks(`${tlsCAPem}${key}`).map((b) => b.type)).toEqual(['CERTIFICATE', 'PRIVATE KEY']);
    expect(new FileKeyStore(newHome()).readTrustedTLS(PROXY)).toEqual([]);
  });
});

describe('deleteKeyRing / deleteAll', () => {
  async function populated(): Promise<{ home: string; store: FileKeyStore }> {
    const home = newHome();
    const store = new FileKeyStore(home);
    store.writeKeyRing(await makeRing('alice', 'balanced'));
    store.writeKeyRing(await makeRing('bob', 'balanced'));
    store.writeTrustedCerts(PROXY, [trusted(sshCA1)]);
    const kd = path.join(home, 'keys', PROXY);
    for (const d of ['alice-kube/root', 'alice-db/root', 'alice-app/root', 'bob-kube/root']) {
      fs.mkdirSync(path.join(kd, d), { recursive: true });
      fs.writeFileSync(path.join(kd, d, 'x.crt'), 'x');
    }
    fs.writeFileSync(path.join(kd, 'kube_credentials.lock'), '');
    fs.writeFileSync(path.join(home, `${PROXY}.yaml`), 'web_proxy_addr: proxy.example.com:443\n');
    fs.writeFileSync(path.join(home, 'current-profile'), `${PROXY}\n`);
    return { home, store };
  }

  it('deleteKeyRing removes exactly one user, then returns false', async () => {
    const { home, store } = await populated();
    const before = tree(home);
    expect(store.locked(() => store.deleteKeyRing(PROXY, 'alice'))).toBe(true);
    const removed = before.filter((p) => !tree(home).includes(p));
    expect(removed).toEqual(
      [
        `keys/${PROXY}/alice`,
        `keys/${PROXY}/alice-app/`,
        `keys/${PROXY}/alice-app/root/`,
        `keys/${PROXY}/alice-app/root/x.crt`,
        `keys/${PROXY}/alice-db/`,
        `keys/${PROXY}/alice-db/root/`,
        `keys/${PROXY}/alice-db/root/x.crt`,
        `keys/${PROXY}/alice-kube/`,
        `keys/${PROXY}/alice-kube/root/`,
        `keys/${PROXY}/alice-kube/root/x.crt`,
        `keys/${PROXY}/alice-ssh/`,
        `keys/${PROXY}/alice-ssh/${CLUSTER}-cert.pub`,
        `keys/${PROXY}/alice.crt`,
        `keys/${PROXY}/alice.key`,
        `keys/${PROXY}/alice.pub`,
        `keys/${PROXY}/kube_credentials.lock`,
      ].sort(),
    );
    expect(tree(home)).toContain(`keys/${PROXY}/bob.key`);
    expect(tree(home)).toContain(`keys/${PROXY}/bob-kube/root/x.crt`);
    expect(store.readKeyRing(PROXY, 'bob', CLUSTER).username).toBe('bob');
    expect(store.locked(() => store.deleteKeyRing(PROXY, 'alice'))).toBe(false);
    expect(store.deleteKeyRing(PROXY, 'nobody')).toBe(false);
    expect(store.deleteKeyRing('other.example.com', 'bob')).toBe(false);
  });

  it('deleteKeyRing also removes legacy <user>-x509.pem and <user>.ppk', async () => {
    const home = newHome();
    const kd = path.join(home, 'keys', PROXY);
    fs.mkdirSync(kd, { recursive: true });
    fs.writeFileSync(path.join(kd, 'dave-x509.pem'), 'x');
    fs.writeFileSync(path.join(kd, 'dave.ppk'), 'x');
    const store = new FileKeyStore(home);
    expect(store.deleteKeyRing(PROXY, 'dave')).toBe(true);
    expect(fs.readdirSync(kd)).toEqual([]);
    expect(store.deleteKeyRing(PROXY, 'dave')).toBe(false);
  });

  it('deleteAll keeps config/, azure/ and bin/', async () => {
    const { home, store } = await populated();
    for (const d of ['config', 'azure', 'bin']) {
      fs.mkdirSync(path.join(home, d));
      fs.writeFileSync(path.join(home, d, 'keep'), d);
    }
    store.locked(() => store.deleteAll());
    expect(tree(home)).toEqual(['azure/', 'azure/keep', 'bin/', 'bin/keep', 'config/', 'config/keep']);
    expect(fs.readFileSync(path.join(home, 'config', 'keep'), 'utf8')).toBe('config');
    // Nothing left to delete: no error.
    store.deleteAll();
    new FileKeyStore(path.join(tmp, 'never-created')).deleteAll();
  });

  it('locked() returns the callback value and releases the lock file', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    expect(store.locked(() => 42)).toBe(42);
    expect(() =>
      store.locked(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

// A login killed between its writes (each file is replaced atomically, but there are several) can
// leave a new key beside an old certificate; readers must say "log in again" rather than fail
// later in a way that blames the cluster.
describe('key/certificate pairs', () => {
  let oldRing: KeyRing;
  let newRing: KeyRing;
  beforeAll(async () => {
    oldRing = await makeRing('dave', 'balanced');
    newRing = await makeRing('dave', 'balanced');
  });
  const kd = (home: string) => path.join(home, 'keys', PROXY);

  it.each([
    ['TLS', 'dave.key', (r: KeyRing) => marshalTLSPrivateKey(r.tlsKey), 'dave.crt'],
    ['SSH', 'dave', (r: KeyRing) => marshalSshPrivateKey(r.sshKey), `dave-ssh/${CLUSTER}-cert.pub`],
  ])(
    'a new %s key beside the old certificate → relogin naming both files',
    (kind, keyName, key, certName) => {
      const home = newHome();
      const store = new FileKeyStore(home);
      store.writeKeyRing(oldRing);
      fs.writeFileSync(path.join(kd(home), keyName), key(newRing));
      const err = thrown(() => store.readKeyRing(PROXY, 'dave', CLUSTER));
      expect(err.kind).toBe('relogin');
      expect(err.message).toBe(
        `${kind} certificate ${path.join(kd(home), certName)} is not for the private key ${path.join(kd(home), keyName)} (an interrupted login?); run "tshjs login" again`,
      );
      // checkKeyPairs reads the keys from disk when given only the certificates.
      const tlsCert = fs.readFileSync(path.join(kd(home), 'dave.crt'), 'utf8');
      const sshCert = fs.readFileSync(path.join(kd(home), `dave-ssh/${CLUSTER}-cert.pub`), 'utf8');
      expect(thrown(() => store.checkKeyPairs(PROXY, 'dave', CLUSTER, { tlsCert, sshCert })).message).toBe(
        err.message,
      );
    },
  );

  it('a consistent set passes; a certificate without its key file → relogin', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    store.writeKeyRing(newRing);
    const { tlsCert, sshCert } = newRing;
    store.checkKeyPairs(PROXY, 'dave', CLUSTER, { tlsCert, sshCert });
    expect(store.readKeyRing(PROXY, 'dave', CLUSTER).tlsCert).toBe(tlsCert);
    fs.rmSync(path.join(kd(home), 'dave'));
    const err = thrown(() => store.checkKeyPairs(PROXY, 'dave', CLUSTER, { sshCert }));
    expect(err.kind).toBe('relogin');
    expect(err.message).toMatch(/is missing; run "tshjs login" again$/);
    // Only the certificates given are checked.
    store.checkKeyPairs(PROXY, 'dave', CLUSTER, { tlsCert });
  });
});

describe('locked(): leftovers of killed writers', () => {
  /** A pid that was alive a moment ago and is not now. */
  const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

  it('removes temp files of dead writers (they may hold keys), keeps live ones and other files', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    const dead = deadPid();
    const dirs = ['', 'keys/p', 'keys/p/cas', 'keys/p/u-ssh', 'keys/p/u-kube/c'];
    const stale = dirs.map((d) => path.join(home, d, `.secret.${dead}.0123abcd.tmp`));
    const live = path.join(home, 'keys/p', `.secret.${process.ppid}.0123abcd.tmp`);
    const other = [path.join(home, 'keys/p', 'notes.tmp'), path.join(home, 'keys/p', `.x.${dead}.tmp`)];
    for (const f of [...stale, live, ...other]) {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, '-----BEGIN PRIVATE KEY-----\n');
    }
    store.locked(() => undefined);
    for (const f of stale) expect(fs.existsSync(f), f).toBe(false);
    for (const f of [live, ...other]) expect(fs.existsSync(f), f).toBe(true);
  });

  it('the lock file always holds its owner; an empty one (torn write) is broken', () => {
    const home = newHome();
    const store = new FileKeyStore(home);
    fs.mkdirSync(home, { recursive: true });
    const lock = path.join(home, '.tshjs.lock');
    expect(store.locked(() => fs.readFileSync(lock, 'utf8'))).toMatch(
      new RegExp(`^${process.pid} [0-9a-f]{16}$`),
    );
    fs.writeFileSync(lock, '');
    const old = new Date(Date.now() - 5_000);
    fs.utimesSync(lock, old, old);
    expect(store.locked(() => 7)).toBe(7);
    expect(fs.readdirSync(home)).toEqual([]);
  });
});
