// Label selectors and search keywords as tsh parses them (lib/client ParseLabelSpec, ParseSearchKeywords).
import { describe, expect, it } from 'vitest';
import { parseLabelSpec, parseSearchKeywords, resourceFilter } from '../../../src/client/filter.js';

describe('filter', () => {
  it('parseLabelSpec: pairs, quotes, ; separators', () => {
    expect(parseLabelSpec('env=prod,team=web')).toEqual({ env: 'prod', team: 'web' });
    expect(parseLabelSpec('"long name"="a, b";x=y')).toEqual({ 'long name': 'a, b', x: 'y' });
    expect(parseLabelSpec('')).toEqual({});
    expect(() => parseLabelSpec('env')).toThrow("invalid label spec: 'env', should be 'key=value'");
    expect(() => parseLabelSpec('a=b=c')).toThrow(/invalid label spec/);
  });

  it('parseSearchKeywords drops empties and quotes', () => {
    expect(parseSearchKeywords('foo, "bar baz",,qux ')).toEqual(['foo', 'bar baz', 'qux']);
    expect(parseSearchKeywords(undefined)).toEqual([]);
  });

  it('resourceFilter joins positional labels and trims the query', () => {
    expect(
      resourceFilter({ labels: ['env=prod', 'team=web'], search: 'a,b', query: ' labels.x == "y" ' }),
    ).toEqual({
      labels: { env: 'prod', team: 'web' },
      search: ['a', 'b'],
      predicate: 'labels.x == "y"',
    });
    expect(resourceFilter({})).toEqual({ labels: {}, search: [], predicate: '' });
  });
});
