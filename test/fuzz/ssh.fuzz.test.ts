// Fuzzing the SSH codecs: wire reader, public/private keys and authorized_keys lines
// (src/auth/ssh/keys.ts), certificates (cert.ts), known_hosts (knownhosts.ts) and the
// certificate checks a client or server runs on what a peer sent (src/wire/ssh2certs.ts).
import fc from 'fast-check';
import { describe } from 'vitest';
import {
  parseSshCertificate,
  parseSshCertificateLine,
  teleportCertFields,
  verifySshCertificate,
} from '../../src/auth/ssh/cert.js';
import {
  parseAuthorizedKey,
  parseSshPrivateKey,
  parseSshPublicKeyBlob,
  sshPublicKeyBlob,
  sshSign,
  sshVerify,
} from '../../src/auth/ssh/keys.js';
import { knownHostCAEntries, parseKnownHostsLine } from '../../src/auth/ssh/knownhosts.js';
import { SshReader } from '../../src/auth/ssh/wire.js';
import { checkHostCert, verifyUserCert } from '../../src/wire/ssh2certs.js';
import { fuzz, hostileBytes, hostileString, parseOrTypedError } from './harness.js';
import {
  authorizedKeyLines,
  caKey,
  certBlobs,
  certLines,
  knownHostsLines,
  privateKeyPems,
  publicKeyBlobs,
  sshKeys,
} from './seeds.js';

const b64 = (b: Buffer) => b.toString('base64');
const LINE_TOKENS = [
  ' ',
  '\t',
  '\r',
  '\n',
  '=',
  '==',
  '+',
  '/',
  '@cert-authority',
  '@revoked',
  '#',
  ',',
  'ssh-rsa',
  'ssh-ed25519-cert-v01@openssh.com',
  'AAAA',
];

describe('SSH wire reader (src/auth/ssh/wire.ts)', () => {
  const reads = fc.array(
    fc.constantFrom('u8', 'u32', 'u64', 'bool', 'string', 'stringUtf8', 'mpint', 'rest', 'expectEnd'),
    {
      maxLength: 12,
    },
  );
  fuzz('any read sequence over any bytes', fc.tuple(hostileBytes(publicKeyBlobs), reads), ([bytes, ops]) => {
    parseOrTypedError(bytes, () => {
      const r = new SshReader(bytes);
      for (const op of ops) (r[op as keyof SshReader] as () => unknown).call(r);
    });
  });
});

describe('SSH public and private keys (src/auth/ssh/keys.ts)', () => {
  fuzz(
    'public key blobs',
    hostileBytes(publicKeyBlobs),
    (b) => void parseOrTypedError(b, () => parseSshPublicKeyBlob(b)),
    { weight: 2 },
  );
  fuzz(
    'authorized_keys lines',
    fc.oneof(
      hostileString(authorizedKeyLines, LINE_TOKENS),
      hostileBytes(publicKeyBlobs).map((b) => `ssh-ed25519 ${b64(b)} c`),
    ),
    (line) => void parseOrTypedError(line, () => parseAuthorizedKey(line)),
  );
  // The binary inside the PEM is what a damaged key file differs in: mutate it, then re-wrap.
  const openssh = privateKeyPems.filter((p) => p.includes('OPENSSH'));
  const body = (p: string) => Buffer.from(p.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const wrap = (label: string) => (b: Buffer) =>
    `-----BEGIN ${label}-----\n${b64(b).replace(/.{70}/g, '$&\n')}\n-----END ${label}-----\n`;
  fuzz(
    'private keys (OpenSSH, PKCS#1, PKCS#8, SEC1)',
    fc.oneof(
      hostileBytes(openssh.map(body)).map(wrap('OPENSSH PRIVATE KEY')),
      hostileBytes(privateKeyPems.filter((p) => !p.includes('OPENSSH')).map(body)).map(
        wrap('RSA PRIVATE KEY'),
      ),
      hostileBytes([sshKeys.p256!.export({ format: 'der', type: 'pkcs8' })]).map(wrap('PRIVATE KEY')),
      hostileBytes([sshKeys.p384!.export({ format: 'der', type: 'sec1' })]).map(wrap('EC PRIVATE KEY')),
      hostileString(privateKeyPems, [
        '-----BEGIN ',
        '-----END ',
        'OPENSSH PRIVATE KEY-----',
        '\n',
        'Proc-Type: 4,ENCRYPTED',
      ]),
    ),
    (text) => void parseOrTypedError(text, () => parseSshPrivateKey(text)),
    { weight: 0.5 },
  );
  const sigs = Object.values(sshKeys).map((k) => ({
    blob: sshPublicKeyBlob(k),
    sig: sshSign(k, Buffer.from('data')),
  }));
  fuzz(
    'signature blobs',
    fc.tuple(fc.constantFrom(...sigs), hostileBytes(sigs.map((s) => s.sig))),
    ([{ blob }, sig]) => {
      const ok = parseOrTypedError(sig, () => sshVerify(blob, Buffer.from('data'), sig));
      if (ok !== undefined && typeof ok !== 'boolean') throw new Error('sshVerify returned a non-boolean');
    },
    { weight: 0.5 },
  );
});

describe('SSH certificates (src/auth/ssh/cert.ts)', () => {
  fuzz(
    'certificate blobs',
    hostileBytes(certBlobs, 1024),
    (b) =>
      void parseOrTypedError(b, () => {
        const cert = parseSshCertificate(b);
        verifySshCertificate(cert);
        return teleportCertFields(cert);
      }),
    { weight: 3 },
  );
  fuzz(
    'certificate lines',
    fc.oneof(
      hostileString(certLines, LINE_TOKENS),
      hostileBytes(certBlobs).map((b) => `ssh-ed25519-cert-v01@openssh.com ${b64(b)}`),
    ),
    (line) => void parseOrTypedError(line, () => parseSshCertificateLine(line)),
  );
});

describe('known_hosts (src/auth/ssh/knownhosts.ts)', () => {
  fuzz(
    'known_hosts lines and files',
    fc.oneof(
      hostileString(knownHostsLines, LINE_TOKENS),
      hostileBytes(publicKeyBlobs).map((b) => `@cert-authority *.example ssh-ed25519 ${b64(b)} type=host`),
      fc.array(hostileString(knownHostsLines, LINE_TOKENS), { maxLength: 5 }).map((l) => l.join('\n')),
    ),
    (text) => {
      parseOrTypedError(text, () => parseKnownHostsLine(text));
      // The whole-file reader skips bad lines: it must never throw at all.
      knownHostCAEntries(text);
    },
    { weight: 2 },
  );
});

describe('certificate checks on what a peer presents (src/wire/ssh2certs.ts)', () => {
  const caBlobs = Object.values(sshKeys).map((k) => sshPublicKeyBlob(k));
  fuzz(
    'host and user certificates from the wire',
    hostileBytes(certBlobs, 1024),
    (b) => {
      parseOrTypedError(b, () => checkHostCert(b, { caBlobs, host: ['node.example.com', 'alice'] }));
      parseOrTypedError(b, () => {
        const algo = b.length >= 4 ? b.subarray(4, 4 + Math.min(b.readUInt32BE(0), 64)).toString() : '';
        return verifyUserCert({ algo, data: b } as never, [sshPublicKeyBlob(caKey), ...caBlobs], {
          principal: 'alice',
        });
      });
    },
    { weight: 2 },
  );
});
