// A YAML encoder that reproduces, byte for byte, what upstream tsh prints for `--format yaml`.
//
// Upstream marshals a Go value to JSON, then github.com/ghodss/yaml's JSONToYAML decodes that JSON
// with gopkg.in/yaml.v2 (so integers stay integers) and re-encodes it with yaml.v2 v2.4.0's Marshal.
// This file ports the parts of yaml.v2 that decide the output for JSON-shaped data: the key order
// (sorter.go), the quoting decision (encode.go + resolve.go) and the libyaml emitter (emitterc.go).
// The rules, with their upstream sources, are listed in docs/go-yaml.md.

const BEST_INDENT = 2; // emitterc.go: best_indent defaults to 2
const BEST_WIDTH = 80; // v2.4.0 leaves best_width at 0, which the emitter turns into 80
const SIMPLE_KEY_MAX_BYTES = 128; // emitterc.go yaml_emitter_check_simple_key

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** yaml.v2 Marshal output for a JSON-decoded value (no `---`, ends with one newline). */
export function goYAML(value: unknown): string {
  return new Emitter().document(value);
}

/** What tsh writes: `fmt.Println` of the Marshal output, so the text ends with a blank line. */
export function goYAMLPrintln(value: unknown): string {
  return goYAML(value) + '\n';
}

// ---------------------------------------------------------------------------------------------
// Scalars: the text and the style the encoder asks for (encode.go), plus the emitter's analysis.

type Style = 'plain' | 'single' | 'double' | 'literal';

interface Analysis {
  chars: number; // code points: the emitter counts one column per character
  multiline: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
}

interface Scalar {
  text: string;
  style: Style; // the style the encoder requests
  analysis: Analysis;
}

function codePoints(text: string): number[] {
  const cps: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    cps.push(cp);
    if (cp > 0xffff) i++;
  }
  return cps;
}

function scalar(text: string, style: Style): Scalar {
  return { text, style, analysis: analyzeScalar(text) };
}

/** encode.go stringv: literal if it has a newline, plain if it reads back as a string, else "…". */
function stringScalar(s: string): Scalar {
  if (s.includes('\n')) return scalar(s, 'literal');
  return scalar(s, resolvesToString(s) && !isBase60Float(s) ? 'plain' : 'double');
}

/** Thrown where upstream tsh fails instead of printing (ghodss wraps the yaml.v2 decode error). */
function decodeError(problem: string): Error {
  return new Error(`error converting JSON to YAML: yaml: ${problem}`);
}

/**
 * The string yaml.v2 gets back when it decodes the JSON text Go wrote for `raw` (ghodss JSONToYAML).
 * Go's encoding/json leaves DEL, C1 controls, U+FFFE/U+FFFF and NEL unescaped, and yaml.v2's reader
 * and double-quoted scanner treat those specially.
 */
