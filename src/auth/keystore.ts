// The on-disk key store in upstream's v17+ layout (lib/client/keystore.go, FSKeyStore and
// the trusted-certs store). Every write is atomic and done under one lock.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { TshError } from '../util/errors.js';
import {
  KEY_FILE_MODE,
  ensureDir,
  readFileIfExists,
  removeFileSecure,
  removeStaleTempFiles,
  withFileLock,
  writeFileAtomic,
} from '../util/fsutil.js';
import { marshalTLSPrivateKey } from './keygen.js';
import { readPrivateKey, removePrivateKey, removePrivateKeysUnder, writePrivateKey } from './keychain.js';
import { KeyPaths } from './keypaths.js';
import {
  marshalAuthorizedKey,
  marshalSshPrivateKey,
  parseSshPrivateKey,
  sshPublicKeyBlob,
} from './ssh/keys.js';
import { parseSshCertificateLine } from './ssh/cert.js';
import { knownHostCAEntries, marshalKnownHostCA, parseKnownHostsLine } from './ssh/knownhosts.js';
import { parseAuthorizedKey } from './ssh/keys.js';

/** CA files are public material; upstream writes them 0640. */
export const CA_FILE_MODE = 0o640;

export interface TrustedCerts {
  clusterName: string;
  /** SSH host CA public keys as authorized_keys lines. */
  sshCAKeys: string[];
  /** TLS CA certificates, PEM. */
  tlsCAs: string[];
}

export interface KeyRing {
  proxyHost: string;
  username: string;
  clusterName: string;
  sshKey: KeyObject;
  tlsKey: KeyObject;
  /** SSH certificate, authorized_keys form. */
  sshCert?: string;
  /** TLS certificate PEM. */
  tlsCert: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----\r?\n?/g;

export function pemBlocks(text: string): Array<{ type: string; pem: string; hasHeaders: boolean }> {
  const out: Array<{ type: string; pem: string; hasHeaders: boolean }> = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const pem = m[0].endsWith('\n') ? m[0] : `${m[0]}\n`;
    out.push({ type: m[1], pem, hasHeaders: /^[A-Za-z-]+:/m.test(m[2]) });
  }
  return out;
}

export class FileKeyStore {
  readonly paths: KeyPaths;
  constructor(readonly home: string) {
    this.paths = new KeyPaths(home);
  }

  /**
   * Serialises writers across processes. Holding the lock, it first removes the temp files of
   * writers that were killed before renaming them (they can hold private keys).
   */
  locked<T>(fn: () => T): T {
    ensureDir(this.home);
    return withFileLock(this.paths.lockFile(), () => {
      try {
        removeStaleTempFiles(this.home);
      } catch {
        // best effort: a leftover temp file must not stop a login
      }
      return fn();
    });
  }

  /**
   * Writes the key ring; callers hold the lock (see `locked`). Each file is replaced atomically,
   * but a crash between two of them can leave a new key beside an old certificate: readers
   * check every certificate against its key (checkKeyPairs) and ask for a new login then.
   */
  writeKeyRing(ring: KeyRing): void {
    const { proxyHost: p, username: u } = ring;
    ensureDir(this.paths.proxyKeyDir(p));
    writePrivateKey(this.paths.userTLSKey(p, u), marshalTLSPrivateKey(ring.tlsKey));
    writeFileAtomic(this.paths.userTLSCert(p, u), ring.tlsCert, KEY_FILE_MODE);
    writePrivateKey(this.paths.userSSHKey(p, u), marshalSshPrivateKey(ring.sshKey));
    writeFileAtomic(this.paths.userSSHPub(p, u), marshalAuthorizedKey(ring.sshKey), KEY_FILE_MODE);
    if (ring.sshCert) {
      const cert = ring.sshCert.endsWith('\n') ? ring.sshCert : `${ring.sshCert}\n`;
      writeFileAtomic(this.paths.sshCert(p, u, ring.clusterName), cert, KEY_FILE_MODE);
    }
  }

  /** Reads a key ring; explains what to do when files are missing, legacy or corrupt. */
  readKeyRing(proxyHost: string, username: string, clusterName: string): KeyRing {
    return this.readConsistent(() => this.readKeyRingOnce(proxyHost, username, clusterName));
  }

