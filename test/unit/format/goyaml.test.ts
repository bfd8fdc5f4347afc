// Expected strings are derived by hand from gopkg.in/yaml.v2 v2.4.0 (encode.go, resolve.go,
// sorter.go, emitterc.go, yamlprivateh.go) and github.com/ghodss/yaml (yaml.go JSONToYAML).
// See docs/go-yaml.md for the rules.
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { goYAML, goYAMLPrintln } from '../../../src/format/goyaml.js';

const value = (v: unknown): string => goYAML({ k: v });
const x = (n: number): string => 'x'.repeat(n);

describe('goyaml: document framing (encode.go Marshal, emitterc.go document start/end)', () => {
  it('emits no "---" and ends with exactly one newline', () => {
    expect(goYAML({ a: 1 })).toBe('a: 1\n');
    expect(goYAML('hello')).toBe('hello\n');
  });

  it('root scalars, null and empty collections (nilv, check_empty_mapping/sequence -> flow)', () => {
    expect(goYAML(null)).toBe('null\n');
    expect(goYAML(undefined)).toBe('null\n');
    expect(goYAML(true)).toBe('true\n');
    expect(goYAML(false)).toBe('false\n');
    expect(goYAML(42)).toBe('42\n');
    expect(goYAML('')).toBe('""\n');
    expect(goYAML([])).toBe('[]\n');
    expect(goYAML({})).toBe('{}\n');
  });

  it('goYAMLPrintln adds the fmt.Println newline, so the output ends with a blank line', () => {
    expect(goYAMLPrintln({ a: 1 })).toBe('a: 1\n\n');
    expect(goYAMLPrintln([])).toBe('[]\n\n');
    expect(goYAMLPrintln('x\ny\n')).toBe('|\n  x\n  y\n\n');
  });
});

describe('goyaml: key order (sorter.go keyList.Less)', () => {
  it('compares runs of digits as numbers', () => {
    expect(goYAML({ a10: 1, a2: 2, a1: 3 })).toBe('a1: 3\na2: 2\na10: 1\n');
    expect(goYAML({ 'node-10': 0, 'node-9': 0, 'node-100': 0 })).toBe('node-9: 0\nnode-10: 0\nnode-100: 0\n');
  });

  it('on equal numbers, the shorter digit run (fewer leading zeros) first', () => {
    expect(goYAML({ a001: 1, a01: 2, a1: 3 })).toBe('a1: 3\na01: 2\na001: 1\n');
  });

  it('letters by code point: upper case before lower case', () => {
    expect(goYAML({ b: 1, B: 2, a: 3, A: 4 })).toBe('A: 4\nB: 2\na: 3\nb: 1\n');
    expect(goYAML({ é: 1, z: 2 })).toBe('z: 2\né: 1\n');
  });

  it('non-letters before letters; digits after other non-letters; a prefix first', () => {
    expect(goYAML({ a: 3, '1': 2, _x: 1, '-': 4 })).toBe('\'-\': 4\n_x: 1\n"1": 2\na: 3\n');
    expect(goYAML({ 'a.b': 1, a_b: 2, ab: 3, a: 4 })).toBe('a: 4\na.b: 1\na_b: 2\nab: 3\n');
    expect(goYAML({ kubernetes_groups: 1, kubernetes: 2, kubernetes_enabled: 3 })).toBe(
      'kubernetes: 2\nkubernetes_enabled: 3\nkubernetes_groups: 1\n',
    );
  });
});

