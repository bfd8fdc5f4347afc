// Self-signed certificates the local servers present (the kube local proxy's CAs, the daemon's
// tshd.crt): subject CN=localhost O=Teleport, the given names, made and signed with one local key.
import { createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';

export interface SelfSignedOptions {
  /** The local ECDSA P-256 key the certificate is for and signed with. */
  key: KeyObject;
  dnsNames: string[];
  ipAddresses: string[];
  ttlMs: number;
  /** A CA (keyCertSign, CA:true), as the kube local CAs are. */
  ca?: boolean;
}

const toPem = (der: ArrayBuffer) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/.{64}/g, '$&\n')
    .replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

export async function createSelfSignedCert(o: SelfSignedOptions): Promise<string> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const pkcs8 = o.key.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(o.key).export({ format: 'der', type: 'spki' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spki, alg, true, ['verify']);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // positive
  const now = Math.floor(Date.now() / 1000) * 1000;
  const name = 'O=Teleport, CN=localhost';
  const F = x509.KeyUsageFlags;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: name,
    issuer: name,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + o.ttlMs),
    publicKey,
    signingKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.KeyUsagesExtension(F.digitalSignature | F.keyEncipherment | (o.ca ? F.keyCertSign : 0), true),
      new x509.BasicConstraintsExtension(!!o.ca, undefined, true),
      ...(o.ca
        ? []
        : [
            new x509.ExtendedKeyUsageExtension([
              x509.ExtendedKeyUsage.serverAuth,
              x509.ExtendedKeyUsage.clientAuth,
            ]),
          ]),
      new x509.SubjectAlternativeNameExtension([
        ...o.dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...o.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  });
  return toPem(cert.rawData);
}
