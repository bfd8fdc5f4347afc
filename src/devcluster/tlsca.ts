// Dev cluster TLS CA: self-signed cluster CA and leaf certificates laid out like Teleport's
// (lib/tlsca/parsegen.go GenerateSelfSignedCAWithConfig, lib/tlsca/ca.go GenerateCertificate).
// Names are encoded here, byte for byte as Go's crypto/x509 would, and handed to @peculiar/x509
// (which keeps a DER Name as is) for the rest of the certificate and the signature.
import { createHash, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509 from '@peculiar/x509';
import { Tag, expectTag, readChildren, readTlv } from '../auth/x509/der.js';
import {
  OID,
  identitySubjectAttributes,
  readCertificate,
  readCertificatesPem,
  type SubjectAttribute,
  type TlsIdentity,
} from '../auth/x509/identity.js';

/** defaults.CATTL: 10 * 365 days. */
export const CA_TTL_MS = 10 * 365 * 24 * 3600 * 1000;

let lib: Promise<typeof X509> | undefined;

/** @peculiar/x509 is slow to load, so only on first use. */
function loadX509(): Promise<typeof X509> {
  lib ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return lib;
}

// ---- DER encoding of names, Go style ----

function derTlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

function derOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const out: number[] = [];
  const push = (v: bigint) => {
    const groups = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  arcs.slice(2).forEach(push);
  return derTlv(Tag.OID, Buffer.from(out));
}

/** encoding/asn1: PrintableString when every char allows it ('*' and '&' do not), else UTF8String. */
function goStringTag(s: string): number {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s) ? Tag.PRINTABLE_STRING : Tag.UTF8_STRING;
}

function derSet(items: Buffer[]): Buffer {
  // DER SET OF: elements sorted by their encodings (Go's setEncoder does the same).
  return derTlv(0x20 | Tag.SET, Buffer.concat([...items].sort(Buffer.compare)));
}

/** A Name as Go's asn1.Marshal(pkix.Name.ToRDNSequence()) would encode it. */
export function encodeGoName(attrs: SubjectAttribute[]): Buffer {
  const rdns: Buffer[] = [];
  for (const a of attrs) {
    const atvs = a.values.map((v) =>
      derTlv(
        0x20 | Tag.SEQUENCE,
        Buffer.concat([derOid(a.oid), derTlv(goStringTag(v), Buffer.from(v, 'utf8'))]),
      ),
    );
    if (a.multiValued) rdns.push(derSet(atvs));
    else for (const atv of atvs) rdns.push(derSet([atv]));
  }
  return derTlv(0x20 | Tag.SEQUENCE, Buffer.concat(rdns));
}

// ---- keys and certificate assembly ----

type Signer = { key: CryptoKey; algorithm: Algorithm | EcdsaParams };

async function importSigner(key: KeyObject): Promise<Signer> {
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { key: await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']), algorithm: alg };
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    const k = await webcrypto.subtle.importKey(
      'pkcs8',
      pkcs8,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    return { key: k, algorithm: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams };
  }
  throw new Error(`TLS CA key must be RSA or ECDSA P-256, got ${key.asymmetricKeyType ?? 'unknown'}`);
}

function spkiDer(key: KeyObject): Buffer {
  return (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'der', type: 'spki' });
}

/** Go 1.25+ SubjectKeyId: first 20 bytes of SHA-256 over the subjectPublicKey bits. */
function subjectKeyId(spki: Buffer): string {
  const [, bits] = readChildren(expectTag(readTlv(spki), Tag.SEQUENCE, 'SubjectPublicKeyInfo'));
  const key = expectTag(bits, Tag.BIT_STRING, 'subjectPublicKey').value.subarray(1);
  return createHash('sha256').update(key).digest().subarray(0, 20).toString('hex');
}

/** Random positive serial below 2^128, minimal encoding (Go: rand.Int(rand.Reader, 1<<128)). */
function randomSerialHex(): string {
  const b = randomBytes(16);
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i).toString('hex');
}

