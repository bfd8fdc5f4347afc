// Identity files (tsh login --out, tctl auth sign): api/identityfile/identityfile.go.
// Blocks in order: private key PEM, SSH cert line, TLS cert PEM, known_hosts CA lines, TLS CA PEMs.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { TshError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsutil.js';
import { marshalTLSPrivateKey, sameKey } from './keygen.js';
import { marshalKnownHostCA, parseKnownHostsLine } from './ssh/knownhosts.js';
import { parseAuthorizedKey } from './ssh/keys.js';
import type { TrustedCerts } from './keystore.js';

export const IDENTITY_FILE_MODE = 0o600;

export interface IdentityFile {
  privateKeyPem: string;
  /** Authorized_keys-form SSH cert line (no newline), or undefined. */
  sshCert?: string;
  /** Set when sshCert came from the <path>-cert.pub file next to the identity file. */
  sshCertFile?: string;
  tlsCert?: string;
  /** known_hosts-form `@cert-authority` lines. */
  knownHosts: string[];
  tlsCAs: string[];
}

const CERT_TYPE = /-cert-v01@openssh\.com$/;

function nl(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

export function encodeIdentityFile(id: IdentityFile): string {
  const parts = [id.privateKeyPem];
  if (id.sshCert) parts.push(id.sshCert);
  if (id.tlsCert) parts.push(id.tlsCert);
  parts.push(...id.knownHosts, ...id.tlsCAs);
  return parts.map(nl).join('');
}

/** Decoder rules as upstream: PEM blocks by position (key, TLS cert, CAs); lines by first token. */
export function decodeIdentityFile(text: string, source = 'identity file'): IdentityFile {
  const out: IdentityFile = { privateKeyPem: '', knownHosts: [], tlsCAs: [] };
  const pems: string[] = [];
  let current: string[] | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (current) {
      current.push(line);
      if (line.startsWith('-----END')) {
        pems.push(`${current.join('\n')}\n`);
        current = undefined;
      }
      continue;
    }
    if (line.startsWith('-----BEGIN')) {
      current = [line];
    } else if (line.startsWith('@cert-authority')) {
      out.knownHosts.push(line);
    } else if (CERT_TYPE.test(line.split(/\s+/)[0] ?? '')) {
      out.sshCert = line;
    }
  }
  if (current)
    throw new TshError(`${source}: PEM block is not terminated (file truncated?)`, 'bad-parameter');
  if (!pems.length)
    throw new TshError(`${source}: no private key found; is this an identity file?`, 'bad-parameter');
  [out.privateKeyPem, out.tlsCert] = pems;
  out.tlsCAs = pems.slice(2);
  return out;
}

/** Reads an identity file; like upstream, falls back to <path>-cert.pub for the SSH cert. */
export function readIdentityFile(path: string): IdentityFile {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new TshError(
      `cannot read identity file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      'not-found',
    );
  }
  const id = decodeIdentityFile(text, `identity file ${path}`);
  if (!id.sshCert) {
    try {
      id.sshCert = fs.readFileSync(`${path}-cert.pub`, 'utf8').trim() || undefined;
      if (id.sshCert) id.sshCertFile = `${path}-cert.pub`;
    } catch {
      // TLS-only identity: fine for gRPC, not for SSH
    }
  }
  return id;
}

export function identityPrivateKey(id: IdentityFile, source = 'identity file'): KeyObject {
  try {
    return createPrivateKey(id.privateKeyPem);
  } catch {
    throw new TshError(`${source}: the private key is corrupt or truncated`, 'bad-parameter');
  }
}

/** Builds the identity file for a login; upstream rejects mismatched SSH and TLS keys. */
export function buildIdentityFile(opts: {
  sshKey: KeyObject;
  tlsKey: KeyObject;
  sshCert?: string;
  tlsCert: string;
  proxyHost: string;
  trusted: TrustedCerts[];
}): IdentityFile {
  if (!sameKey(opts.sshKey, opts.tlsKey)) {
    throw new TshError(
      "identity files don't support mismatched SSH and TLS keys, this is a bug",
      'bad-parameter',
    );
  }
  const knownHosts = opts.trusted.flatMap((t) =>
    t.sshCAKeys.map((k) =>
      marshalKnownHostCA(opts.proxyHost, t.clusterName, parseAuthorizedKey(k).blob).trimEnd(),
    ),
  );
  return {
    privateKeyPem: marshalTLSPrivateKey(opts.tlsKey),
    sshCert: opts.sshCert?.trim(),
    tlsCert: opts.tlsCert,
    knownHosts,
    tlsCAs: opts.trusted.flatMap((t) => t.tlsCAs),
  };
}

export function writeIdentityFile(path: string, id: IdentityFile): void {
  writeFileAtomic(path, encodeIdentityFile(id), IDENTITY_FILE_MODE);
}

/** Cluster names named in the identity's known_hosts lines (second host, or *.cluster). */
export function identityClusters(id: IdentityFile): string[] {
  const names = new Set<string>();
  for (const l of id.knownHosts) {
    const e = parseKnownHostsLine(l);
    if (!e) continue;
    const h = e.hosts.find((x) => x.startsWith('*.'));
    if (h) names.add(h.slice(2));
  }
  return [...names];
}
