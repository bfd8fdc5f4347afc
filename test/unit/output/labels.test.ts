// tool/common/common.go FormatLabels / FormatResourceName: expected strings from upstream's
// tool/common/common_test.go TestFormatLabels, plus the namespaced-key order of FormatLabels itself.
import { describe, expect, it } from 'vitest';
import { allLabels, formatLabels, formatResourceName, goCompare } from '../../../src/output/labels.js';

describe('formatLabels (common.FormatLabels)', () => {
  const basic = { c: 'd', a: 'b' };
  const namespaced = {
    'teleport.dev/foo': 'abc',
    'teleport.internal/bar': 'def',
    'teleport.hidden/baz': 'ghi',
  };
  const all = { ...basic, ...namespaced };

  it('TestFormatLabels cases', () => {
    expect(formatLabels(undefined, false)).toBe('');
    expect(formatLabels(basic, false)).toBe('a=b,c=d');
    expect(formatLabels(all, false)).toBe('a=b,c=d');
    expect(formatLabels(namespaced, false)).toBe('');
    expect(formatLabels(all, true)).toBe(
      'a=b,c=d,teleport.dev/foo=abc,teleport.hidden/baz=ghi,teleport.internal/bar=def',
    );
  });

  it('plain keys, then namespaced keys, then teleport ones; each sorted as "k=v" strings', () => {
    const l = { 'x/y': '1', 'a/b': '2', z: '3', 'teleport.dev/origin': 'config', env: 'prod', 'env-2': 'x' };
    // sort.Strings on "k=v": "env-2=x" < "env=prod" ('-' 0x2d < '=' 0x3d).
    expect(formatLabels(l, false)).toBe('env-2=x,env=prod,z=3,a/b=2,x/y=1');
    expect(formatLabels(l, true)).toBe('env-2=x,env=prod,z=3,a/b=2,x/y=1,teleport.dev/origin=config');
  });

  it('sorts as Go compares strings (UTF-8 bytes)', () => {
    // U+FF21 (ef bc a1) sorts before U+1F600 (f0 9f 98 80) in bytes, after it in UTF-16 code units.
    expect(formatLabels({ '😀': '1', Ａ: '2' }, false)).toBe('Ａ=2,😀=1');
    expect(goCompare('Ａ', '😀')).toBeLessThan(0);
    expect(goCompare('a', 'ab')).toBeLessThan(0);
    expect(goCompare('b', 'a')).toBeGreaterThan(0);
  });
});

describe('formatResourceName (common.FormatResourceName)', () => {
  const labels = { 'teleport.internal/discovered-name': 'short' };
  it('the discovered name without -v, the name with it or when there is none', () => {
    expect(formatResourceName('long-name-abc123', labels, false)).toBe('short');
    expect(formatResourceName('long-name-abc123', labels, true)).toBe('long-name-abc123');
    expect(formatResourceName('plain', {}, false)).toBe('plain');
    expect(formatResourceName('plain', { 'teleport.internal/discovered-name': '' }, false)).toBe('plain');
  });
});

describe('allLabels (types.CombineLabels)', () => {
  it('dynamic label results override static labels', () => {
    expect(allLabels({ a: '1', b: '2' }, { b: { Result: 'x' }, c: { Result: 'y' } })).toEqual({
      a: '1',
      b: 'x',
      c: 'y',
    });
    expect(allLabels(undefined, undefined)).toEqual({});
  });
});
