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

  it('keeps items in memory when the directory cannot be written', () => {
    const s = new SortedSpill('|', path.join(os.tmpdir(), 'tshjs-no-such-dir', 'deeper'));
    s.add('b', 'B');
    s.add('a', 'A');
    expect(drain(s)).toBe('A|B');
    s.close();
  });
});
