// A reader for the flat YAML that tsh's profile files hold (api/profile/profile.go marshals a flat
// struct with gopkg.in/yaml.v2): top-level `key: value` entries whose values are scalars (plain,
// quoted, literal, folded over several lines by yaml.v2's 80-column emitter) or short string
// lists. Each line is looked at a bounded number of times, so hostile input costs linear time;
// YAML outside this subset is a FlatYamlError naming the line, never a fallback to a full parser.

/** A profile is well under 1 KiB; anything this big is not one. */
export const MAX_FLAT_YAML_BYTES = 64 * 1024;

export class FlatYamlError extends Error {
  constructor(
    readonly line: number,
    message: string,
    /** The document is valid YAML but not a mapping (a list, a scalar, nothing). */
    readonly notMapping = false,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.name = 'FlatYamlError';
  }
}

/** A scalar: `plain` ones are resolved by the reader (true, null, 123…); the rest are strings. */
export interface FlatScalar {
  kind: 'scalar';
  value: string;
  plain: boolean;
  line: number;
}

export type FlatNode =
  FlatScalar | { kind: 'seq'; items: FlatScalar[]; line: number } | { kind: 'map'; line: number };

export interface FlatEntry {
  key: string;
  /** 1-based line of the key. */
  line: number;
  /** The entry's text: its key line and every line under it, each ending in "\n". */
  raw: string;
  /** The value, parsed on demand (unknown keys are never parsed). */
  value(): FlatNode;
}

interface Line {
  no: number;
  text: string;
}

// YAML's white space is space and tab only (JS trim() would also eat U+00A0 and friends).
const trimStart = (s: string): string => s.replace(/^[ \t]+/, '');
/** A loop, not /[ \t]+$/: that regex is quadratic on a long run of spaces followed by text. */
function trimEnd(s: string, floor = 0): string {
  let end = s.length;
  while (end > floor && (s[end - 1] === ' ' || s[end - 1] === '\t')) end--;
  return end === s.length ? s : s.slice(0, end);
}
const trim = (s: string): string => trimEnd(trimStart(s));
const isBlank = (s: string): boolean => /^[ \t]*$/.test(s);
const indentOf = (s: string): number => s.length - s.replace(/^ +/, '').length;

/**
 * Splits a document into its top-level entries, in file order (a repeated key appears twice;
 * yaml.v2's Unmarshal keeps the last). Throws FlatYamlError outside the supported subset.
 */
export function parseFlatYaml(text: string): FlatEntry[] {
  if (text.length > MAX_FLAT_YAML_BYTES) {
    throw new FlatYamlError(0, `larger than ${MAX_FLAT_YAML_BYTES} bytes`);
  }
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  // The newline ending the last line does not start another one.
  if (lines[lines.length - 1] === '') lines.pop();
  const entries: FlatEntry[] = [];
  let current: { key: string; line: number; rest: string; more: Line[] } | undefined;
  const flush = () => {
    if (!current) return;
    const c = current;
    const rawLines = [lines[c.line - 1].replace(/\r$/, ''), ...c.more.map((l) => l.text)];
    while (isBlank(rawLines[rawLines.length - 1])) rawLines.pop();
    const raw = rawLines.map((l) => `${l}\n`);
    let parsed: FlatNode | undefined;
    entries.push({
      key: c.key,
      line: c.line,
      raw: raw.join(''),
      value: () => (parsed ??= parseValue(c.rest, c.line, c.more)),
    });
    current = undefined;
  };
  let started = false;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    const no = i + 1;
    if (text.startsWith('\t')) throw new FlatYamlError(no, 'tab used for indentation');
    if (isBlank(text) || text.startsWith(' ') || /^-( |$)/.test(text)) {
      if (current) current.more.push({ no, text });
      else if (/^-( |$)/.test(text)) throw new FlatYamlError(no, 'the document is a list', true);
      else if (!isBlank(text) && !trimStart(text).startsWith('#')) {
        throw new FlatYamlError(no, 'unexpected indentation');
      }
      continue;
    }
    if (text.startsWith('#')) {
      // A comment at column 0 ends a scalar but may sit inside a list or a block; keep it with the
      // entry so unknown entries are written back as they were.
      if (current) current.more.push({ no, text });
      continue;
    }
    if (/^(---|\.\.\.)( |$)/.test(text)) {
      // yaml.v2 decodes the first document only.
      if (started || text.startsWith('...')) break;
      started = true;
      if (!isBlank(text.slice(3)) && !trimStart(text.slice(3)).startsWith('#')) {
        throw new FlatYamlError(no, 'content after "---" is not supported');
      }
      continue;
    }
    if (text.startsWith('%')) throw new FlatYamlError(no, 'YAML directives are not supported');
    started = true;
    flush();
    const { key, rest } = splitKey(text, no, entries.length === 0);
    current = { key, line: no, rest, more: [] };
  }
  flush();
  if (entries.length === 0) throw new FlatYamlError(0, 'the document is empty', true);
  return entries;
}