function decodeJSONString(raw: string, isKey: boolean): string {
  // Fast path: nothing special and too short to break the key limit (one UTF-16 unit <= 6 characters).
  if (!/[\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/.test(raw) && (!isKey || raw.length <= 170)) return raw;
  // encoding/json writes invalid UTF-8 (here: lone surrogates) as U+FFFD.
  const s = raw.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  // readerc.go: outside tab, LF, CR, printable ASCII, NEL, U+00A0..U+D7FF, U+E000..U+FFFD and U+10000+.
  if (/[\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF]/.test(s))
    throw decodeError('control characters are not allowed');
  // scannerc.go: a simple key must stay on one line with its ':' at most 1024 characters after its
  // start; otherwise the flow mapping misses its ','. (The upstream "line N: " prefix is not reproduced.)
  if (isKey && (s.includes('\u0085') || goJSONQuotedLength(s) > 1024)) {
    throw decodeError("did not find expected ',' or '}'");
  }
  if (!s.includes('\u0085')) return s;
  // A NEL is a line break inside the double-quoted scalar: "---" or "..." right after it ends the document.
  if (/\u0085(?:---|\.\.\.)[ \u0085]/.test(s)) throw decodeError('found unexpected document indicator');
  // Line folding: one break and the spaces around it become a space; n breaks become n-1 newlines.
  return s.replace(/[ \u0085]*\u0085[ \u0085]*/g, (run) => {
    const breaks = run.split('\u0085').length - 1;
    return breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
  });
}

/** The length of the JSON string literal Go's encoding/json writes (HTML-safe escaping, Go 1.22+). */
function goJSONQuotedLength(s: string): number {
  let n = 2;
  for (const ch of s) {
    if ('"\\\b\f\n\r\t'.includes(ch)) n += 2;
    else if (ch < ' ' || '<>&\u2028\u2029'.includes(ch)) n += 6;
    else n += 1;
  }
  return n;
}

/** A JSON number as the JSON text Go wrote would be re-read by yaml.v2 resolve and re-encoded. */
function numberText(n: number): string {
  // Go writes integral values below 1e21 without '.' or exponent; yaml.v2 reads them as int/uint
  // when they fit 64 bits and as float64 otherwise.
  if (Number.isInteger(n) && Math.abs(n) < 1e21) {
    const b = BigInt(n);
    if (b >= INT64_MIN && b <= UINT64_MAX) return b.toString();
  }
  return goFloat(n);
}

/** strconv.FormatFloat(f, 'g', -1, 64) plus the .inf/.nan spellings of encode.go floatv. */
function goFloat(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  // toExponential() yields the shortest round-trip digits, as Go's shortest formatting does.
  const [mant, e] = Math.abs(n).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(e);
  let body: string;
  if (exp < -4 || exp >= 6) {
    // %e form: the exponent has at least two digits.
    const ae = Math.abs(exp);
    body = `${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  } else {
    const dp = exp + 1; // digits before the decimal point
    if (dp <= 0) body = '0.' + '0'.repeat(-dp) + digits;
    else if (dp >= digits.length) body = digits + '0'.repeat(dp - digits.length);
    else body = digits.slice(0, dp) + '.' + digits.slice(dp);
  }
  return (n < 0 ? '-' : '') + body;
}

// ---------------------------------------------------------------------------------------------
// resolve.go: would this string, written plain, be read back as something other than a string?

// Everything in yaml.v2's resolve map is a bool, null, float or merge key: none is a string.
const RESOLVE_MAP = new Set([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'],
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'],
  ...['', '~', 'null', 'Null', 'NULL'],
  ...['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF'],
  '<<',
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

function resolvesToString(s: string): boolean {
  if (s === '') return false; // null
  const c = s[0];
  // resolve() looks only at strings whose first byte is in its hint table.
  const hint =
    c === '+' || c === '-' ? 'S' : c >= '0' && c <= '9' ? 'D' : 'yYnNtTfFoO~'.includes(c) ? 'M' : c;
  if (hint !== 'S' && hint !== 'D' && hint !== 'M' && hint !== '.') return true;
  if (RESOLVE_MAP.has(s)) return false;
  if (hint === 'M') return true;
  if (hint === '.') return !dotFloatParses(s);
  if (isGoTimestamp(s)) return false;
  const plain = s.replaceAll('_', '');
  if (goParseInt(plain, 0) !== undefined || goParseUint(plain, 0) !== undefined) return false;
  // The regex admits only well-formed decimals; ParseFloat then fails only on overflow.
  if (YAML_STYLE_FLOAT.test(plain) && Number.isFinite(Number(plain))) return false;
  if (plain.startsWith('0b')) {
    const rest = plain.slice(2);
    if (goParseInt(rest, 2) !== undefined || goParseUint(rest, 2) !== undefined) return false;
  } else if (plain.startsWith('-0b')) {
    if (goParseInt('-' + plain.slice(3), 2) !== undefined) return false;
  }
  return true;
}

/** encode.go isBase60Float: YAML 1.1 sexagesimal numbers like 12:30 are quoted on output. */
function isBase60Float(s: string): boolean {
  const c = s[0];
  if (!(c === '+' || c === '-' || (c >= '0' && c <= '9')) || !s.includes(':')) return false;
  return BASE60_FLOAT.test(s);
}

/** strconv.ParseUint; undefined on any error. Base 0 takes 0b/0o/0x and a leading-0 octal. */
function goParseUint(s: string, base: number): bigint | undefined {
  if (s === '') return undefined;
  if (base === 0) {
    base = 10;
    if (s[0] === '0') {
      const p = s.length >= 3 ? s[1].toLowerCase() : '';
      base = p === 'b' ? 2 : p === 'x' ? 16 : 8;
      s = s.slice(p === 'b' || p === 'o' || p === 'x' ? 2 : 1);
    }
  }
  let n = 0n;
  for (const ch of s) {
    const d = /[0-9]/.test(ch)
      ? ch.charCodeAt(0) - 48
      : /[a-z]/i.test(ch)
        ? (ch.charCodeAt(0) | 32) - 87
        : 99;
    if (d >= base) return undefined;
    n = n * BigInt(base) + BigInt(d);
    if (n > UINT64_MAX) return undefined;
  }
  return n;
}

/** strconv.ParseInt(s, base, 64); undefined on any error. */
function goParseInt(s: string, base: number): bigint | undefined {
  const neg = s[0] === '-';
  const u = goParseUint(s[0] === '+' || neg ? s.slice(1) : s, base);
  if (u === undefined || u > (neg ? -INT64_MIN : INT64_MAX)) return undefined;
  return neg ? -u : u;
}

/** strconv.ParseFloat on a string starting with '.': digits, '_' separators, optional exponent. */
function dotFloatParses(s: string): boolean {
  const m = /^\.([0-9_]*)(?:[eE][-+]?[0-9][0-9_]*)?$/.exec(s);
  if (!m || !/[0-9]/.test(m[1])) return false;
  if (s.includes('_') && !underscoreOK(s)) return false;
  return Number.isFinite(Number(s.replaceAll('_', ''))); // overflow is ErrRange
}

/** strconv underscoreOK for decimals: every '_' must sit between two digits. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  for (const ch of s.replace(/^[-+]/, '')) {
    if (ch >= '0' && ch <= '9') saw = '0';
    else if (ch === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else if (saw === '_') return false;
    else saw = '!';
  }
  return saw !== '_';
}

/**
 * resolve.go parseTimestamp: four digits and '-', then Go's time.Parse with one of
 * "2006-1-2T15:4:5.999999999Z07:00", the same with a lower-case 't', "2006-1-2 15:4:5.999999999"
 * or "2006-1-2".
 */
function isGoTimestamp(s: string): boolean {
  if (!/^[0-9]{4}-/.test(s)) return false;
  let p = 5;
  const digitAt = (i: number): boolean => i < s.length && s[i] >= '0' && s[i] <= '9';
  // time.getnum: one or two digits.
  const num = (): number => {
    if (!digitAt(p)) return -1;
    const two = digitAt(p + 1);
    const v = two ? Number(s.slice(p, p + 2)) : Number(s[p]);
    p += two ? 2 : 1;
    return v;
  };
  const lit = (c: string): boolean => s[p] === c && ++p > 0;
  const year = Number(s.slice(0, 4));
  const month = num();
  if (month < 1 || month > 12 || !lit('-')) return false;
  const day = num();
  if (day < 0) return false;
  if (p < s.length) {
    const sep = s[p];
    if (sep === ' ')
      while (s[p] === ' ') p++; // a layout space matches a run of spaces
    else if (sep !== 'T' && sep !== 't') return false;
    else p++;
    const hour = num();
    if (hour < 0 || hour >= 24 || !lit(':')) return false;
    const min = num();
    if (min < 0 || min >= 60 || !lit(':')) return false;
    const sec = num();
    if (sec < 0 || sec >= 60) return false;
    if ((s[p] === '.' || s[p] === ',') && digitAt(p + 1)) for (p++; digitAt(p); p++);
    if (sep !== ' ') {
      // Z07:00: "Z" or a sign, two digits, ':' and two digits (offsets up to 24:60).
      if (s[p] === 'Z') p++;
      else {
        const z = /^[-+]([0-9]{2}):([0-9]{2})/.exec(s.slice(p));
        if (!z || Number(z[1]) > 24 || Number(z[2]) > 60) return false;
        p += 6;
      }
    }
    if (p !== s.length) return false;
  }
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysIn = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day >= 1 && day <= daysIn;
}

// ---------------------------------------------------------------------------------------------
// emitterc.go + yamlprivateh.go character classes (on code points instead of UTF-8 bytes).

/** is_printable: no C0/C1 controls except LF, no surrogates, no U+FEFF/U+FFFE/U+FFFF, no 4-byte characters. */
function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}
const isBreak = (cp: number | undefined): boolean =>
  cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isBlank = (cp: number | undefined): boolean => cp === 0x20 || cp === 0x09;
const SPACE = 0x20;

// Characters that cannot start a plain scalar (# , [ ] { } & * ! | > ' " % @ `).
const FIRST_CHAR_INDICATORS = new Set(Array.from('#,[]{}&*!|>\'"%@`', (ch) => ch.charCodeAt(0)));

/** yaml_emitter_analyze_scalar (flow-context results are dropped: JSON data never needs them). */
function analyzeScalar(text: string): Analysis {
  if (text === '') return { chars: 0, multiline: false, blockPlain: true, singleQuoted: true, block: false };
  // "---" or "..." at the start would read as a document marker.
  let blockIndicators = text.startsWith('---') || text.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  let chars = 0;
  for (let i = 0, w = 1; i < text.length; i += w, chars++) {
    const c = text.codePointAt(i)!;
    w = c > 0xffff ? 2 : 1;
    const last = i + w >= text.length;
    const followedByWhitespace = last || isBlank(text.charCodeAt(i + w));
    if (i === 0) {
      if (FIRST_CHAR_INDICATORS.has(c)) blockIndicators = true;
      else if ((c === 0x3f || c === 0x3a || c === 0x2d) && followedByWhitespace) blockIndicators = true; // ? : -
    } else if ((c === 0x3a && followedByWhitespace) || (c === 0x23 && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    if (c === SPACE) {
      if (i === 0) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c) || c === 0;
  }
  const a: Analysis = { chars, multiline: lineBreaks, blockPlain: true, singleQuoted: true, block: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks || blockIndicators) {
    a.blockPlain = false;
  }
  if (trailingSpace) a.block = false;
  if (breakSpace) a.blockPlain = a.singleQuoted = false;
  if (spaceBreak || special) a.blockPlain = a.singleQuoted = a.block = false;
  return a;
}

// ---------------------------------------------------------------------------------------------
// sorter.go keyList.Less, for string keys.

// unicode.IsLetter / unicode.IsDigit, with an ASCII fast path.
const isLetter = (cp: number): boolean =>
  cp < 0x80 ? (cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a : /\p{L}/u.test(String.fromCodePoint(cp));
const isDigit = (cp: number): boolean =>
  cp < 0x80 ? cp >= 0x30 && cp <= 0x39 : /\p{Nd}/u.test(String.fromCodePoint(cp));

/** Letters compare by code point; a non-letter sorts before a letter; digit runs compare as numbers. */
function keyLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length && i < b.length; i++) {
    if (a[i] === b[i]) continue;
    const al = isLetter(a[i]);
    const bl = isLetter(b[i]);
    if (al && bl) return a[i] < b[i];
    if (al || bl) return bl;
    // A '0' continuing a number that has a non-zero digit is significant, so seed both with 1.
    let an = 0n;
    let bn = 0n;
    if (a[i] === 0x30 || b[i] === 0x30) {
      for (let j = i - 1; j >= 0 && isDigit(a[j]); j--) {
        if (a[j] !== 0x30) {
          an = bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    // Go accumulates in an int64 (wrapping) using rune - '0'.
    for (; ai < a.length && isDigit(a[ai]); ai++) an = BigInt.asIntN(64, an * 10n + BigInt(a[ai] - 0x30));
    for (; bi < b.length && isDigit(b[bi]); bi++) bn = BigInt.asIntN(64, bn * 10n + BigInt(b[bi] - 0x30));
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return a[i] < b[i];
  }
  return a.length < b.length;
}

function sortedKeys(keys: string[]): string[] {
  const cps = new Map(keys.map((k) => [k, codePoints(k)]));
  return keys.sort((x, y) => {
    const a = cps.get(x)!;
    const b = cps.get(y)!;
    return keyLess(a, b) ? -1 : keyLess(b, a) ? 1 : 0;
  });
}

// ---------------------------------------------------------------------------------------------
// The emitter state machine (emitterc.go), for block collections, empty flow collections and
// scalars. Flow collections are only ever empty here, so no scalar is written in flow context.

/** Values JSON.stringify leaves out of objects (and turns into null in arrays). */
const isOmitted = (v: unknown): boolean =>
  v === undefined || typeof v === 'function' || typeof v === 'symbol';

function toJSONValue(v: unknown): unknown {
  const j = (v as { toJSON?: unknown } | null)?.toJSON;
  return typeof j === 'function' ? (j as () => unknown).call(v) : v;
}

class Emitter {
  private readonly out: string[] = [];
  private column = 0;
  private indent = -1;
  private readonly indents: number[] = [];
  private whitespace = true;
  private indention = true;
  private mappingContext = false;
  private simpleKeyContext = false;

  document(value: unknown): string {
    // The document start is implicit (no "---"); the document end only breaks the last line.
    this.node(value, false);
    this.writeIndent();
    return this.out.join('');
  }

  private node(raw: unknown, mapping: boolean): void {
    this.mappingContext = mapping;
    this.simpleKeyContext = false;
    const v = toJSONValue(raw);
    if (Array.isArray(v)) return this.sequence(v);
    if (typeof v === 'object' && v !== null) return this.mapping(v as Record<string, unknown>);
    if (typeof v === 'string') return this.scalar(stringScalar(decodeJSONString(v, false)));
    if (typeof v === 'number') return this.scalar(scalar(numberText(v), 'plain'));
    if (typeof v === 'bigint') {
      const text = v >= INT64_MIN && v <= UINT64_MAX ? v.toString() : goFloat(Number(v));
      return this.scalar(scalar(text, 'plain'));
    }
    if (typeof v === 'boolean') return this.scalar(scalar(String(v), 'plain'));
    this.scalar(scalar('null', 'plain'));
  }

  private sequence(items: unknown[]): void {
    if (items.length === 0) return this.emptyFlow('[', ']');
    // A sequence that is a mapping value, started right after "key:", is not indented.
    this.increaseIndent(false, this.mappingContext && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(isOmitted(item) ? null : item, false);
    }
    this.indent = this.indents.pop()!;
  }

  private mapping(obj: Record<string, unknown>): void {
    // Go sorts the keys it decoded from the JSON text.
    const decoded = new Map<string, unknown>();
    for (const k of Object.keys(obj)) if (!isOmitted(obj[k])) decoded.set(decodeJSONString(k, true), obj[k]);
    const keys = sortedKeys([...decoded.keys()]);
    if (keys.length === 0) return this.emptyFlow('{', '}');
    this.increaseIndent(false, false);
    for (const k of keys) {
      this.writeIndent();
      const key = stringScalar(k);
      this.mappingContext = true;
      // Multi-line or long keys are written as "? key" / ": value" (yaml_emitter_check_simple_key).
      if (!key.analysis.multiline && Buffer.byteLength(key.text) <= SIMPLE_KEY_MAX_BYTES) {
        this.simpleKeyContext = true;
        this.scalar(key);
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.simpleKeyContext = false;
        this.scalar(key);
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(decoded.get(k), true);
    }
    this.indent = this.indents.pop()!;
  }

  /** An empty collection is written in flow style: "[]" or "{}". */
  private emptyFlow(open: string, close: string): void {
    this.writeIndicator(open, true, true, false);
    this.writeIndicator(close, false, false, false);
  }

  private scalar(sc: Scalar): void {
    this.increaseIndent(true, false);
    const allowBreaks = !this.simpleKeyContext;
    switch (this.selectStyle(sc)) {
      case 'plain':
        this.writePlain(sc, allowBreaks);
        break;
      case 'single':
        this.writeSingleQuoted(sc, allowBreaks);
        break;
      case 'double':
        this.writeDoubleQuoted(codePoints(sc.text), allowBreaks);
        break;
      case 'literal':
        this.writeLiteral(codePoints(sc.text));
        break;
    }
    this.indent = this.indents.pop()!;
  }

  /** yaml_emitter_select_scalar_style: fall back plain -> single -> double, literal -> double. */
  private selectStyle(sc: Scalar): Style {
    const a = sc.analysis;
    let style = sc.style;
    if (this.simpleKeyContext && a.multiline) style = 'double';
    if (style === 'plain' && (!a.blockPlain || (sc.analysis.chars === 0 && this.simpleKeyContext))) {
      style = 'single';
    }
    if (style === 'single' && !a.singleQuoted) style = 'double';
    if (style === 'literal' && (!a.block || this.simpleKeyContext)) style = 'double';
    return style;
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private put(s: string): void {
    this.out.push(s);
    this.column += s.length; // only ever ASCII
  }

  private write(cp: number): void {
    this.out.push(String.fromCodePoint(cp));
    this.column++;
  }

  private putBreak(): void {
    this.out.push('\n');
    this.column = 0;
  }

  private writeBreak(cp: number): void {
    if (cp === 0x0a) return this.putBreak();
    this.write(cp);
    this.column = 0;
  }

  private writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.putBreak();
    }
    if (this.column < indent) this.put(' '.repeat(indent - this.column));
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndicator(
    s: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(s);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  // Folding: a single space seen once the line is past BEST_WIDTH columns becomes a line break.

  /**
   * Whether the scalar can be copied in one piece: no line break to reproduce, and no space that
   * the fold rule could hit (one found once the column, `extra` columns ahead, is past the width).
   */
  private fitsOnLine(sc: Scalar, allowBreaks: boolean, extra: number): boolean {
    if (sc.analysis.multiline) return false;
    if (!allowBreaks || this.column + extra + sc.analysis.chars <= BEST_WIDTH + 1) return true;
    return !sc.text.includes(' ');
  }

  private writePlain(sc: Scalar, allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ');
    if (this.fitsOnLine(sc, allowBreaks, 0)) {
      this.out.push(sc.text);
      this.column += sc.analysis.chars;
      this.whitespace = this.indention = false;
      return;
    }
    const v = codePoints(sc.text);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === SPACE) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && v[i + 1] !== SPACE) this.writeIndent();
        else this.write(v[i]);
        spaces = true;
      } else if (isBreak(v[i])) {
        if (!breaks && v[i] === 0x0a) this.putBreak();
        this.writeBreak(v[i]);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.write(v[i]);
        this.indention = false;
        spaces = breaks = false;
      }
    }
    this.whitespace = this.indention = false;
  }

  private writeSingleQuoted(sc: Scalar, allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    const quotes = sc.text.split("'").length - 1; // each is doubled, one more column
    if (this.fitsOnLine(sc, allowBreaks, quotes)) {
      this.out.push(sc.text.replaceAll("'", "''"));
      this.column += sc.analysis.chars + quotes;
      this.writeIndicator("'", false, false, false);
      this.whitespace = this.indention = false;
      return;
    }
    const v = codePoints(sc.text);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === SPACE) {
        const fold = allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < v.length - 1;
        if (fold && v[i + 1] !== SPACE) this.writeIndent();
        else this.write(v[i]);
        spaces = true;
      } else if (isBreak(v[i])) {
        if (!breaks && v[i] === 0x0a) this.putBreak();
        this.writeBreak(v[i]);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (v[i] === 0x27) this.put("'");
        this.write(v[i]);
        this.indention = false;
        spaces = breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = this.indention = false;
  }

  private writeDoubleQuoted(v: number[], allowBreaks: boolean): void {
    this.writeIndicator('"', true, false, false);
    // is_bom tests the start of the whole value, so a leading BOM escapes every character.
    const bom = v[0] === 0xfeff;
    let spaces = false;
    for (let i = 0; i < v.length; i++) {
      const cp = v[i];
      if (!isPrintable(cp) || bom || isBreak(cp) || cp === 0x22 || cp === 0x5c) {
        this.put('\\' + escapeOf(cp));
        spaces = false;
      } else if (cp === SPACE) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < v.length - 1) {
          this.writeIndent();
          // A second space would be eaten by the fold, so it is escaped.
          if (v[i + 1] === SPACE) this.put('\\');
        } else this.write(cp);
        spaces = true;
      } else {
        this.write(cp);
        spaces = false;
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = this.indention = false;
  }

  private writeLiteral(v: number[]): void {
    this.writeIndicator('|', true, false, false);
    // Block scalar hints: an indentation digit if the text starts with a space or break, then
    // '-' (strip) without a final break or '+' (keep) with more than one.
    if (v[0] === SPACE || isBreak(v[0])) this.writeIndicator(String(BEST_INDENT), false, false, false);
    const n = v.length;
    const chomp = !isBreak(v[n - 1]) ? '-' : n === 1 || isBreak(v[n - 2]) ? '+' : '';
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = this.whitespace = true;
    let breaks = true;
    for (const cp of v) {
      if (isBreak(cp)) {
        this.writeBreak(cp);
        this.indention = breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.write(cp);
        this.indention = breaks = false;
      }
    }
  }
}

/** The escape after '\' in a double-quoted scalar (yaml_emitter_write_double_quoted_scalar). */
function escapeOf(cp: number): string {
  const named: Record<number, string> = {
    0x00: '0',
    0x07: 'a',
    0x08: 'b',
    0x09: 't',
    0x0a: 'n',
    0x0b: 'v',
    0x0c: 'f',
    0x0d: 'r',
    0x1b: 'e',
    0x22: '"',
    0x5c: '\\',
    0x85: 'N',
    0xa0: '_',
    0x2028: 'L',
    0x2029: 'P',
  };
  if (cp in named) return named[cp];
  const hex = cp.toString(16).toUpperCase();
  return cp <= 0xff
    ? 'x' + hex.padStart(2, '0')
    : cp <= 0xffff
      ? 'u' + hex.padStart(4, '0')
      : 'U' + hex.padStart(8, '0');
}