describe('goyaml: strings that resolve.go would read back as non-strings are double-quoted (encode.go stringv)', () => {
  it('YAML 1.1 booleans (resolve.go resolveMap)', () => {
    for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) {
      expect(value(s)).toBe(`k: "${s}"\n`);
    }
    for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) {
      expect(value(s)).toBe(`k: "${s}"\n`);
    }
  });

  it('null forms and the empty string', () => {
    for (const s of ['~', 'null', 'Null', 'NULL', '']) expect(value(s)).toBe(`k: "${s}"\n`);
  });

  it('special floats in the resolve map', () => {
    for (const s of ['.inf', '.Inf', '.INF', '+.inf', '-.Inf', '.nan', '.NaN', '.NAN']) {
      expect(value(s)).toBe(`k: "${s}"\n`);
    }
  });

  it('other spellings stay plain (only exact map entries count)', () => {
    for (const s of ['yES', 'nO', 'TRue', 'Infinity', 'inf', 'NaN', 'nil', 'None', 'onion', 'yesterday']) {
      expect(value(s)).toBe(`k: ${s}\n`);
    }
  });

  it('integers: strconv.ParseInt/ParseUint base 0 after removing underscores', () => {
    const ints = ['0', '123', '-17', '+17', '0x1F', '0X1f', '0o17', '0b101', '0777', '1_000', '1_', '-0b11'];
    for (const s of [...ints, '9223372036854775808', '18446744073709551615', '-9223372036854775808']) {
      expect(value(s)).toBe(`k: "${s}"\n`);
    }
  });

  it('resolve.go 0b branch: ParseInt(rest, 2) accepts a sign after 0b', () => {
    expect(value('0b-1')).toBe('k: "0b-1"\n');
    expect(value('-0b+1')).toBe('k: -0b+1\n');
  });

  it('floats matching yamlStyleFloat, including ints too big for 64 bits and leading-zero decimals', () => {
    for (const s of ['1.5', '-1.5', '1e3', '1E+3', '.5', '+.5', '1.', '08', '09.5', '-9223372036854775809']) {
      expect(value(s)).toBe(`k: "${s}"\n`);
    }
    expect(value('18446744073709551616')).toBe('k: "18446744073709551616"\n');
  });

  it('"."-prefixed strings go through strconv.ParseFloat, which allows "_" between digits', () => {
    expect(value('.5_5')).toBe('k: ".5_5"\n');
    expect(value('.5e3')).toBe('k: ".5e3"\n');
    expect(value('._5')).toBe('k: ._5\n');
    expect(value('.5.')).toBe('k: .5.\n');
    expect(value('.')).toBe('k: .\n');
  });

  it('number-like strings that fail to parse stay plain (overflow is an error in ParseFloat)', () => {
    for (const s of ['1e400', '0x', '0b', '1.2.3', '+', '0xFFFFFFFFFFFFFFFFF', '1,000', '12ab']) {
      expect(value(s)).toBe(`k: ${s}\n`);
    }
  });

  it('base-60 numbers (encode.go isBase60Float) are quoted', () => {
    for (const s of ['12:30', '1:2', '190:20:30', '-1:30', '+1:30.5', '1_0:30']) {
      expect(value(s)).toBe(`k: "${s}"\n`);
    }
    expect(value('12:60')).toBe('k: 12:60\n');
    expect(value('a:1')).toBe('k: a:1\n');
  });

  it('timestamps in the four resolve.go layouts (Go time.Parse rules) are quoted', () => {
    const stamps = [
      '2026-12-02T09:10:27Z',
      '2026-12-02T09:10:27.123456789Z',
      '2026-12-02t09:10:27+01:00',
      '2026-12-02T09:10:27,5-05:30',
      '2026-12-02T9:1:2Z',
      '2026-12-02 09:10:27',
      '2026-12-02  09:10:27.5',
      '2026-12-02',
      '2026-1-2',
      '2024-02-29',
      '2026-12-02T23:59:59+24:60',
    ];
    for (const s of stamps) expect(value(s)).toBe(`k: "${s}"\n`);
  });

  it('timestamp-like strings Go rejects stay plain', () => {
    const notStamps = [
      '2023-02-29', // day out of range
      '2026-13-01', // month out of range
      '2026-12-02T24:00:00Z', // hour out of range
      '2026-12-02T09:10:27', // the T layouts need a zone
      '2026-12-02T09:10:27+25:00', // zone hour > 24
      '2026-12-02 09:10:27Z', // the space layout has no zone
      '2026-12-02T09:10:27z', // only upper-case Z
      '20261-12-02', // not four digits
      '2026-12-021',
    ];
    for (const s of notStamps) expect(value(s)).toBe(`k: ${s}\n`);
  });

  it('"<<" is in the resolve map but its first byte has no hint, so it stays plain', () => {
    expect(value('<<')).toBe('k: <<\n');
  });
});

