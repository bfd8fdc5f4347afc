// SortedSpill: items written to a private temporary file, read back in key order (Go byte order,
// arrival order for equal keys), the file removed afterwards; in memory when no file can be made.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SortedSpill } from '../../../src/output/spill.js';

/** Every chunk is the same buffer refilled: copy each before asking for the next. */
const drain = (s: SortedSpill, first = '') => {
  const parts: Buffer[] = [];
  for (const c of s.drain(first)) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString();
};

describe('SortedSpill', () => {
  it('key order (bytes), ties in arrival order, separators between items, file removed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-spill-test-'));
    const s = new SortedSpill(',', dir);
    expect(fs.readdirSync(dir)).toHaveLength(1);
    const file = path.join(dir, fs.readdirSync(dir)[0]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    for (const [k, v] of [
      ['web-1', 'W1'],
      ['web', 'W'],
      ['wéb', 'WE'],
      ['web', 'W2'],
      ['Web', 'CAP'],
    ])
      s.add(k, v);
    expect(s.count).toBe(5);
    expect(drain(s, '[')).toBe('[CAP,W,W2,W1,WE');
    s.close();
    s.close();
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmdirSync(dir);
  });

  it('already sorted input comes back as it went in (the file read in blocks), multi-byte text', () => {
    const s = new SortedSpill('|');
    const items = Array.from(
      { length: 3000 },
      (_, i) => `${String(i).padStart(5, '0')}:${'é'.repeat(300)}\n`,
    );
    items.forEach((t, i) => s.add(String(i).padStart(5, '0'), t));
    expect(drain(s, '[')).toBe(`[${items.join('|')}`);
    s.close();
  });

  it('out-of-order input over several blocks comes back sorted', () => {
    const s = new SortedSpill(',');
    const items = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(5, '0')}${'€'.repeat(200)}`);
    for (let i = items.length - 1; i >= 0; i--) s.add(items[i].slice(0, 5), items[i]);
    expect(drain(s, '[')).toBe(`[${items.join(',')}`);
    s.close();
  });

  it('keys compare as Go compares strings (UTF-8 bytes), not as JS does (UTF-16 units)', () => {
    const s = new SortedSpill(',');
    // U+FF21 is EF BC A1 in UTF-8, U+1F600 is F0 9F 98 80: bytes put U+FF21 first, UTF-16 units
    // (FF21 vs D83D) the other way round. 'a' before 'a-b' (a prefix first), '-' before '/'.
    for (const k of ['\u{1F600}', '\uFF21', 'a-b', 'a/', 'a', 'Z']) s.add(k, k);
    expect(drain(s)).toBe('Z,a,a-b,a/,\uFF21,\u{1F600}');
    s.close();
    // Out of order only where a key is a prefix of the one before it.
    const p = new SortedSpill(',');
    for (const k of ['a', 'ab', 'ab', 'a', 'b']) p.add(k, k.toUpperCase());
    expect(drain(p)).toBe('A,A,AB,AB,B');
    p.close();
  });

  it('items written in place (begin/commit), dropped ones (abort), runs read as ranges', () => {
    for (const dir of [os.tmpdir(), path.join(os.tmpdir(), 'tshjs-no-such-dir', 'deeper')]) {
      const s = new SortedSpill(', ', dir);
      const put = (key: string, text: string) => {
        s.begin();
        s.out.ascii(text);
        const k = Buffer.from(`>${key}<`);
        s.commit(k, 1, k.length - 1);
      };
      // Runs in arrival order (d e f, a b c), item 0 ('x') last, a dropped item in between.
      for (const k of ['x', 'd', 'e', 'f']) put(k, k.toUpperCase().repeat(3));
      s.begin();
      s.out.ascii('DROPPED');
      s.abort();
      for (const k of ['a', 'b', 'c']) put(k, k.toUpperCase().repeat(3));
      expect(s.count).toBe(7);
      expect(drain(s, '[')).toBe('[AAA, BBB, CCC, DDD, EEE, FFF, XXX');
      s.close();
    }
  });

  it('out-of-order input kept in memory over several blocks comes back sorted', () => {
    const s = new SortedSpill(',', path.join(os.tmpdir(), 'tshjs-no-such-dir', 'deeper'));
    // ~3.6 MB: several blocks, items that straddle them, and one item larger than a block.
    const items = Array.from(
      { length: 3000 },
      (_, i) => `${String(i).padStart(5, '0')}${'x'.repeat(i === 7 ? 1.5 * 2 ** 20 : 700)}`,
    );
    const order = items.map((_, i) => (i * 7919) % items.length);
    for (const i of order) s.add(items[i].slice(0, 5), items[i]);
    expect(drain(s, '[')).toBe(`[${items.join(',')}`);
    s.close();
  });

  it('keeps items in memory when the directory cannot be written', () => {
    const s = new SortedSpill('|', path.join(os.tmpdir(), 'tshjs-no-such-dir', 'deeper'));
    s.add('b', 'B');
    s.add('a', 'A');
    expect(drain(s)).toBe('A|B');
    s.close();
  });
});
