import { describe, expect, it } from 'vitest';
import { SshReader, SshWriter } from '../../../../src/auth/ssh/wire.js';

const hex = (b: Buffer): string => b.toString('hex');
const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('SshWriter', () => {
  it('encodes fixed-size integers and booleans big-endian', () => {
    const b = new SshWriter()
      .u8(0xab)
      .u32(0x01020304)
      .u64(0x0102030405060708n)
      .bool(true)
      .bool(false)
      .toBuffer();
    expect(hex(b)).toBe('ab' + '01020304' + '0102030405060708' + '01' + '00');
    expect(hex(new SshWriter().u64(0xffffffffffffffffn).toBuffer())).toBe('ffffffffffffffff');
    expect(hex(new SshWriter().u32(0xffffffff).toBuffer())).toBe('ffffffff');
  });

  it('encodes strings with a uint32 length prefix', () => {
    expect(hex(new SshWriter().string('testing').toBuffer())).toBe('00000007' + '74657374696e67');
    expect(hex(new SshWriter().string('').toBuffer())).toBe('00000000');
    expect(
      hex(
        new SshWriter()
          .string(Buffer.from([0, 1]))
          .raw(Buffer.from([9]))
          .toBuffer(),
      ),
    ).toBe('00000002000109');
  });

  it('encodes mpints as in RFC 4251 §5', () => {
    const mp = (b: string): string => hex(new SshWriter().mpint(h(b)).toBuffer());
    expect(mp('')).toBe('00000000'); // zero
    expect(mp('000000')).toBe('00000000'); // zero with leading zeros
    expect(mp('09a378f9b2e332a7')).toBe('00000008' + '09a378f9b2e332a7');
    expect(mp('80')).toBe('00000002' + '0080'); // high bit needs a zero byte
    expect(mp('7f')).toBe('00000001' + '7f');
    expect(mp('0000ff01')).toBe('00000003' + '00ff01'); // strips extra zeros, keeps sign byte
  });
});

describe('SshReader', () => {
  it('reads back what SshWriter wrote', () => {
    const b = new SshWriter()
      .u8(7)
      .u32(42)
      .u64(1n << 63n)
      .bool(true)
      .string('héllo')
      .mpint(h('80'))
      .mpint(Buffer.alloc(0))
      .raw(h('beef'))
      .toBuffer();
    const r = new SshReader(b);
    expect(r.u8()).toBe(7);
    expect(r.u32()).toBe(42);
    expect(r.u64()).toBe(1n << 63n);
    expect(r.bool()).toBe(true);
    expect(r.stringUtf8()).toBe('héllo');
    expect(hex(r.mpint())).toBe('80');
    expect(hex(r.mpint())).toBe('');
    expect(r.remaining()).toBe(2);
    expect(hex(r.rest())).toBe('beef');
    expect(r.remaining()).toBe(0);
    expect(() => r.expectEnd()).not.toThrow();
  });

  it('reports truncation with a clear Error, never a RangeError', () => {
    const cases: [Buffer, (r: SshReader) => unknown, RegExp][] = [
      [h(''), (r) => r.u8(), /truncated byte/],
      [h('000000'), (r) => r.u32(), /truncated uint32/],
      [h('00000000000000'), (r) => r.u64(), /truncated uint64/],
      [h('0000'), (r) => r.string(), /truncated string length/],
      [h('00000005616263'), (r) => r.string(), /truncated string body/],
      [h('ffffffff00'), (r) => r.string(), /truncated string body/],
    ];
    for (const [buf, read, msg] of cases) {
      let err: unknown;
      try {
        read(new SshReader(buf, 'test blob'));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(msg);
      expect((err as Error).message).toMatch(/^test blob:/);
    }
  });

  it('rejects trailing bytes and negative mpints', () => {
    const r = new SshReader(h('0000000100ff'), 'x');
    r.string();
    expect(() => r.expectEnd()).toThrow(/x: 1 unexpected trailing bytes/);
    expect(() => new SshReader(h('0000000180')).mpint()).toThrow(/negative mpint/);
  });
});