describe('goyaml: emitter fallbacks for strings that cannot be plain (emitterc.go analyze/select_scalar_style)', () => {
  it('indicators make the emitter pick single quotes', () => {
    const single = ['-', '- a', '? a', ': a', 'a: b', 'a:', 'a #b', '#a', ',a', '[a]', ']a', '{a}', '}a'];
    const single2 = ['&a', '*a', '!a', '|a', '>a', '"a"', '%a', '@a', '`a', '---', '...', '---x', '...x'];
    for (const s of [...single, ...single2]) expect(value(s)).toBe(`k: '${s}'\n`);
  });

  it('a single quote inside single quotes is doubled', () => {
    expect(value("'a'")).toBe("k: '''a'''\n");
    expect(value("#it's")).toBe("k: '#it''s'\n");
  });

  it('leading or trailing spaces force quoting', () => {
    expect(value(' a')).toBe("k: ' a'\n");
    expect(value('a ')).toBe("k: 'a '\n");
    expect(value(' ')).toBe("k: ' '\n");
  });

  it('indicators that are fine in block context stay plain', () => {
    const plain = [
      '-a',
      '?a',
      ':a',
      'a:b',
      'a#b',
      'a,b',
      'a, b',
      'a[b]',
      'a{b}',
      "it's",
      'a "b"',
      '--',
      '..',
    ];
    const plain2 = [
      'a - b',
      'x-y',
      'a\\b',
      'https://example.com:443/x?y=z#f',
      'user@host',
      '-teleport-internal-join',
    ];
    for (const s of [...plain, ...plain2]) expect(value(s)).toBe(`k: ${s}\n`);
  });

  it('non-printable characters force double quotes with escapes', () => {
    expect(value('a\tb')).toBe('k: "a\\tb"\n');
    expect(value('\u0000\u0007\b\u000b\f\r\u001b')).toBe('k: "\\0\\a\\b\\v\\f\\r\\e"\n');
    expect(value('\u0001\u001f')).toBe('k: "\\x01\\x1F"\n');
    expect(value('a\ufeffb')).toBe('k: "a\\uFEFFb"\n');
    // DEL, C1 controls and U+FFFE/U+FFFF never get here: upstream fails in the JSON decode step (below).
    expect(value('tab\t"q"\\')).toBe('k: "tab\\t\\"q\\"\\\\"\n');
  });

  it('a CR or a space before a newline rules out the literal style, so the string is double-quoted', () => {
    expect(value('a\r\nb')).toBe('k: "a\\r\\nb"\n');
    expect(value('a \nb')).toBe('k: "a \\nb"\n');
    expect(value('a\nb ')).toBe('k: "a\\nb "\n');
  });

  it('a leading BOM escapes every character (is_bom looks at the start of the value)', () => {
    expect(value('\ufeffa "')).toBe('k: "\\uFEFF\\x61\\x20\\""\n');
  });
});

describe('goyaml: unicode (encode.go sets unicode output; yamlprivateh.go is_printable)', () => {
  it('printable BMP characters are written as-is', () => {
    expect(value('héllo wörld')).toBe('k: héllo wörld\n');
    expect(value('日本語')).toBe('k: 日本語\n');
    expect(value('a\u00a0b')).toBe('k: a\u00a0b\n');
    expect(goYAML({ ключ: 'значение' })).toBe('ключ: значение\n');
  });

  it('characters outside the BMP are not printable: double quotes with \\U escapes', () => {
    expect(value('🚀')).toBe('k: "\\U0001F680"\n');
    expect(value('a😀b')).toBe('k: "a\\U0001F600b"\n');
  });

  it('a lone surrogate becomes U+FFFD, as Go encoding/json would have written it', () => {
    expect(value('a\ud800b')).toBe('k: a\ufffdb\n');
  });

  it('U+2028 is printable but a line break: single quotes, with the break written raw', () => {
    expect(value('a\u2028b')).toBe("k: 'a\u2028  b'\n");
    expect(value('a\u2029')).toBe("k: 'a\u2029'\n");
    expect(goYAML({ k: 'a\u2028 b' })).toBe('k: "a\\L b"\n');
  });
});