/** "key: rest" at column 0; the key plain or quoted on one line. */
function splitKey(text: string, no: number, firstEntry: boolean): { key: string; rest: string } {
  const first = text[0];
  if (first === '"' || first === "'") {
    const q = scanQuoted(text, 0, [], no);
    if (q.lineIndex !== -1) throw new FlatYamlError(no, 'a quoted key must fit on one line');
    const after = text.slice(q.end);
    const m = /^ *:( |$)/.exec(after);
    if (!m) throw new FlatYamlError(no, 'expected ":" after the key');
    return { key: q.value, rest: after.slice(m[0].length) };
  }
  if (first === '?') throw new FlatYamlError(no, 'explicit ("? ") keys are not supported');
  if ('[{'.includes(first))
    throw new FlatYamlError(no, 'flow collections at the top level are not supported');
  if ('&*!|>@`%,]}'.includes(first)) throw new FlatYamlError(no, `unexpected "${first}"`);
  let colon = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ':' && (i + 1 === text.length || text[i + 1] === ' ')) {
      colon = i;
      break;
    }
    if (text[i] === '#' && i > 0 && text[i - 1] === ' ') break;
  }
  if (colon < 0) {
    if (firstEntry) throw new FlatYamlError(no, 'the document is not a mapping', true);
    throw new FlatYamlError(no, 'expected "key: value"');
  }
  const key = trimEnd(text.slice(0, colon));
  if (key === '<<') throw new FlatYamlError(no, 'merge keys are not supported');
  return { key, rest: text.slice(colon + 1) };
}

/** Parses the value that follows "key:" (`rest`) and the lines under it. */
function parseValue(rest: string, keyLine: number, more: Line[]): FlatNode {
  let r = trimStart(rest);
  let tagged = false;
  if (r.startsWith('!')) {
    const tag = /^\S+/.exec(r)![0];
    // yaml.v2 reads "!!str x" as the string x; other tags are not something tsh writes.
    if (tag !== '!!str') throw new FlatYamlError(keyLine, `unsupported YAML tag ${tag}`);
    tagged = true;
    r = trimStart(r.slice(tag.length));
  }
  if (r.startsWith('&')) throw new FlatYamlError(keyLine, 'YAML anchors are not supported');
  if (r.startsWith('*')) throw new FlatYamlError(keyLine, 'YAML aliases are not supported');
  const content = more.filter((l) => !isBlank(l.text) && !trimStart(l.text).startsWith('#'));
  if (r === '' || r.startsWith('#')) {
    if (content.length === 0) return { kind: 'scalar', value: '', plain: !tagged, line: keyLine };
    const first = trimStart(content[0].text);
    if (/^-( |$)/.test(first)) {
      if (tagged) throw new FlatYamlError(keyLine, '!!str on a list');
      return { kind: 'seq', items: blockSequence(more), line: keyLine };
    }
    if (isMappingLine(first)) return { kind: 'map', line: content[0].no };
    // A scalar that starts on the next line.
    const at = more.indexOf(content[0]);
    return scalarValue(first, content[0].no, more.slice(at + 1), tagged);
  }
  if (r.startsWith('[')) {
    if (tagged) throw new FlatYamlError(keyLine, '!!str on a list');
    return { kind: 'seq', items: flowSequence(r, keyLine, more), line: keyLine };
  }
  if (r.startsWith('{')) return { kind: 'map', line: keyLine };
  return scalarValue(r, keyLine, more, tagged);
}