  /**
   * Runs a read of several key files; when it finds a certificate beside a key it was not issued
   * for, it reads again holding the writers' lock: a login running in another process may be
   * between two of its writes. Only a pair still mismatched then is an error.
   */
  readConsistent<T>(read: () => T): T {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof KeyMismatchError)) throw err;
      return this.locked(read);
    }
  }

  private readKeyRingOnce(proxyHost: string, username: string, clusterName: string): KeyRing {
    const p = proxyHost;
    const u = username;
    const keyFile = this.paths.userTLSKey(p, u);
    const keyPem = readPrivateKey(keyFile);
    const certPem = readFileIfExists(this.paths.userTLSCert(p, u));
    if (!keyPem?.length || !certPem?.length) {
      if (fs.existsSync(this.paths.legacyTLSCert(p, u))) {
        throw new TshError(
          `user TLS certificate was found at unsupported legacy path ${this.paths.legacyTLSCert(p, u)}; run "tshjs login" again`,
          'relogin',
        );
      }
      throw new TshError(`no credentials for ${u} at ${p}; run "tshjs login"`, 'not-found');
    }
    const tlsKey = parseKey(keyPem.toString('utf8'), keyFile);
    const sshKey = this.readSSHKey(this.paths.userSSHKey(p, u));
    const sshCert = readFileIfExists(this.paths.sshCert(p, u, clusterName))?.toString('utf8');
    this.checkKeyPairs(p, u, clusterName, { tlsKey, tlsCert: certPem.toString('utf8'), sshKey, sshCert });
    return {
      proxyHost: p,
      username: u,
      clusterName,
      sshKey,
      tlsKey,
      sshCert,
      tlsCert: certPem.toString('utf8'),
    };
  }

  /**
   * Throws a one-line "log in again" error unless each certificate given is for its private key
   * (the TLS certificate's public key against the TLS key, the SSH certificate's against the SSH
   * key). Keys not given are read from disk when their certificate is given.
   */
  checkKeyPairs(
    proxyHost: string,
    username: string,
    clusterName: string,
    ring: { tlsKey?: KeyObject; tlsCert?: string; sshKey?: KeyObject; sshCert?: string },
  ): void {
    const p = proxyHost;
    const u = username;
    if (ring.tlsCert?.trim()) {
      const certFile = this.paths.userTLSCert(p, u);
      const keyFile = this.paths.userTLSKey(p, u);
      const key = ring.tlsKey ?? this.readTLSKey(keyFile);
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(ring.tlsCert);
      } catch {
        throw new TshError(`TLS certificate ${certFile} is corrupt; run "tshjs login" again`, 'relogin');
      }
      if (!cert.checkPrivateKey(key)) throw mismatch('TLS', certFile, keyFile);
    }
    if (ring.sshCert?.trim()) {
      const certFile = this.paths.sshCert(p, u, clusterName);
      const keyFile = this.paths.userSSHKey(p, u);
      const key = ring.sshKey ?? this.readSSHKey(keyFile);
      let blob: Buffer;
      try {
        blob = parseSshCertificateLine(ring.sshCert.trim()).publicKeyBlob;
      } catch {
        throw new TshError(`SSH certificate ${certFile} is corrupt; run "tshjs login" again`, 'relogin');
      }
      if (!blob.equals(sshPublicKeyBlob(key))) throw mismatch('SSH', certFile, keyFile);
    }
  }

  private readTLSKey(file: string): KeyObject {
    const pem = readPrivateKey(file);
    if (!pem?.length)
      throw new TshError(`private key ${file} is missing; run "tshjs login" again`, 'relogin');
    return parseKey(pem.toString('utf8'), file);
  }

  private readSSHKey(file: string): KeyObject {
    const pem = readPrivateKey(file);
    if (!pem?.length) throw new TshError(`SSH key ${file} is missing; run "tshjs login" again`, 'relogin');
    try {
      return parseSshPrivateKey(pem.toString('utf8'));
    } catch (err) {
      throw new TshError(
        `SSH key ${file} is unreadable (${(err as Error).message}); run "tshjs login"`,
        'relogin',
      );
    }
  }

  /** Saves CAs to cas/<cluster>.pem, certs.pem and known_hosts; callers hold the lock. */
  writeTrustedCerts(proxyHost: string, trusted: TrustedCerts[]): void {
    ensureDir(this.paths.casDir(proxyHost));
    for (const t of trusted) {
      if (!t.clusterName) throw new TshError('trusted certificate has no cluster name', 'bad-parameter');
      if (t.clusterName.includes('..') || t.clusterName.includes('/')) continue;
      if (t.tlsCAs.length) {
        writeFileAtomic(
          this.paths.clusterCA(proxyHost, t.clusterName),
          t.tlsCAs.map(withNewline).join(''),
          CA_FILE_MODE,
        );
      }
    }
    const all = this.readTrustedTLS(proxyHost).map((c) => `${withNewline(c)}\n`);
    writeFileAtomic(this.paths.certsPem(proxyHost), all.join(''), CA_FILE_MODE);
    this.mergeKnownHosts(proxyHost, trusted);
  }

  /** All TLS CA PEMs under cas/ (CERTIFICATE blocks without headers), else certs.pem. */
  readTrustedTLS(proxyHost: string): string[] {
    const dir = this.paths.casDir(proxyHost);
    let files: string[] = [];
    try {
      files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.pem'))
        .sort();
    } catch {
      const legacy = readFileIfExists(this.paths.certsPem(proxyHost));
      return legacy ? certBlocks(legacy.toString('utf8')) : [];
    }
    return files.flatMap((f) => certBlocks(fs.readFileSync(`${dir}/${f}`, 'utf8')));
  }

  /** SSH host CA entries for a proxy from known_hosts. */
  readKnownHostCAs(proxyHost: string): Array<{ hosts: string[]; line: string }> {
    const text = readFileIfExists(this.paths.knownHosts())?.toString('utf8') ?? '';
    return knownHostCAEntries(text)
      .filter((e) => e.hosts[0] === proxyHost)
      .map((e) => ({ hosts: e.hosts, line: `${e.type} ${e.blob.toString('base64')}` }));
  }

  private mergeKnownHosts(proxyHost: string, trusted: TrustedCerts[]): void {
    const file = this.paths.knownHosts();
    const existing = (readFileIfExists(file)?.toString('utf8') ?? '').split('\n');
    const fresh: string[] = [];
    const freshClusters = new Set<string>();
    for (const t of trusted) {
      if (!t.sshCAKeys.length) continue;
      freshClusters.add(t.clusterName);
      for (const k of t.sshCAKeys)
        fresh.push(marshalKnownHostCA(proxyHost, t.clusterName, parseAuthorizedKey(k).blob).trimEnd());
    }
    const kept: string[] = [];
    const seen = new Set<string>();
    for (const line of existing) {
      const trimmed = line.trim();
      if (!trimmed) continue;
      let entry: ReturnType<typeof parseKnownHostsLine> = null;
      try {
        entry = parseKnownHostsLine(trimmed);
      } catch {
        entry = null;
      }
      // Prune stale CA keys for this proxy's clusters that we are replacing.
      if (
        entry?.marker === '@cert-authority' &&
        entry.hosts[0] === proxyHost &&
        freshClusters.has(entry.hosts[1] ?? '')
      ) {
        continue;
      }
      if (!seen.has(trimmed)) {
        seen.add(trimmed);
        kept.push(trimmed);
      }
    }
    for (const line of fresh) {
      if (!seen.has(line)) {
        seen.add(line);
        kept.push(line);
      }
    }
    writeFileAtomic(file, kept.length ? `${kept.join('\n')}\n` : '', CA_FILE_MODE);
  }

  /** Removes one user's keys from one proxy; true if anything was there. Caller holds the lock. */
  deleteKeyRing(proxyHost: string, username: string): boolean {
    const p = proxyHost;
    const u = username;
    let found = false;
    for (const f of [this.paths.userSSHKey(p, u), this.paths.userTLSKey(p, u)])
      found = removePrivateKey(f) || found;
    for (const f of [
      this.paths.userSSHKey(p, u),
      this.paths.userTLSKey(p, u),
      this.paths.userSSHPub(p, u),
      this.paths.userTLSCert(p, u),
      this.paths.legacyTLSCert(p, u),
      this.paths.ppk(p, u),
    ]) {
      if (removeFileSecure(f)) found = true;
    }
    fs.rmSync(this.paths.kubeCredLock(p), { force: true });
    for (const d of this.paths.userCredentialDirs(p, u)) {
      if (fs.existsSync(d)) {
        found = true;
        removeTreeSecure(d);
      }
    }
    return found;
  }

  /** Logout of everything: remove all of <home> but config/, azure/ and bin/. Caller holds the lock. */
  deleteAll(): void {
    removePrivateKeysUnder(this.home);
    const keep = new Set(['config', 'azure', 'bin', '.tshjs.lock']);
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(this.home);
    } catch {
      return;
    }
    for (const name of entries) {
      if (keep.has(name)) continue;
      removeTreeSecure(`${this.home}/${name}`);
    }
  }
}

function removeTreeSecure(p: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return;
  }
  if (st.isDirectory()) {
    for (const child of fs.readdirSync(p)) removeTreeSecure(`${p}/${child}`);
    fs.rmdirSync(p);
  } else {
    removeFileSecure(p);
  }
}

function withNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

function certBlocks(text: string): string[] {
  return pemBlocks(text)
    .filter((b) => b.type === 'CERTIFICATE' && !b.hasHeaders)
    .map((b) => b.pem);
}

/** A certificate beside a key it was not issued for (a login killed between writes, or one in progress). */
export class KeyMismatchError extends TshError {}

function mismatch(kind: 'TLS' | 'SSH', certFile: string, keyFile: string): TshError {
  return new KeyMismatchError(
    `${kind} certificate ${certFile} is not for the private key ${keyFile} (an interrupted login?); run "tshjs login" again`,
    'relogin',
  );
}

function parseKey(pem: string, file: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new TshError(`private key ${file} is corrupt or truncated; run "tshjs login" again`, 'relogin');
  }
}