describe('goyaml: the JSON decode step (Go encoding/json output read by yaml.v2 readerc.go/scannerc.go)', () => {
  const fails = 'error converting JSON to YAML: yaml: ';

  it('DEL, C1 controls other than NEL, U+FFFE and U+FFFF reach the reader raw: upstream fails', () => {
    for (const s of ['a\u007fb', '\u0080', '\u0084', '\u0086', '\u009f', '\ufffe', '\uffff']) {
      expect(() => value(s)).toThrow(`${fails}control characters are not allowed`);
      expect(() => goYAML({ [s]: 1 })).toThrow(`${fails}control characters are not allowed`);
    }
  });

  it('a raw NEL folds like a line break in a double-quoted scalar', () => {
    expect(value('a\u0085b')).toBe('k: a b\n');
    expect(value('a  \u0085  b')).toBe('k: a b\n');
    expect(value('a\u0085\u0085b')).toBe('k: |-\n  a\n  b\n');
    expect(value('a\u0085 \u0085\u0085b')).toBe('k: |-\n  a\n\n  b\n');
    expect(value('\u0085')).toBe("k: ' '\n");
    expect(value('a\u0085 --- b')).toBe('k: a --- b\n');
    expect(() => value('a\u0085--- b')).toThrow(`${fails}found unexpected document indicator`);
  });

  it('a key must be a simple key in the JSON flow mapping: one line, quoted form at most 1024 characters', () => {
    expect(() => goYAML({ 'a\u0085b': 1 })).toThrow(`${fails}did not find expected ',' or '}'`);
    expect(goYAML({ [x(1022)]: 1 })).toBe(`? ${x(1022)}\n: 1\n`);
    expect(() => goYAML({ [x(1023)]: 1 })).toThrow(`${fails}did not find expected ',' or '}'`);
    // encoding/json writes '<' as \u003c, six characters.
    expect(goYAML({ ['<'.repeat(170)]: 1 })).toBe(`? ${'<'.repeat(170)}\n: 1\n`);
    expect(() => goYAML({ ['<'.repeat(171)]: 1 })).toThrow(`${fails}did not find expected ',' or '}'`);
  });
});

describe('goyaml: multi-line strings use the literal style (encode.go stringv, emitterc.go write_literal_scalar)', () => {
  it('chomping indicator: "-" without a final newline, none with one, "+" with more', () => {
    expect(value('a\nb')).toBe('k: |-\n  a\n  b\n');
    expect(value('a\nb\n')).toBe('k: |\n  a\n  b\n');
    expect(value('a\n\n')).toBe('k: |+\n  a\n\n');
    expect(value('\n')).toBe('k: |2+\n\n');
  });

  it('an indentation indicator when the text starts with a space or a newline', () => {
    expect(value(' a\nb')).toBe('k: |2-\n   a\n  b\n');
    expect(value('\na')).toBe('k: |2-\n\n  a\n');
    expect(value('a\n b')).toBe('k: |-\n  a\n   b\n');
  });

  it('indents by the scalar indent of the context', () => {
    expect(goYAML('a\nb')).toBe('|-\n  a\n  b\n');
    expect(goYAML({ a: { b: 'x\ny' } })).toBe('a:\n  b: |-\n    x\n    y\n');
    expect(goYAML(['x\ny'])).toBe('- |-\n  x\n  y\n');
    expect(goYAML({ k: ['x\ny', 'z'] })).toBe('k:\n- |-\n  x\n  y\n- z\n');
    expect(goYAML({ a: 'x\n', b: 1 })).toBe('a: |\n  x\nb: 1\n');
  });

  it('a multi-line key is a complex key: "? |-" then ": value"', () => {
    expect(goYAML({ 'a\nb': 1 })).toBe('? |-\n  a\n  b\n: 1\n');
  });
});