/** Whether a line starts a mapping entry ("key: …", "'key': …" or "? key"). */
function isMappingLine(s: string): boolean {
  if (/^\?( |$)/.test(s)) return true;
  if (s.startsWith('"') || s.startsWith("'")) {
    try {
      const q = scanQuoted(s, 0, [], 0);
      return /^ *:( |$)/.test(s.slice(q.end));
    } catch {
      return false;
    }
  }
  return /:( |$)/.test(s.split(' #')[0]);
}

/** A scalar starting with `first` on line `no`, continued on the `more` lines. */
function scalarValue(first: string, no: number, more: Line[], tagged: boolean): FlatScalar {
  const c = first[0];
  if (c === '"' || c === "'") {
    const q = scanQuoted(first, 0, more, no);
    const tail = q.lineIndex === -1 ? first.slice(q.end) : more[q.lineIndex].text.slice(q.end);
    if (!isBlank(tail) && !/^ +#/.test(tail)) throw new FlatYamlError(no, 'text after a quoted string');
    onlyComments(more.slice(q.lineIndex + 1));
    return { kind: 'scalar', value: q.value, plain: false, line: no };
  }
  if (c === '|' || c === '>')
    return { kind: 'scalar', value: blockScalar(first, no, more), plain: false, line: no };
  if ('&*!%@`,[]{}'.includes(c) || /^[-?:]( |$)/.test(first)) {
    throw new FlatYamlError(no, `unexpected "${c}" at the start of a value`);
  }
  return { kind: 'scalar', value: plainScalar(first, no, more), plain: !tagged, line: no };
}

function onlyComments(lines: Line[]): void {
  for (const l of lines) {
    if (!isBlank(l.text) && !trimStart(l.text).startsWith('#')) {
      throw new FlatYamlError(l.no, 'unexpected text after the value');
    }
  }
}

/** The part of a plain-scalar line before a comment; a ": " inside would start a mapping. */
function plainPart(s: string, no: number): { text: string; comment: boolean } {
  const hash = s.indexOf(' #');
  const text = trim(hash >= 0 ? s.slice(0, hash) : s);
  if (/:( |$)/.test(text)) throw new FlatYamlError(no, 'a mapping is not allowed here');
  return { text, comment: hash >= 0 };
}

/** A plain scalar over several lines: one break folds to a space, n blank lines to n newlines. */
function plainScalar(first: string, no: number, more: Line[]): string {
  let { text: value, comment } = plainPart(first, no);
  let blanks = 0;
  for (let i = 0; i < more.length; i++) {
    const l = more[i];
    if (comment) {
      onlyComments(more.slice(i));
      break;
    }
    if (isBlank(l.text)) {
      blanks++;
      continue;
    }
    const t = trimStart(l.text);
    if (t.startsWith('#') || !l.text.startsWith(' ')) {
      onlyComments(more.slice(i));
      break;
    }
    const part = plainPart(t, l.no);
    value += blanks ? '\n'.repeat(blanks) : ' ';
    value += part.text;
    comment = part.comment;
    blanks = 0;
  }
  return value;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_LEN: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * A single- or double-quoted scalar starting at `text[start]`, possibly continued on `more`.
 * `lineIndex` is -1 when it closes on the first line, else the index in `more`; `end` is the
 * offset just after the closing quote on that line.
 */
function scanQuoted(
  text: string,
  start: number,
  more: Line[],
  no: number,
): { value: string; lineIndex: number; end: number } {
  const quote = text[start];
  let out = '';
  // Characters that came from escapes; folding never trims them.
  let kept = 0;
  let line = text;
  let lineIndex = -1;
  let i = start + 1;
  for (;;) {
    if (i >= line.length) {
      // Line folding: trailing spaces go, one break is a space, each blank line a newline.
      out = trimEnd(out, kept);
      let blanks = 0;
      for (;;) {
        lineIndex++;
        if (lineIndex >= more.length) throw new FlatYamlError(no, `unterminated ${quote} string`);
        if (isBlank(more[lineIndex].text)) blanks++;
        else break;
      }
      line = more[lineIndex].text;
      if (!line.startsWith(' ')) throw new FlatYamlError(more[lineIndex].no, `unterminated ${quote} string`);
      out += blanks ? '\n'.repeat(blanks) : ' ';
      i = indentOf(line);
      continue;
    }
    const ch = line[i];
    if (ch === quote) {
      if (quote === "'" && line[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      return { value: out, lineIndex, end: i + 1 };
    }
    if (quote === '"' && ch === '\\') {
      const e = line[i + 1];
      if (e === undefined) {
        // An escaped line break joins the lines with nothing in between.
        lineIndex++;
        if (lineIndex >= more.length) throw new FlatYamlError(no, 'unterminated " string');
        line = more[lineIndex].text;
        i = indentOf(line);
        continue;
      }
      if (e in ESCAPES) {
        out += ESCAPES[e];
        kept = out.length;
        i += 2;
        continue;
      }
      const n = HEX_LEN[e];
      const hex = n ? line.slice(i + 2, i + 2 + n) : '';
      if (!n || !/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== n) {
        throw new FlatYamlError(no, `invalid escape "\\${e ?? ''}"`);
      }
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        throw new FlatYamlError(no, 'invalid Unicode escape');
      out += String.fromCodePoint(cp);
      kept = out.length;
      i += 2 + n;
      continue;
    }
    out += ch;
    i++;
  }
}

/** "|" or ">" with optional chomping (-, +) and indentation digit, then the indented lines. */
function blockScalar(header: string, no: number, more: Line[]): string {
  const m = /^([|>])([-+]?)([1-9]?)([-+]?)( +#.*)? *$/.exec(header);
  if (!m || (m[2] && m[4])) throw new FlatYamlError(no, 'invalid block scalar header');
  const folded = m[1] === '>';
  const chomp = m[2] || m[4];
  let indent = m[3] ? Number(m[3]) : 0;
  const body: string[] = [];
  let i = 0;
  for (; i < more.length; i++) {
    const t = more[i].text;
    if (isBlank(t)) {
      body.push('');
      continue;
    }
    const ind = indentOf(t);
    if (indent === 0) indent = ind;
    if (ind < indent || indent === 0) break;
    body.push(t.slice(indent));
  }
  onlyComments(more.slice(i));
  let trailing = 0;
  while (trailing < body.length && body[body.length - 1 - trailing] === '') trailing++;
  const lines = body.slice(0, body.length - trailing);
  if (lines.length === 0) return chomp === '+' ? '\n'.repeat(trailing) : '';
  // Folding: a break between two lines that are neither empty nor more indented is a space (or
  // is dropped when blank lines follow it); every other break stays a newline.
  const normal = (l: string) => l !== '' && !l.startsWith(' ');
  let text = lines[0];
  let prev = lines[0];
  let empties = 0;
  for (let k = 1; k < lines.length; k++) {
    const cur = lines[k];
    if (cur === '') {
      empties++;
      continue;
    }
    text +=
      folded && normal(prev) && normal(cur)
        ? empties
          ? '\n'.repeat(empties)
          : ' '
        : '\n'.repeat(empties + 1);
    text += cur;
    prev = cur;
    empties = 0;
  }
  if (chomp === '-') return text;
  if (chomp === '+') return `${text}\n${'\n'.repeat(trailing)}`;
  return `${text}\n`;
}

/** "- item" lines (at column 0 or indented), each item a scalar; nested collections refused. */
function blockSequence(more: Line[]): FlatScalar[] {
  const items: FlatScalar[] = [];
  let dashCol = -1;
  let item: { first: string; no: number; more: Line[] } | undefined;
  const flushItem = () => {
    if (!item) return;
    const t = item.first;
    if (t === '' || t.startsWith('#')) {
      onlyComments(item.more);
      items.push({ kind: 'scalar', value: '', plain: true, line: item.no });
    } else if (/^-( |$)/.test(t) || isMappingLine(t)) {
      throw new FlatYamlError(item.no, 'nested collections in a list are not supported');
    } else {
      let tagged = false;
      let s = t;
      if (s.startsWith('!!str ')) {
        tagged = true;
        s = trimStart(s.slice(6));
      }
      items.push(scalarValue(s, item.no, item.more, tagged));
    }
    item = undefined;
  };
  for (const l of more) {
    const ind = indentOf(l.text);
    const t = trimStart(l.text);
    if (!isBlank(l.text) && /^-( |$)/.test(t) && (dashCol < 0 || ind === dashCol)) {
      if (dashCol < 0) dashCol = ind;
      flushItem();
      item = { first: trimStart(t.slice(1)), no: l.no, more: [] };
      continue;
    }
    if (isBlank(l.text) || t.startsWith('#') || ind > dashCol) {
      item?.more.push(l);
      continue;
    }
    throw new FlatYamlError(l.no, 'unexpected text in a list');
  }
  flushItem();
  return items;
}

/** "[a, 'b', "c"]" on one or more lines; items are scalars. */
function flowSequence(first: string, no: number, more: Line[]): FlatScalar[] {
  // Inside the brackets a line break is only whitespace: join the lines, remembering where each
  // starts so what follows "]" can be checked.
  const parts = [first, ...more.map((l) => l.text)];
  const starts: number[] = [];
  let text = '';
  for (const p of parts) {
    starts.push(text.length);
    text += `${p} `;
  }
  const items: FlatScalar[] = [];
  let i = 1;
  const skipSpace = () => {
    while (text[i] === ' ') i++;
  };
  for (;;) {
    skipSpace();
    if (i >= text.length) throw new FlatYamlError(no, 'unterminated [ list');
    if (text[i] === ']') break;
    const c = text[i];
    if (c === '"' || c === "'") {
      const q = scanQuoted(text, i, [], no);
      items.push({ kind: 'scalar', value: q.value, plain: false, line: no });
      i = q.end;
    } else if ('[{&*!|>%@`#,'.includes(c)) {
      throw new FlatYamlError(no, `unsupported "${c}" in a [ list`);
    } else {
      let j = i;
      while (
        j < text.length &&
        text[j] !== ',' &&
        text[j] !== ']' &&
        !(text[j] === ' ' && text[j + 1] === '#')
      )
        j++;
      const v = trim(text.slice(i, j));
      if (/:( |$)/.test(v)) throw new FlatYamlError(no, 'a mapping is not allowed in a [ list');
      items.push({ kind: 'scalar', value: v.replace(/ +/g, ' '), plain: true, line: no });
      i = j;
    }
    skipSpace();
    if (i >= text.length) throw new FlatYamlError(no, 'unterminated [ list');
    if (text[i] === ',') i++;
    else if (text[i] !== ']') throw new FlatYamlError(no, 'expected "," or "]" in a [ list');
  }
  // After "]": the rest of its line and every later line may hold only comments.
  let k = starts.length - 1;
  while (starts[k] > i) k--;
  const tail = text.slice(i + 1, k + 1 < starts.length ? starts[k + 1] : text.length);
  if (!isBlank(tail) && !/^ +#/.test(tail)) throw new FlatYamlError(no, 'text after a [ list');
  onlyComments(more.slice(k));
  return items;
}
