// The profile YAML reader: it reads back everything gopkg.in/yaml.v2 writes for a flat struct (what
// api/profile/profile.go saveToFile produces; src/format/goyaml.ts is our port of that encoder),
// agrees with a full YAML parser on those documents, and refuses the rest with a line number in
// work linear in the input.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import {
  FlatYamlError,
  MAX_FLAT_YAML_BYTES,
  parseFlatYaml,
  type FlatNode,
} from '../../../src/auth/flatyaml.js';
import { goYAML } from '../../../src/format/goyaml.js';

/** The parsed value of each entry, as plain data. */
function values(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of parseFlatYaml(text)) out[e.key] = plainData(e.value());
  return out;
}

function plainData(n: FlatNode): unknown {
  if (n.kind === 'seq') return n.items.map((i) => i.value);
  if (n.kind === 'map') return 'MAP';
  return n.value;
}

function failure(text: string): FlatYamlError {
  try {
    for (const e of parseFlatYaml(text)) e.value();
  } catch (err) {
    expect(err).toBeInstanceOf(FlatYamlError);
    return err as FlatYamlError;
  }
  throw new Error(`expected a FlatYamlError for ${JSON.stringify(text)}`);
}

// Strings yaml.v2 writes plain, single-quoted, double-quoted (escapes), literal (newlines) or
// folded over lines at 80 columns.
const TRICKY = [
  '',
  'proxy.example.com:443',
  '[::1]:3080',
  'true',
  'yes',
  '~',
  'null',
  '0x10',
  '1.5',
  '30s',
  ' leading space',
  'trailing space ',
  'a: b',
  'a #b',
  "it's",
  'say "hi"',
  '# not a comment',
  '- dash',
  'tab\there',
  'multi\nline',
  'multi\nline\n',
  'ends with two\n\n',
  '\nleading newline',
  'é ü 漢字 😀',
  '/Users/John Smith/Library/Application Support/some/very/long/path/that/goes/on and/on/and on',
  `${'word '.repeat(30)}end`,
  `"${'quoted words '.repeat(10)}"`,
  `${'x'.repeat(100)}  ${'y'.repeat(10)}   z`,
  'back\\slash',
  '\u00a0nbsp',
];

describe('parseFlatYaml reads what yaml.v2 writes', () => {
  it.each(TRICKY)('%j', (s) => {
    const text = goYAML({ dir: s });
    expect(values(text)).toEqual({ dir: s });
    // A full YAML parser agrees.
    expect(YAML.parse(text)).toEqual({ dir: s });
  });

  it('string lists, block and flow', () => {
    expect(values(goYAML({ dynamic_forward_ports: ['127.0.0.1:8080', '9090', 'a b'] }))).toEqual({
      dynamic_forward_ports: ['127.0.0.1:8080', '9090', 'a b'],
    });
    expect(values('p: []\n')).toEqual({ p: [] });
    expect(values('p: [a, \'b c\', "d"]\n')).toEqual({ p: ['a', 'b c', 'd'] });
    expect(values('p:\n  - a\n  - b\nq: x\n')).toEqual({ p: ['a', 'b'], q: 'x' });
    expect(values('p: [a,\n  b]\n')).toEqual({ p: ['a', 'b'] });
  });

  it('any string round-trips (property)', () => {
    // Characters goyaml refuses or folds as the JSON-to-YAML path of tsh --format yaml does.
    const ok = (s: string) =>
      ![...s].some((ch) => {
        const c = ch.codePointAt(0)!;
        return (
          (c < 0x20 && c !== 0x09 && c !== 0x0a) ||
          (c >= 0x7f && c <= 0x9f) ||
          [0xfeff, 0xfffe, 0xffff, 0x2028, 0x2029].includes(c)
        );
      });
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }).filter(ok), (s) => {
        expect(values(goYAML({ k: s }))).toEqual({ k: s });
      }),
      { numRuns: 300 },
    );
  });

  it('keeps entries in file order with raw text, the last of a repeated key kept by callers', () => {
    const entries = parseFlatYaml('a: 1\nfuture:\n  nested: [1, 2]\n\n# c\na: 2\n');
    expect(entries.map((e) => [e.key, e.line, e.raw])).toEqual([
      ['a', 1, 'a: 1\n'],
      ['future', 2, 'future:\n  nested: [1, 2]\n\n# c\n'],
      ['a', 6, 'a: 2\n'],
    ]);
    expect(entries[1].value().kind).toBe('map');
  });

  it('plain scalars stay unresolved (the reader decides what true or 123 mean)', () => {
    const [a, b, c] = parseFlatYaml('a: true\nb: "true"\nc: !!str true\n').map((e) => e.value());
    expect(a).toMatchObject({ kind: 'scalar', value: 'true', plain: true });
    expect(b).toMatchObject({ kind: 'scalar', value: 'true', plain: false });
    expect(c).toMatchObject({ kind: 'scalar', value: 'true', plain: false });
  });

  it('accepts CRLF, a BOM, comments, "---" and stops at a second document', () => {
    expect(values('\uFEFF---\r\n# hi\r\na: b # c\r\n---\nignored: [\n')).toEqual({ a: 'b' });
    expect(values('a: |-\n  x\n\n  y\nb: >\n  folded\n  text\n\n  para\n')).toEqual({
      a: 'x\n\ny',
      b: 'folded text\npara\n',
    });
  });
});