describe('goyaml: block structure (emitterc.go increase_indent, block sequence/mapping states)', () => {
  it('maps indent by 2; a sequence that is a map value is not indented', () => {
    expect(goYAML({ a: [1, 2], b: { c: 1 } })).toBe('a:\n- 1\n- 2\nb:\n  c: 1\n');
  });

  it('a map inside a sequence starts on the dash line', () => {
    expect(goYAML([{ a: 1, b: 2 }, { c: 3 }])).toBe('- a: 1\n  b: 2\n- c: 3\n');
    expect(goYAML([{ a: { b: 1 } }])).toBe('- a:\n    b: 1\n');
    expect(goYAML([{ a: ['x'] }])).toBe('- a:\n  - x\n');
    expect(goYAML({ a: [{ b: [{ c: 1 }] }] })).toBe('a:\n- b:\n  - c: 1\n');
  });

  it('sequences of sequences', () => {
    expect(goYAML([[1, 2], [3]])).toBe('- - 1\n  - 2\n- - 3\n');
    expect(goYAML([[[]]])).toBe('- - []\n');
  });

  it('empty collections and null inside structures', () => {
    expect(goYAML({ a: [], b: {}, c: null })).toBe('a: []\nb: {}\nc: null\n');
    expect(goYAML([[], {}, null])).toBe('- []\n- {}\n- null\n');
  });

  it('follows JSON.stringify for values JSON cannot hold', () => {
    const f = (): void => undefined;
    expect(goYAML({ a: undefined, b: f, c: 1 })).toBe('c: 1\n');
    expect(goYAML([undefined, f])).toBe('- null\n- null\n');
    expect(goYAML({ t: new Date(Date.UTC(2026, 11, 2, 9, 10, 27)) })).toBe('t: "2026-12-02T09:10:27.000Z"\n');
  });

  it('a tsh status-like document', () => {
    const doc = {
      active: {
        profile_url: 'https://teleport.example.com:443',
        username: 'alice',
        cluster: 'teleport.example.com',
        roles: ['access', 'editor'],
        traits: { logins: ['root'], kubernetes_groups: null },
        logins: ['root', '-teleport-internal-join'],
        kubernetes_enabled: true,
        valid_until: '2026-12-02T09:10:27Z',
        extensions: ['permit-X11-forwarding', 'permit-agent-forwarding'],
      },
      profiles: [],
    };
    expect(goYAML(doc)).toBe(
      [
        'active:',
        '  cluster: teleport.example.com',
        '  extensions:',
        '  - permit-X11-forwarding',
        '  - permit-agent-forwarding',
        '  kubernetes_enabled: true',
        '  logins:',
        '  - root',
        '  - -teleport-internal-join',
        '  profile_url: https://teleport.example.com:443',
        '  roles:',
        '  - access',
        '  - editor',
        '  traits:',
        '    kubernetes_groups: null',
        '    logins:',
        '    - root',
        '  username: alice',
        '  valid_until: "2026-12-02T09:10:27Z"',
        'profiles: []',
        '',
      ].join('\n'),
    );
  });
});

