// RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) as used by Teleport's OTP devices.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { TshError } from '../util/errors.js';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(s: string): Buffer {
  const clean = s.toUpperCase().replace(/=+$/, '').replace(/\s+/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const idx = B32.indexOf(ch);
    if (idx < 0) throw new TshError(`invalid base32 character "${ch}" in TOTP secret`, 'bad-parameter');
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function hotp(secret: Buffer, counter: bigint, digits = 6): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(counter);
  const mac = createHmac('sha1', secret).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(off) & 0x7fffffff) % 10 ** digits;
  return code.toString().padStart(digits, '0');
}

export function totp(secretBase32: string, at: Date = new Date(), step = 30): string {
  return hotp(base32Decode(secretBase32), BigInt(Math.floor(at.getTime() / 1000 / step)));
}

/** Accepts the current code and one step either side for clock skew. */
export function verifyTotp(secretBase32: string, code: string, at: Date = new Date(), step = 30): boolean {
  const secret = base32Decode(secretBase32);
  const t = BigInt(Math.floor(at.getTime() / 1000 / step));
  for (const c of [t - 1n, t, t + 1n]) {
    const want = Buffer.from(hotp(secret, c));
    const got = Buffer.from(code.trim());
    if (got.length === want.length && timingSafeEqual(got, want)) return true;
  }
  return false;
}
