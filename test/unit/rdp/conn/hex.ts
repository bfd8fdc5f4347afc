// Byte-table helpers for the RDP connection codec tests.
import { expect } from 'vitest';
import { Framer, type Frame } from '../../../../src/rdp/conn/framer.js';

/** Hex bytes from a template: whitespace ignored, "#" starts a comment to the end of the line. */
export function hx(strings: TemplateStringsArray | string, ...values: unknown[]): Buffer {
  const text = typeof strings === 'string' ? strings : String.raw(strings, ...values);
  const digits = text
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(digits)) throw new Error(`bad hex: ${digits}`);
  return Buffer.from(digits, 'hex');
}

export const utf16 = (s: string) => Buffer.from(s, 'utf16le');

/** Feeds `bytes` to a fresh framer split at every position (and byte by byte); all must agree. */
export function framesAtEverySplit(bytes: Buffer): Frame[] {
  const whole = new Framer().push(bytes);
  for (let cut = 1; cut < bytes.length; cut++) {
    const f = new Framer();
    const got = [...f.push(bytes.subarray(0, cut)), ...f.push(bytes.subarray(cut))];
    expect(got.map((x) => x.raw)).toEqual(whole.map((x) => x.raw));
    expect(f.pending).toBe(0);
  }
  const f = new Framer();
  const single: Frame[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(...f.push(bytes.subarray(i, i + 1)));
  expect(single.map((x) => x.raw)).toEqual(whole.map((x) => x.raw));
  return whole;
}

/** The one frame `bytes` make, checked at every split; returns its TPKT payload (X.224 TPDU). */
export function oneTpdu(bytes: Buffer): Buffer {
  const frames = framesAtEverySplit(bytes);
  expect(frames).toHaveLength(1);
  const f = frames[0];
  if (f.kind !== 'x224') throw new Error('expected a TPKT frame');
  return f.tpdu;
}