describe('goyaml: numbers (ghodss JSONToYAML decodes with yaml.v2; encode.go intv/uintv/floatv)', () => {
  it('integral values are ints', () => {
    expect(goYAML(3600000000000)).toBe('3600000000000\n');
    expect(goYAML(-5)).toBe('-5\n');
    expect(goYAML(-0)).toBe('0\n');
    expect(goYAML(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991\n');
    expect(goYAML(2 ** 63)).toBe('9223372036854775808\n');
    expect(goYAML(-(2 ** 63))).toBe('-9223372036854775808\n');
    expect(goYAML(18446744073709551615n)).toBe('18446744073709551615\n');
  });

  it("other values use strconv.FormatFloat(f, 'g', -1, 64): exponent form below 1e-4 or from 1e6", () => {
    expect(goYAML(1.5)).toBe('1.5\n');
    expect(goYAML(-2.25)).toBe('-2.25\n');
    expect(goYAML(0.0001)).toBe('0.0001\n');
    expect(goYAML(0.00001)).toBe('1e-05\n');
    expect(goYAML(0.000001)).toBe('1e-06\n');
    expect(goYAML(123456.5)).toBe('123456.5\n');
    expect(goYAML(1234567.5)).toBe('1.2345675e+06\n');
    expect(goYAML(999999.5)).toBe('999999.5\n');
    expect(goYAML(608863452348.1149)).toBe('6.088634523481149e+11\n');
    expect(goYAML(5e-324)).toBe('5e-324\n');
    expect(goYAML(1.7976931348623157e308)).toBe('1.7976931348623157e+308\n');
  });

  it('integral values beyond 64 bits (or from 1e21, where Go JSON switches to exponents) are floats', () => {
    expect(goYAML(1e21)).toBe('1e+21\n');
    expect(goYAML(1e20)).toBe('1e+20\n');
    expect(goYAML(2 ** 64)).toBe('1.8446744073709552e+19\n');
    expect(goYAML(-(2 ** 64))).toBe('-1.8446744073709552e+19\n');
  });

  it('non-finite numbers use the floatv spellings', () => {
    expect(goYAML([NaN, Infinity, -Infinity])).toBe('- .nan\n- .inf\n- -.inf\n');
  });
});

describe('goyaml: folding past best_width 80 (apic.go/emitterc.go in v2.4.0)', () => {
  it('plain: a space is turned into a break only once the column is past 80', () => {
    expect(goYAML(x(80) + ' y')).toBe(x(80) + ' y\n');
    expect(goYAML(x(81) + ' y')).toBe(x(81) + '\n  y\n');
    expect(goYAML(x(81) + ' ' + x(81) + ' y')).toBe(x(81) + '\n  ' + x(81) + '\n  y\n');
  });

  it('plain: the column counts the key and the continuation uses the scalar indent', () => {
    const words = Array(10).fill('a'.repeat(9));
    expect(value(words.join(' '))).toBe(`k: ${words.slice(0, 8).join(' ')}\n  ${words.slice(8).join(' ')}\n`);
    expect(goYAML({ a: { b: x(80) + ' y' } })).toBe(`a:\n  b: ${x(80)}\n    y\n`);
    expect(goYAML([x(78) + ' y'])).toBe(`- ${x(78)} y\n`);
    expect(goYAML([x(79) + ' y'])).toBe(`- ${x(79)}\n  y\n`);
  });

  it('plain: no break before a second space, and never inside a word', () => {
    expect(goYAML(x(81) + '  y')).toBe(x(81) + '  y\n');
    expect(goYAML(x(200))).toBe(x(200) + '\n');
  });

  it('single-quoted strings fold the same way', () => {
    expect(goYAML('#' + x(85) + ' b')).toBe(`'#${x(85)}\n  b'\n`);
  });

  it('double-quoted strings fold; a following space is escaped; the last space never folds', () => {
    expect(goYAML('\t' + x(85) + ' b')).toBe(`"\\t${x(85)}\n  b"\n`);
    expect(goYAML('\t' + x(85) + '  b')).toBe(`"\\t${x(85)}\n  \\ b"\n`);
    expect(goYAML('\t' + x(85) + ' ')).toBe(`"\\t${x(85)} "\n`);
  });

  it('literal blocks never fold', () => {
    expect(value(x(90) + ' y\nz')).toBe(`k: |-\n  ${x(90)} y\n  z\n`);
  });

  it('simple keys never fold; keys over 128 bytes become "? key" complex keys, which do', () => {
    expect(goYAML({ [x(90) + ' z']: 1 })).toBe(`${x(90)} z: 1\n`);
    expect(goYAML({ [x(129)]: 1 })).toBe(`? ${x(129)}\n: 1\n`);
    expect(goYAML({ ['é'.repeat(64)]: 1 })).toBe(`${'é'.repeat(64)}: 1\n`);
    expect(goYAML({ ['é'.repeat(65)]: 1 })).toBe(`? ${'é'.repeat(65)}\n: 1\n`);
    const k = 'k'.repeat(50);
    expect(goYAML({ [`${k} ${k} ${k} end`]: { a: 1 } })).toBe(`? ${k} ${k}\n  ${k} end\n: a: 1\n`);
  });
});

describe('goyaml: output reads back with a YAML 1.1 parser', () => {
  it('round-trips ordinary documents', () => {
    const docs: unknown[] = [
      { a: ['x\ny', 'z\n', ' lead\nx'], b: { 'c d': '#x', e: 'tab\there', f: '🚀 ok' } },
      [{ 'a\nb': 1, [x(130)]: [1.5, -2, 'yes', '12:30', '2026-12-02'] }],
      { long: Array(40).fill('word').join(' '), dq: '\t' + Array(40).fill('w').join('  ') },
    ];
    for (const d of docs) expect(parse(goYAML(d), { version: '1.1' })).toEqual(d);
  });
});
