// tcp:// mode (lib/teleterm/apiserver/grpccredentials.go, lib/teleterm/teleterm.go): mutual TLS
// between the daemon and the app. The daemon makes a self-signed certificate for "localhost" and
// writes it as <certs dir>/tshd.crt (temp file + rename, 0600; the key stays in memory); the app
// writes renderer.crt and main-process.crt there. Those are read on each handshake (they may appear
// after start-up): a client must present a certificate one of them verifies. The daemon's calls to
// the app's events server present tshd.crt and trust renderer.crt.
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { generateKey, marshalTLSPrivateKey } from '../auth/keygen.js';
import { createSelfSignedCert } from '../proxy/selfsigned.js';
import { writeFileAtomic } from '../util/fsutil.js';
import { daemonError } from './errors.js';

export const TSHD_CERT = 'tshd.crt';
export const RENDERER_CERT = 'renderer.crt';
export const MAIN_PROCESS_CERT = 'main-process.crt';

/** A year: the daemon lives as long as the app session that started it. */
const TSHD_CERT_TTL_MS = 365 * 24 * 3600_000;

export interface TshdTls {
  certsDir: string;
  keyPem: string;
  certPem: string;
}

/** Makes the daemon's key pair and publishes its certificate as tshd.crt. */
export async function createTshdTls(certsDir: string): Promise<TshdTls> {
  const key = generateKey('ecdsa-p256');
  const certPem = await createSelfSignedCert({
    key,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    ttlMs: TSHD_CERT_TTL_MS,
  });
  fs.mkdirSync(certsDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(path.join(certsDir, TSHD_CERT), certPem, 0o600);
  return { certsDir, keyPem: marshalTLSPrivateKey(key), certPem };
}

/** The app's certificates present now (renderer.crt, main-process.crt). */
export function appCertificates(certsDir: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const name of [RENDERER_CERT, MAIN_PROCESS_CERT]) {
    let pem: Buffer;
    try {
      pem = fs.readFileSync(path.join(certsDir, name));
    } catch {
      continue;
    }
    try {
      out.push(new X509Certificate(pem));
    } catch {
      throw new Error('failed to add the client cert to the pool');
    }
  }
  if (!out.length) throw new Error('failed to read the client cert file');
  return out;
}

/** Whether the peer's certificate is one the app published or is signed by one of them. */
export function trustedPeer(peerDer: Buffer | undefined, pool: X509Certificate[]): boolean {
  if (!peerDer?.length) return false;
  let peer: X509Certificate;
  try {
    peer = new X509Certificate(peerDer);
  } catch {
    return false;
  }
  const now = Date.now();
  if (Date.parse(peer.validFrom) > now || Date.parse(peer.validTo) < now) return false;
  return pool.some((ca) => peer.raw.equals(ca.raw) || (peer.checkIssued(ca) && peer.verify(ca.publicKey)));
}

/** Credentials for calls to the app's events server: tshd.crt as client, renderer.crt trusted. */
export function eventsCredentials(t: TshdTls): ChannelCredentials {
  let renderer: Buffer;
  try {
    renderer = fs.readFileSync(path.join(t.certsDir, RENDERER_CERT));
  } catch (err) {
    throw daemonError(
      'bad-parameter',
      `could not create tshd events client credentials: ${(err as Error).message}`,
    );
  }
  return credentials.createSsl(renderer, Buffer.from(t.keyPem), Buffer.from(t.certPem));
}
