// Go encoding/json details: HTML-safe escaping, MarshalIndent, json.Indent.
import { describe, expect, it } from 'vitest';
import { goIndentJSON, goMarshalIndent, goString } from '../../../src/format/gojson.js';

describe('gojson', () => {
  it('goMarshalIndent escapes like Go', () => {
    expect(goMarshalIndent({ a: '<b>&' })).toBe('{\n  "a": "\\u003cb\\u003e\\u0026"\n}');
  });

  it('goString writes \\b and \\f as \\u escapes, as encoding/json', () => {
    expect(goString('a\bb\fc\\d')).toBe('"a\\u0008b\\u000cc\\\\d"');
    expect(goString('tab\tnl\n')).toBe('"tab\\tnl\\n"');
  });

  // encoding/json Indent(dst, src, prefix, indent): newline + prefix + indent*depth per element,
  // "{}"/"[]" kept compact, ": " after keys; the first line carries no prefix.
  it('goIndentJSON matches json.Indent with a prefix', () => {
    const compact = '{"a":1,"b":[1,2],"c":{},"d":[],"e":{"f":"x,y:{z}"}}';
    expect(goIndentJSON(compact, '    ', '    ')).toBe(
      [
        '{',
        '        "a": 1,',
        '        "b": [',
        '            1,',
        '            2',
        '        ],',
        '        "c": {},',
        '        "d": [],',
        '        "e": {',
        '            "f": "x,y:{z}"',
        '        }',
        '    }',
      ].join('\n'),
    );
    expect(goIndentJSON('{"s":"<a&b>"}', '', '  ')).toBe('{\n  "s": "\\u003ca\\u0026b\\u003e"\n}');
    expect(goIndentJSON('"q\\"x"', '', '  ')).toBe('"q\\"x"');
  });
});
