// Fuzzing identity files (src/auth/identityfile.ts) the way `tshjs -i FILE` reads one: the
// blocks, then every part in it (private key, SSH cert line, TLS cert, known_hosts CA lines, CAs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe } from 'vitest';
import {
  decodeIdentityFile,
  encodeIdentityFile,
  identityClusters,
  identityPrivateKey,
} from '../../src/auth/identityfile.js';
import { pemBlocks } from '../../src/auth/keystore.js';
import {
  marshalCertificateLine,
  parseSshCertificateLine,
  signSshCertificate,
} from '../../src/auth/ssh/cert.js';
import { marshalKnownHostCA } from '../../src/auth/ssh/knownhosts.js';
import { sshPublicKeyBlob } from '../../src/auth/ssh/keys.js';
import { decodeTlsIdentity, readCertificatesPem } from '../../src/auth/x509/identity.js';
import { UPSTREAM_FIXTURES } from '../helpers/fixtures.js';
import { fuzz, hostileBytes, hostileString, parseOrTypedError, pem } from './harness.js';
import { caKey, tlsSeeds } from './seeds.js';

const tls = await tlsSeeds();
const sshCert = marshalCertificateLine(
  signSshCertificate({
    publicKey: tls.key,
    caKey,
    certType: 1,
    serial: 1n,
    keyId: 'alice',
    principals: ['alice'],
    validAfter: 0n,
    validBefore: 0xffffffffffffffffn,
    extensions: { 'permit-pty': '' },
  }),
).trimEnd();
const ours = encodeIdentityFile({
  privateKeyPem: tls.keyPem,
  sshCert,
  tlsCert: tls.certPem,
  knownHosts: [marshalKnownHostCA('proxy.example.com', 'root.example', sshPublicKeyBlob(caKey)).trimEnd()],
  tlsCAs: [tls.caPem],
});
// Files real Teleport wrote (shared/fixtures), when the checkout has them beside it.
const upstream = ['identity-tls.pem', 'identity-key-cert-ca.pem']
  .map((f) => path.join(UPSTREAM_FIXTURES, f))
  .filter((f) => fs.existsSync(f))
  .map((f) => fs.readFileSync(f, 'utf8'));
const SEEDS = [ours, ...upstream];
const TOKENS = [
  '-----BEGIN ',
  '-----END ',
  'CERTIFICATE-----',
  'RSA PRIVATE KEY-----',
  '\n',
  '\r\n',
  '@cert-authority ',
  'ssh-ed25519-cert-v01@openssh.com ',
  '==',
  ' ',
];

/** Loading an identity file end to end, as client/identity.ts does. */
function load(text: string): void {
  const id = decodeIdentityFile(text, 'fuzz');
  identityPrivateKey(id, 'fuzz');
  if (id.sshCert) parseSshCertificateLine(id.sshCert);
  if (id.tlsCert) decodeTlsIdentity(id.tlsCert);
  identityClusters(id);
  for (const ca of id.tlsCAs) readCertificatesPem(ca);
  pemBlocks(text);
}

describe('identity files (src/auth/identityfile.ts)', () => {
  fuzz(
    'mutated identity files',
    hostileString(SEEDS, TOKENS),
    (text) => void parseOrTypedError(text, () => load(text)),
    {
      weight: 1.5,
    },
  );
  // A damaged private key inside an otherwise good file.
  const keyDer = Buffer.from(tls.keyPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  fuzz(
    'identity files with a damaged key or certificate',
    fc
      .tuple(hostileBytes([keyDer]), hostileBytes(readCertificatesPem(tls.certPem)))
      .map(([k, c]) =>
        ours.replace(tls.keyPem, pem('PRIVATE KEY', k)).replace(tls.certPem, pem('CERTIFICATE', c)),
      ),
    (text) => void parseOrTypedError(text, () => load(text)),
    { weight: 0.5 },
  );
});
