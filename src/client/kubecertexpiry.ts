// The end of a certificate's validity (notAfter) read straight from its DER, for the exec
// plugin's hot path (kubecredfast.ts): loading node:crypto and building an X509Certificate costs
// more than the rest of that path. Only the outer structure is walked (RFC 5280: Certificate ->
// tbsCertificate -> [0] version?, serialNumber, signature, issuer, validity); anything unexpected
// gives undefined and the caller takes the full path.

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** One DER TLV at `at` (definite lengths only). */
function tlv(b: Buffer, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = b[at]!;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  const end = start + len;
  return end <= limit ? { tag, start, end } : undefined;
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), UTC only. */
function derTime(t: Tlv, b: Buffer): Date | undefined {
  const s = b.toString('latin1', t.start, t.end);
  const m =
    t.tag === 0x17
      ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s)
      : t.tag === 0x18
        ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s)
        : null;
  if (!m) return undefined;
  let year = Number(m[1]);
  // RFC 5280 4.1.2.5.1: YY >= 50 is 19YY, else 20YY.
  if (t.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  const ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** notAfter of the first certificate in a PEM text, or undefined. */
export function certNotAfter(pem: string): Date | undefined {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) return undefined;
  const b = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const cert = tlv(b, 0, b.length);
  if (cert?.tag !== 0x30) return undefined;
  const tbs = tlv(b, cert.start, cert.end);
  if (tbs?.tag !== 0x30) return undefined;
  let f = tlv(b, tbs.start, tbs.end);
  if (f?.tag === 0xa0) f = tlv(b, f.end, tbs.end); // [0] EXPLICIT version
  // serialNumber, signature AlgorithmIdentifier, issuer Name, then validity.
  for (const tag of [0x02, 0x30, 0x30]) {
    if (f?.tag !== tag) return undefined;
    f = tlv(b, f.end, tbs.end);
  }
  if (f?.tag !== 0x30) return undefined;
  const notBefore = tlv(b, f.start, f.end);
  const notAfter = notBefore && tlv(b, notBefore.end, f.end);
  return notAfter ? derTime(notAfter, b) : undefined;
}
