// Fuzzing the X.509 readers: the DER walker (src/auth/x509/der.ts) and the Teleport identity
// decoder (src/auth/x509/identity.ts), on certificates issued by the dev cluster's CA code.
import fc from 'fast-check';
import { describe } from 'vitest';
import {
  decodeOid,
  decodeString,
  decodeTime,
  integerHex,
  readChildren,
  readTlv,
  type Tlv,
} from '../../src/auth/x509/der.js';
import {
  OID,
  decodeTlsIdentity,
  identitySubjectAttributes,
  readCertificate,
  readCertificatesPem,
  type SubjectAttribute,
} from '../../src/auth/x509/identity.js';
import { encodeGoName } from '../../src/devcluster/tlsca.js';
import { FuzzDefect, fuzz, hostileBytes, hostileString, parseOrTypedError, pem } from './harness.js';
import { tlsSeeds } from './seeds.js';

const { certPem, caPem } = await tlsSeeds();
const certDers = [...readCertificatesPem(certPem), ...readCertificatesPem(caPem)];

/** Every TLV of a DER tree, decoded every way a reader might (depth-bounded like real callers). */
function walk(t: Tlv, depth: number): void {
  if (t.constructed && depth < 8) {
    for (const c of readChildren(t)) walk(c, depth + 1);
    return;
  }
  for (const decode of [decodeOid, integerHex]) {
    try {
      decode(t.value);
    } catch (err) {
      if (!(err instanceof Error) || err.name !== 'DerError') throw err;
    }
  }
  for (const decode of [decodeString, decodeTime]) {
    try {
      const v = decode(t);
      if (v instanceof Date && Number.isNaN(v.getTime()))
        throw new FuzzDefect('decodeTime gave an invalid Date', t.raw);
    } catch (err) {
      if (!(err instanceof Error) || err.name !== 'DerError') throw err;
    }
  }
}

function derTlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  const len =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), value]);
}

/** The seed certificate with its subject replaced (readers do not check the signature). */
function withSubject(subject: Buffer): Buffer {
  const cert = readTlv(certDers[0]!);
  const [tbs, ...rest] = readChildren(cert);
  const fields = readChildren(tbs!).map((t) => t.raw);
  fields[5] = subject; // version, serial, signature, issuer, validity, subject
  const newTbs = derTlv(0x30, Buffer.concat(fields));
  return derTlv(0x30, Buffer.concat([newTbs, ...rest.map((t) => t.raw)]));
}

const text = fc.string({ maxLength: 12, unit: 'grapheme' });
const traitKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'logins', ''), text);
const traits = fc.dictionary(traitKey, fc.array(text, { maxLength: 3 }), { maxKeys: 4 });

const PEM_TOKENS = ['-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----', '\n', '=', '====', '-', 'A'];

describe('DER (src/auth/x509/der.ts)', () => {
  fuzz(
    'TLV trees and primitive decoders',
    fc.oneof(
      hostileBytes(certDers, 256),
      hostileBytes([
        Buffer.from('170d3234303130313030303030305a', 'hex'),
        Buffer.from('181332303234303130313030303030302e3132335a', 'hex'),
        Buffer.from('06092a864886f70d010101', 'hex'),
      ]),
    ),
    (der) => void parseOrTypedError(der, () => walk(readTlv(der), 0)),
    { weight: 3 },
  );
});

describe('TLS identity (src/auth/x509/identity.ts)', () => {
  fuzz(
    'certificates (DER)',
    hostileBytes(certDers, 1024),
    (der) =>
      void parseOrTypedError(der, () => {
        readCertificate(der);
        const id = decodeTlsIdentity(der);
        // What callers do next with the dates (checkValid, status): they must be real dates.
        id.expires.toISOString();
        id.notBefore.toISOString();
        id.previousIdentityExpires?.toISOString();
        if (Object.getPrototypeOf(id.traits) !== Object.prototype)
          throw new FuzzDefect('traits prototype changed', der);
      }),
    { weight: 4 },
  );
  fuzz(
    'certificates (PEM text)',
    fc.oneof(
      hostileString([certPem, caPem + certPem], PEM_TOKENS),
      hostileBytes(certDers).map((b) => pem('CERTIFICATE', b)),
    ),
    (text) =>
      void parseOrTypedError(text, () => {
        readCertificatesPem(text);
        return decodeTlsIdentity(text);
      }),
  );
});

describe('TLS identity subject values (src/auth/x509/identity.ts)', () => {
  fuzz(
    'traits and names come back as issued',
    fc.record({ username: text, groups: fc.array(text, { maxLength: 3 }), traits }),
    (id) => {
      const got = decodeTlsIdentity(withSubject(encodeGoName(identitySubjectAttributes(id))));
      const entries = (t: Record<string, string[]>) =>
        Object.entries(t)
          .map(([k, v]) => JSON.stringify([k, v]))
          .sort();
      if (JSON.stringify(entries(got.traits)) !== JSON.stringify(entries(id.traits)))
        throw new FuzzDefect(
          `traits ${JSON.stringify(entries(got.traits))} != ${JSON.stringify(entries(id.traits))}`,
          id.username,
        );
    },
  );
  const raw = fc.oneof(
    text,
    fc.string({ maxLength: 30, unit: 'binary' }),
    fc.constantFrom(
      '2024-02-30T25:61:61Z',
      '9999999999',
      '0001-01-01T00:00:00Z',
      '+275760-09-13T00:00:01Z',
      '2024-01-01T00:00:00+99:99',
    ),
  );
  fuzz(
    'free-text values of typed fields (generation, times, traits JSON)',
    fc.record({ generation: raw, prevExpires: raw, postal: raw, renewable: raw }),
    (v) => {
      const attrs: SubjectAttribute[] = [
        { oid: OID.postalCode, values: [v.postal], multiValued: true },
        { oid: OID.commonName, values: ['alice'], multiValued: true },
        { oid: OID.generation, values: [v.generation], multiValued: false },
        { oid: OID.previousIdentityExpires, values: [v.prevExpires], multiValued: false },
        { oid: OID.renewable, values: [v.renewable], multiValued: false },
      ];
      const der = withSubject(encodeGoName(attrs));
      parseOrTypedError(der, () => {
        const id = decodeTlsIdentity(der);
        id.previousIdentityExpires?.toISOString();
        if (id.generation !== undefined && !Number.isSafeInteger(id.generation))
          throw new FuzzDefect(`generation ${id.generation} is not an integer`, v.generation);
      });
    },
  );
  fuzz(
    'UTCTime and GeneralizedTime of any valid calendar date',
    fc.date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    (d) => {
      const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
      const digits = iso.slice(0, 19).replace(/\D/g, '');
      const got = decodeTime(readTlv(derTlv(0x18, Buffer.from(`${digits}Z`))));
      if (got.toISOString().slice(0, 19) !== iso.slice(0, 19))
        throw new FuzzDefect(`GeneralizedTime ${digits}Z read as ${got.toISOString()}`, digits);
      const year = d.getUTCFullYear();
      if (year >= 1950 && year < 2050) {
        const utc = decodeTime(readTlv(derTlv(0x17, Buffer.from(`${digits.slice(2)}Z`))));
        if (utc.toISOString().slice(0, 19) !== iso.slice(0, 19))
          throw new FuzzDefect(`UTCTime ${digits.slice(2)}Z read as ${utc.toISOString()}`, digits);
      }
    },
  );
});