describe('parseFlatYaml refuses what a profile cannot hold', () => {
  it.each([
    ['an explicit key', 'a: b\n? x\n: y\n', 2, /explicit/],
    ['a flow mapping at the top', '{a: b}\n', 1, /flow/],
    ['an anchor', 'a: &x b\n', 1, /anchor/],
    ['an alias', 'a: *x\n', 1, /alias/],
    ['an unknown tag', 'a: !!foo b\n', 1, /tag !!foo/],
    ['a merge key', '<<: x\n', 1, /merge/],
    ['a mapping in a value', 'a: b: c\n', 1, /mapping/],
    ['an unterminated string', 'a: "b\n', 1, /unterminated/],
    ['a bad escape', 'a: "\\q"\n', 1, /escape/],
    ['a nested list', 'a:\n- - x\n', 2, /nested/],
    ['an unterminated [ list', 'a: [x\n', 1, /unterminated/],
    ['tab indentation', 'a:\n\t- x\n', 2, /tab/],
    ['a directive', '%YAML 1.1\na: b\n', 1, /directive/],
    ['a line that is not key: value', 'a: b\njunk\n', 2, /key: value/],
    ['indented first line', '  a: b\n', 1, /indentation/],
  ])('%s', (_name, text, line, re) => {
    const err = failure(text);
    expect(err.line).toBe(line);
    expect(err.message).toMatch(re);
    expect(err.message).toMatch(new RegExp(`^line ${line}: `));
    expect(err.notMapping).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['only comments', '# x\n\n'],
    ['a list', '- a\n- b\n'],
    ['a scalar', 'just text\n'],
  ])('%s is not a mapping', (_name, text) => {
    expect(failure(text).notMapping).toBe(true);
  });

  it('refuses a document over the size bound', () => {
    expect(failure(`a: ${'x'.repeat(MAX_FLAT_YAML_BYTES)}\n`).message).toMatch(/larger than/);
  });

  it('hostile documents fail fast with a line, never reaching a full YAML parser', () => {
    const spy = vi.spyOn(process, 'emitWarning');
    try {
      // The input that took the yaml library 40 s for 1 KiB, at the size bound.
      const big = `web_proxy_addr: x:443\n${'? '.repeat((MAX_FLAT_YAML_BYTES - 30) / 2)}\n`;
      expect(failure(big).line).toBe(2);
      // Unknown keys are never parsed, whatever they hold.
      const unknown = `web_proxy_addr: x:443\nfuture:\n${'  ? [[[{{{!!foo &a *a\n'.repeat(2000)}`;
      expect(parseFlatYaml(unknown).map((e) => e.key)).toEqual(['web_proxy_addr', 'future']);
      expect(failure('a: "' + 'x'.repeat(60_000)).message).toMatch(/unterminated/);
      expect(failure('a: [' + 'x, '.repeat(20_000)).message).toMatch(/unterminated/);
      // Long runs of spaces (a trailing-space regex would be quadratic here).
      expect(values(`a: "x${' '.repeat(60_000)}\n  y"\n`)).toEqual({ a: 'x y' });
      expect(values(`a: x${' '.repeat(60_000)}y\n`)).toEqual({ a: `x${' '.repeat(60_000)}y` });
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