const wholeSecond = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);
const u8 = (b: Buffer) => new Uint8Array(b);
const toPem = (der: ArrayBuffer) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/** Self-signed cluster CA: subject O=cluster, CN=cluster, serialNumber=<serial in decimal>; 10 years. */
export async function createTlsCa(opts: {
  clusterName: string;
  key: { privateKey: KeyObject; publicKey: KeyObject };
  notAfter?: Date;
}): Promise<string> {
  const x509 = await loadX509();
  const signer = await importSigner(opts.key.privateKey);
  const spki = spkiDer(opts.key.publicKey);
  const serial = randomSerialHex();
  // Teleport copies the serial into the subject so two CAs with the same key and name stay distinct.
  const name = encodeGoName([
    { oid: OID.organization, values: [opts.clusterName], multiValued: true },
    { oid: OID.commonName, values: [opts.clusterName], multiValued: true },
    { oid: OID.serialNumber, values: [BigInt(`0x${serial}`).toString(10)], multiValued: true },
  ]);
  const now = wholeSecond(new Date());
  const F = x509.KeyUsageFlags;
  let usage = F.digitalSignature | F.keyCertSign | F.cRLSign;
  if (opts.key.privateKey.asymmetricKeyType === 'rsa') usage |= F.keyEncipherment; // RSA key exchange
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: new x509.Name(u8(name)),
    issuer: new x509.Name(u8(name)),
    notBefore: now,
    notAfter: wholeSecond(opts.notAfter ?? new Date(now.getTime() + CA_TTL_MS)),
    publicKey: u8(spki),
    signingKey: signer.key,
    signingAlgorithm: signer.algorithm,
    // Same extensions, in the same order, as Go's CreateCertificate for this template.
    extensions: [
      new x509.KeyUsagesExtension(usage, true),
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.SubjectKeyIdentifierExtension(subjectKeyId(spki)),
    ],
  });
  return toPem(cert.rawData);
}

export interface LeafOptions {
  caCertPem: string;
  caKey: KeyObject;
  publicKey: KeyObject;
  notAfter: Date;
  dnsNames?: string[];
  ipAddresses?: string[];
  /**
   * One purpose only, in a non-critical extension after the SANs (database server and client
   * certificates: lib/auth/db.go). Default: serverAuth and clientAuth in Go's usual place.
   */
  extKeyUsage?: 'serverAuth' | 'clientAuth';
}

async function issueLeaf(opts: LeafOptions, subjectDer: Buffer): Promise<string> {
  const x509 = await loadX509();
  const caDer = readCertificatesPem(opts.caCertPem)[0];
  if (!caDer) throw new Error('CA certificate PEM has no CERTIFICATE block');
  const ca = readCertificate(caDer);
  if (!spkiDer(opts.caKey).equals(ca.spki)) throw new Error('CA key does not match the CA certificate');
  const signer = await importSigner(opts.caKey);
  const caSki = new x509.X509Certificate(u8(caDer)).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;

  // Teleport's GenerateCertificate moves IP-looking "DNS names" to IP SANs.
  const dns: string[] = [];
  const ips = [...(opts.ipAddresses ?? [])];
  for (const n of new Set(opts.dnsNames ?? [])) (isIP(n) ? ips : dns).push(n);

  const F = x509.KeyUsageFlags;
  const extensions: X509.Extension[] = [
    new x509.KeyUsagesExtension(F.digitalSignature | F.keyEncipherment, true),
    ...(opts.extKeyUsage
      ? []
      : [
          new x509.ExtendedKeyUsageExtension([
            x509.ExtendedKeyUsage.serverAuth,
            x509.ExtendedKeyUsage.clientAuth,
          ]),
        ]),
    new x509.BasicConstraintsExtension(false, undefined, true),
  ];
  if (caSki) extensions.push(new x509.AuthorityKeyIdentifierExtension(caSki));
  if (dns.length || ips.length) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...dns.map((value) => ({ type: 'dns' as const, value })),
        ...ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  if (opts.extKeyUsage) {
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage[opts.extKeyUsage]], false));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: new x509.Name(u8(subjectDer)),
    issuer: new x509.Name(u8(ca.subjectRaw)), // Go copies the parent's RawSubject
    notBefore: wholeSecond(new Date(Date.now() - 60_000)), // a minute back for clock skew, as Teleport does
    notAfter: wholeSecond(opts.notAfter),
    publicKey: u8(spkiDer(opts.publicKey)),
    signingKey: signer.key,
    signingAlgorithm: signer.algorithm,
    extensions,
  });
  return toPem(cert.rawData);
}

/** User (or service) certificate whose subject carries the Teleport identity. */
export function issueTlsCert(
  opts: LeafOptions & { identity: Partial<TlsIdentity> & { username: string } },
): Promise<string> {
  return issueLeaf(opts, encodeGoName(identitySubjectAttributes(opts.identity)));
}

/** Host/web server certificate: CN = commonName, O = organization (the cluster name); SANs as given. */
export function issueServerCert(
  opts: LeafOptions & { commonName: string; organization?: string },
): Promise<string> {
  const subject = encodeGoName([
    ...(opts.organization ? [{ oid: OID.organization, values: [opts.organization], multiValued: true }] : []),
    { oid: OID.commonName, values: [opts.commonName], multiValued: true },
  ]);
  return issueLeaf(opts, subject);
}
