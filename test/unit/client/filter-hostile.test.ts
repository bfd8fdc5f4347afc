// Hostile filter flags: label keys that are Object.prototype names stay labels, and huge specs
// are parsed in one linear pass (src/client/filter.ts).
import { describe, expect, it } from 'vitest';
import { parseLabelSpec, parseSearchKeywords } from '../../../src/client/filter.js';

describe('filter flags with hostile input', () => {
  it('a "__proto__" label key is kept as a label and leaves the prototype alone', () => {
    const labels = parseLabelSpec('__proto__=x,constructor=y,env=prod');
    expect(Object.entries(labels)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['env', 'prod'],
    ]);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it('100,000 pairs and keywords parse', () => {
    const spec = Array.from({ length: 100_000 }, (_, i) => `k${i}=v${i}`).join(',');
    expect(Object.keys(parseLabelSpec(spec))).toHaveLength(100_000);
    expect(parseSearchKeywords(spec)).toHaveLength(100_000);
  });
});
