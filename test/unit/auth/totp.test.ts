// RFC 6238 TOTP (and the RFC 4226 HOTP under it), as Teleport's OTP devices use it.
import { describe, expect, it } from 'vitest';
import { base32Decode, hotp, totp, verifyTotp } from '../../../src/auth/totp.js';

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
const RFC_SECRET_B32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const at = (unixSeconds: number) => new Date(unixSeconds * 1000);

// RFC 6238 Appendix B, SHA-1 column: time (s) → 8-digit TOTP.
const RFC6238_SHA1: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('hotp', () => {
  it.each(RFC6238_SHA1)('RFC 6238 Appendix B: T=%i → %s', (t, code) => {
    expect(hotp(RFC_SECRET, BigInt(Math.floor(t / 30)), 8)).toBe(code);
  });

  it('RFC 4226 Appendix D vectors (6 digits)', () => {
    const want = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    expect(want.map((_, i) => hotp(RFC_SECRET, BigInt(i)))).toEqual(want);
  });

  it('keeps leading zeros', () => {
    expect(hotp(RFC_SECRET, BigInt(Math.floor(1111111109 / 30)), 8)).toMatch(/^0/);
  });
});

describe('base32Decode', () => {
  it('decodes RFC 4648 base32, ignoring case, padding and spaces', () => {
    expect(base32Decode(RFC_SECRET_B32)).toEqual(RFC_SECRET);
    expect(base32Decode('JBSWY3DPEHPK3PXP')).toEqual(Buffer.from('48656c6c6f21deadbeef', 'hex'));
    expect(base32Decode('jbsw y3dp ehpk 3pxp')).toEqual(base32Decode('JBSWY3DPEHPK3PXP'));
    expect(base32Decode('MZXW6===')).toEqual(Buffer.from('foo'));
    expect(base32Decode('MZXW6YQ=')).toEqual(Buffer.from('foob'));
    expect(base32Decode('')).toEqual(Buffer.alloc(0));
  });

  it.each(['ABC1', 'ABC8', 'ABC0', 'AB-C', 'ÄBC'])('rejects %j with a clear message', (s) => {
    expect(() => base32Decode(s)).toThrow(/^invalid base32 character ".+" in TOTP secret$/);
  });

  it('names the bad character', () => {
    expect(() => base32Decode('JBSWY3DPEHPK3PX1')).toThrow('invalid base32 character "1" in TOTP secret');
    expect(() => totp('JBSWY3DPEHPK3PX1')).toThrow('invalid base32 character "1"');
    expect(() => verifyTotp('JBSWY3DPEHPK3PX1', '123456')).toThrow('invalid base32 character "1"');
  });
});

describe('totp', () => {
  it.each(RFC6238_SHA1)('6-digit code is the tail of the RFC vector: T=%i', (t, code) => {
    expect(totp(RFC_SECRET_B32, at(t))).toBe(code.slice(2));
  });

  it('JBSWY3DPEHPK3PXP: known codes, constant within a 30 s step', () => {
    // Independently computed (Python hmac) for secret "Hello!\xde\xad\xbe\xef".
    expect(totp('JBSWY3DPEHPK3PXP', at(0))).toBe('282760');
    expect(totp('JBSWY3DPEHPK3PXP', at(29))).toBe('282760');
    expect(totp('JBSWY3DPEHPK3PXP', at(59))).toBe('996554');
    expect(totp('JBSWY3DPEHPK3PXP', at(1111111109))).toBe('071271');
    expect(totp('JBSWY3DPEHPK3PXP', at(1234567890))).toBe('742275');
    expect(totp('JBSWY3DPEHPK3PXP', at(2000000000))).toBe('890699');
    const secret = base32Decode('JBSWY3DPEHPK3PXP');
    for (const t of [0, 30, 1_700_000_000, 1_700_000_029]) {
      expect(totp('JBSWY3DPEHPK3PXP', at(t))).toBe(hotp(secret, BigInt(Math.floor(t / 30))));
    }
    expect(totp('jbswy3dpehpk3pxp', at(59))).toBe('996554');
  });

  it('uses the given step', () => {
    expect(totp(RFC_SECRET_B32, at(59), 60)).toBe(hotp(RFC_SECRET, 0n));
  });
});

describe('verifyTotp', () => {
  const S = 'JBSWY3DPEHPK3PXP';
  const now = at(1_700_000_015); // middle of a step
  const codeAt = (offsetSteps: number) => totp(S, new Date(now.getTime() + offsetSteps * 30_000));

  it('accepts the current step and one either side', () => {
    expect(verifyTotp(S, codeAt(0), now)).toBe(true);
    expect(verifyTotp(S, codeAt(-1), now)).toBe(true);
    expect(verifyTotp(S, codeAt(1), now)).toBe(true);
  });

  it('rejects codes two or more steps away', () => {
    for (const off of [-3, -2, 2, 3]) {
      const code = codeAt(off);
      // Skip the (1-in-a-million) case where that code happens to equal an accepted one.
      if ([-1, 0, 1].some((o) => codeAt(o) === code)) continue;
      expect(verifyTotp(S, code, now), `offset ${off}`).toBe(false);
    }
  });

  it('trims whitespace, rejects wrong lengths and junk', () => {
    const code = codeAt(0);
    expect(verifyTotp(S, ` ${code}\n`, now)).toBe(true);
    expect(verifyTotp(S, code.slice(1), now)).toBe(false);
    expect(verifyTotp(S, `${code}0`, now)).toBe(false);
    expect(verifyTotp(S, '', now)).toBe(false);
    expect(verifyTotp(S, 'abcdef', now)).toBe(false);
  });

  it('defaults to the current time', () => {
    expect(verifyTotp(S, totp(S))).toBe(true);
  });
});
