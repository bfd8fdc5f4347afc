// Teleport's resource predicate language (`tsh ls --query`), `--search` keywords and the `labels`
// filter, as the auth server applies them in ListResources / ListUnifiedResources.
// Semantics follow upstream lib/services/parser.go (NewResourceExpression), lib/utils/typical,
// lib/services/matchers.go and the per-kind MatchSearch methods in api/types; see
// docs/predicate-language.md. The language is a subset of Go expressions, type-checked at parse time.
import { TshError } from '../util/errors.js';

/**
 * Limits on what a client may send (docs/fuzzing.md "Predicate limits"): the expression arrives
 * from the network, so its size and nesting must not decide how deep the server recurses.
 * 128 Ki characters fits thousands of flat `&&`/`||` clauses; 100 levels of parentheses, `!`,
 * calls and index expressions is far beyond any hand-written query.
 */
export const MAX_PREDICATE_LENGTH = 131_072;
export const MAX_PREDICATE_DEPTH = 100;

/** What a predicate sees of one resource (for app/db servers: the app/database inside). */
export interface PredicateResource {
  /** Kind of the matched resource: node, app, db, kube_cluster, windows_desktop, ... */
  kind: string;
  /** The `name` shorthand: spec.hostname for nodes, metadata.name for every other kind. */
  name: string;
  metadataName: string;
  /** All labels (static + dynamic/command labels): `labels.x`, search, the labels filter. */
  labels: Record<string, string>;
  /** Static labels only, for `resource.metadata.labels` (defaults to `labels`). */
  staticLabels?: Record<string, string>;
  /** `resource.spec.hostname`; leave undefined for kinds whose spec has no hostname. */
  hostname?: string;
  /** `resource.spec.addr`; leave undefined for kinds whose spec has no addr. */
  addr?: string;
  /** `resource.metadata.description` (and searched for apps and dbs). */
  description?: string;
  /** `health.status` (empty when the kind has no health). */
  healthStatus?: string;
  /** Further `resource.<path>` values, keyed by path without "resource.", e.g. "spec.public_addr". */
  fields?: Record<string, string | string[] | Record<string, string>>;
  /** Kind-specific extra search fields: node public_addrs, app public_addr, db protocol and type. */
  extraSearchFields?: string[];
  /** Keywords that match when equal (case-insensitive): ["tunnel"] for tunnel nodes, ["cloud", "cloud sql"] for Cloud SQL. */
  searchExactTerms?: string[];
}

export class PredicateError extends TshError {
  constructor(
    readonly problem: string,
    readonly position: number,
  ) {
    super(`${problem} at ${position}`.replace(/[\r\n]+/g, ' '), 'bad-parameter');
    this.name = 'PredicateError';
  }
}

type ValueType = 'bool' | 'string' | 'int' | 'strings' | 'map' | 'any';
type VariableName =
  'name' | 'labels' | 'resource.metadata.name' | 'resource.metadata.labels' | 'health.status';
type FunctionName = 'equals' | 'hasPrefix' | 'exists' | 'search' | 'split' | 'contains';

interface NodeBase {
  pos: number;
  type: ValueType;
}
/** A parsed, type-checked expression. */
export type PredicateAst =
  | (NodeBase & { kind: 'literal'; value: string | number })
  | (NodeBase & { kind: 'variable'; name: VariableName })
  | (NodeBase & { kind: 'unknown'; path: string[]; dotted: string })
  | (NodeBase & { kind: 'index'; target: PredicateAst; key: PredicateAst })
  | (NodeBase & { kind: 'call'; fn: FunctionName; args: PredicateAst[] })
  | (NodeBase & { kind: 'not'; operand: PredicateAst })
  // n-ary, so a long flat chain is a list, not a deep tree to recurse through
  | (NodeBase & { kind: 'and' | 'or'; operands: PredicateAst[] })
  | (NodeBase & { kind: 'eq' | 'neq'; operand: 'string' | 'int'; left: PredicateAst; right: PredicateAst });

const VARIABLES: Record<VariableName, ValueType> = {
  name: 'string',
  labels: 'map',
  'resource.metadata.name': 'string',
  'resource.metadata.labels': 'map',
  'health.status': 'string',
};

const FUNCTIONS: Record<FunctionName, { params: ValueType[]; variadic?: true; result: ValueType }> = {
  equals: { params: ['string', 'string'], result: 'bool' },
  hasPrefix: { params: ['string', 'string'], result: 'bool' },
  exists: { params: ['string'], result: 'bool' },
  search: { params: ['string'], variadic: true, result: 'bool' },
  split: { params: ['string', 'string'], result: 'strings' },
  contains: { params: ['strings', 'string'], result: 'bool' },
};

const TYPE_NAMES: Record<ValueType, string> = {
  bool: 'bool',
  string: 'string',
  int: 'int',
  strings: '[]string',
  map: 'map[string]string',
  any: 'any',
};

// ---------------------------------------------------------------------------------------------
// Tokenizer

interface Token {
  t: 'str' | 'int' | 'ident' | 'op' | 'eof';
  v: string;
  pos: number;
}

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '!', '(', ')', '[', ']', ',', '.', '<', '>'];
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

const IDENT = /[\p{L}_][\p{L}\p{Nd}_]*/uy;
const NUMBER = /\d[\w.]*/y;

/** A token's text for an error message: quoted, and cut short so the message stays one short line. */
function quoteToken(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  // Sticky regexes match in place: slicing the rest of the input per token would be quadratic.
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    return re.exec(src)?.[0];
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    const ident = match(IDENT);
    if (ident) {
      out.push({ t: 'ident', v: ident, pos: start });
      i += ident.length;
      continue;
    }
    const num = match(NUMBER);
    if (num) {
      if (!/^(0|[1-9]\d*)$/.test(num))
        throw new PredicateError(`unsupported number literal ${quoteToken(num)}`, start);
      out.push({ t: 'int', v: num, pos: start });
      i += num.length;
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new PredicateError('unterminated raw string literal', start);
      out.push({ t: 'str', v: src.slice(i + 1, end).replace(/\r/g, ''), pos: start });
      i = end + 1;
      continue;
    }
    if (c === '"') {
      const [value, next] = readQuoted(src, i);
      out.push({ t: 'str', v: value, pos: start });
      i = next;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i)) ?? String.fromCodePoint(src.codePointAt(i)!);
    out.push({ t: 'op', v: op, pos: start });
    i += op.length;
  }
  out.push({ t: 'eof', v: '', pos: src.length });
  return out;
}

/** Reads a Go "interpreted" string literal starting at src[start] === '"'. Returns [value, index after it]. */
function readQuoted(src: string, start: number): [string, number] {
  const bytes: number[] = [];
  const pushText = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  let i = start + 1;
  for (;;) {
    if (i >= src.length || src[i] === '\n') throw new PredicateError('unterminated string literal', start);
    const c = src[i];
    if (c === '"') return [Buffer.from(bytes).toString('utf8'), i + 1];
    if (c !== '\\') {
      const cp = src.codePointAt(i)!;
      pushText(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = src[i + 1] ?? '';
    const bad = () => new PredicateError(`invalid escape sequence ${JSON.stringify('\\' + e)}`, i);
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (e === '"') {
      bytes.push(34);
      i += 2;
    } else if (/[0-7]/.test(e)) {
      const oct = src.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) throw bad();
      bytes.push(parseInt(oct, 8));
      i += 4;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = src.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw bad();
      const v = parseInt(hex, 16);
      if (e === 'x') bytes.push(v);
      else if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw bad();
      else pushText(String.fromCodePoint(v));
      i += 2 + n;
    } else {
      throw bad();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Parser (Go precedence: || < && < == != < unary !) with typical-style parse-time type checks.

export function parsePredicate(expr: string): PredicateAst {
  if (expr === '') throw new PredicateError('empty expression', 0);
  if (expr.length > MAX_PREDICATE_LENGTH) {
    throw new PredicateError(
      `expression is ${expr.length} characters long, more than the limit of ${MAX_PREDICATE_LENGTH}`,
      MAX_PREDICATE_LENGTH,
    );
  }
  const p = new Parser(tokenize(expr));
  const root = p.parseOr();
  p.expectEnd();
  coerce(root, 'bool', 'expression must evaluate to bool');
  return root;
}

function coerce(node: PredicateAst, want: ValueType, context: string): void {
  const t = node.type;
  if (t === want || t === 'any' || (want === 'strings' && t === 'string')) return;
  throw new PredicateError(`${context}: expected ${TYPE_NAMES[want]}, got ${TYPE_NAMES[t]}`, node.pos);
}

class Parser {
  private i = 0;
  /** Nesting so far: every construct that makes the parser (and evaluator) recurse counts. */
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  private enter(pos: number): void {
    if (++this.depth > MAX_PREDICATE_DEPTH)
      throw new PredicateError(`expression nests deeper than ${MAX_PREDICATE_DEPTH} levels`, pos);
  }
  private leave(levels = 1): void {
    this.depth -= levels;
  }

  private peek(): Token {
    return this.toks[this.i];
  }
  private next(): Token {
    return this.toks[this.i++];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private unexpected(t: Token): PredicateError {
    return t.t === 'eof'
      ? new PredicateError('unexpected end of expression', t.pos)
      : new PredicateError(`unexpected token ${quoteToken(t.v)}`, t.pos);
  }
  private expectOp(v: string): Token {
    if (!this.isOp(v)) throw this.unexpected(this.peek());
    return this.next();
  }
  expectEnd(): void {
    if (this.peek().t !== 'eof') throw this.unexpected(this.peek());
  }

  /** `a || b || ...`: operands are collected in a loop, so a long chain never recurses per clause. */
  parseOr(): PredicateAst {
    this.enter(this.peek().pos);
    const node = this.chain('or', '||', () => this.parseAnd());
    this.leave();
    return node;
  }

  private parseAnd(): PredicateAst {
    return this.chain('and', '&&', () => this.parseCompare());
  }

  private chain(kind: 'and' | 'or', op: string, operand: () => PredicateAst): PredicateAst {
    const first = operand();
    if (!this.isOp(op)) return first;
    coerce(first, 'bool', `left operand of ${op}`);
    const operands = [first];
    while (this.isOp(op)) {
      this.next();
      const right = operand();
      coerce(right, 'bool', `right operand of ${op}`);
      operands.push(right);
    }
    return { kind, operands, pos: first.pos, type: 'bool' };
  }

  private parseCompare(): PredicateAst {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || !['==', '!=', '<', '>', '<=', '>='].includes(t.v)) return left;
      this.next();
      if (t.v !== '==' && t.v !== '!=') throw new PredicateError(`operator ${t.v} is not supported`, t.pos);
      const right = this.parseUnary();
      // As upstream: the operand type comes from the left side unless it is only known at runtime.
      const known = left.type === 'any' ? right.type : left.type;
      if (known === 'any')
        throw new PredicateError(
          `operator ${t.v} needs at least one operand whose type is known at parse time`,
          t.pos,
        );
      if (known !== 'string' && known !== 'int')
        throw new PredicateError(`operator ${t.v} is not supported for type ${TYPE_NAMES[known]}`, t.pos);
      coerce(left, known, `left operand of ${t.v}`);
      coerce(right, known, `right operand of ${t.v}`);
      left = { kind: t.v === '==' ? 'eq' : 'neq', operand: known, left, right, pos: left.pos, type: 'bool' };
    }
  }

  private parseUnary(): PredicateAst {
    const t = this.peek();
    if (t.t === 'op' && t.v === '!') {
      this.next();
      this.enter(t.pos);
      const operand = this.parseUnary();
      this.leave();
      coerce(operand, 'bool', 'operand of !');
      return { kind: 'not', operand, pos: t.pos, type: 'bool' };
    }
    return this.parsePostfix();
  }

  private parsePostfix(): PredicateAst {
    let node = this.parsePrimary();
    // Each index wraps the node once more: x["a"]["b"]... nests as deep as it is long.
    let levels = 0;
    while (this.isOp('[')) {
      this.enter(this.next().pos);
      levels++;
      const key = this.parseOr();
      this.expectOp(']');
      node = indexNode(node, key);
    }
    this.leave(levels);
    return node;
  }

  private parsePrimary(): PredicateAst {
    const t = this.next();
    if (t.t === 'str') return { kind: 'literal', value: t.v, pos: t.pos, type: 'string' };
    if (t.t === 'int') return { kind: 'literal', value: Number(t.v), pos: t.pos, type: 'int' };
    if (t.t === 'op' && t.v === '(') {
      const inner = this.parseOr();
      this.expectOp(')');
      return inner;
    }
    if (t.t !== 'ident') throw this.unexpected(t);
    const path = [t.v];
    while (this.isOp('.')) {
      this.next();
      const part = this.next();
      if (part.t !== 'ident') throw this.unexpected(part);
      path.push(part.v);
    }
    if (this.isOp('(')) return this.parseCall(path.join('.'), t.pos);
    return resolveIdentifier(path, t.pos);
  }

  private parseCall(name: string, pos: number): PredicateAst {
    this.expectOp('(');
    const args: PredicateAst[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        args.push(this.parseOr());
        if (!this.isOp(',')) break;
        this.next();
      }
    }
    this.expectOp(')');
    if (!Object.hasOwn(FUNCTIONS, name))
      throw new PredicateError(`unknown function ${quoteToken(name)}`, pos);
    const fn = name as FunctionName;
    const def = FUNCTIONS[fn];
    if (def.variadic) {
      args.forEach((a, n) => coerce(a, def.params[0], `argument ${n + 1} of ${fn}`));
    } else {
      if (args.length !== def.params.length) {
        const plural = def.params.length === 1 ? 'argument' : 'arguments';
        throw new PredicateError(
          `function ${fn} accepts ${def.params.length} ${plural}, given ${args.length}`,
          pos,
        );
      }
      args.forEach((a, n) => coerce(a, def.params[n], `argument ${n + 1} of ${fn}`));
    }
    return { kind: 'call', fn, args, pos, type: def.result };
  }
}

function indexNode(target: PredicateAst, key: PredicateAst): PredicateAst {
  coerce(key, 'string', 'index key');
  const t = target.type;
  if (t !== 'map' && t !== 'any') {
    throw new PredicateError(`cannot index a value of type ${TYPE_NAMES[t]}`, target.pos);
  }
  return { kind: 'index', target, key, pos: target.pos, type: t === 'any' ? 'any' : 'string' };
}

/**
 * Upstream lookup: the longest known variable prefix wins; `map.key` works when exactly one field is
 * left after a map variable. Anything else is an identifier typed `any` that is resolved (or
 * rejected) at evaluation time, as upstream's GetUnknownIdentifier does.
 */
function resolveIdentifier(path: string[], pos: number): PredicateAst {
  let joined = '';
  // Variables have at most three parts; longer prefixes need not be joined (a.b.c... can be long).
  for (let n = 1; n <= Math.min(path.length, 3); n++) {
    joined = n === 1 ? path[0] : `${joined}.${path[n - 1]}`;
    if (!Object.hasOwn(VARIABLES, joined)) continue;
    const name = joined as VariableName;
    const variable: PredicateAst = { kind: 'variable', name, pos, type: VARIABLES[name] };
    if (n === path.length) return variable;
    if (n === path.length - 1 && variable.type === 'map') {
      return indexNode(variable, { kind: 'literal', value: path[n], pos, type: 'string' });
    }
  }
  // Joined once here, not per resource evaluated.
  return { kind: 'unknown', path, dotted: path.join('.'), pos, type: 'any' };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type Value = string | number | boolean | string[] | Record<string, string>;

function own<T>(obj: Record<string, T> | undefined, key: string): T | undefined {
  return obj && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function isMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOfValue(v: Value): string {
  if (Array.isArray(v)) return '[]string';
  if (isMap(v)) return 'map[string]string';
  return typeof v === 'number' ? 'int' : typeof v === 'boolean' ? 'bool' : 'string';
}

/** `resource.<path>` lookup (upstream: by JSON field name on the resource). */
function resourceField(r: PredicateResource, path: string): Value | undefined {
  switch (path) {
    case 'kind':
      return r.kind;
    case 'metadata.name':
      return r.metadataName;
    case 'metadata.description':
      return r.description ?? '';
    case 'metadata.labels':
      return r.staticLabels ?? r.labels;
    case 'spec.hostname':
      return r.hostname;
    case 'spec.addr':
      return r.addr;
  }
  return own(r.fields, path);
}

function expectType(v: Value, want: ValueType, pos: number): Value {
  const ok =
    (want === 'string' && typeof v === 'string') ||
    (want === 'int' && typeof v === 'number') ||
    (want === 'bool' && typeof v === 'boolean') ||
    (want === 'strings' && (Array.isArray(v) || typeof v === 'string'));
  if (!ok) throw new PredicateError(`expected ${TYPE_NAMES[want]}, got ${typeOfValue(v)}`, pos);
  return want === 'strings' && typeof v === 'string' ? [v] : v;
}

function evalNode(node: PredicateAst, r: PredicateResource): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'variable':
      switch (node.name) {
        case 'name':
          return r.name;
        case 'resource.metadata.name':
          return r.metadataName;
        case 'labels':
          return r.labels;
        case 'resource.metadata.labels':
          return r.staticLabels ?? r.labels;
        case 'health.status':
          return r.healthStatus ?? '';
      }
      break;
    case 'unknown': {
      const value =
        node.path[0] === 'resource' ? resourceField(r, node.dotted.slice('resource.'.length)) : undefined;
      if (value === undefined)
        throw new PredicateError(`identifier ${quoteToken(node.dotted)} is not defined`, node.pos);
      return value;
    }
    case 'index': {
      const key = evalTyped(node.key, 'string', r) as string;
      const m = evalNode(node.target, r);
      if (!isMap(m)) throw new PredicateError(`cannot index a value of type ${typeOfValue(m)}`, node.pos);
      return own(m, key) ?? '';
    }
    case 'call': {
      const def = FUNCTIONS[node.fn];
      const args = node.args.map((a, n) => evalTyped(a, def.params[def.variadic ? 0 : n], r));
      const [a, b] = args as [string, string];
      switch (node.fn) {
        case 'equals':
          return a === b;
        case 'hasPrefix':
          return a.startsWith(b);
        case 'exists':
          return a !== '';
        case 'search':
          return matchSearchKeywords(args as string[], r);
        case 'split':
          return goSplit(a, b);
        case 'contains':
          return (args[0] as string[]).includes(args[1] as string);
      }
      break;
    }
    case 'not':
      return !evalTyped(node.operand, 'bool', r);
    // A loop, not recursion, over the operands; both short-circuit as Go's && and || do.
    case 'and':
      return node.operands.every((o) => evalTyped(o, 'bool', r) as boolean);
    case 'or':
      return node.operands.some((o) => evalTyped(o, 'bool', r) as boolean);
    case 'eq':
    case 'neq': {
      const equal = evalTyped(node.left, node.operand, r) === evalTyped(node.right, node.operand, r);
      return node.kind === 'eq' ? equal : !equal;
    }
  }
  throw new PredicateError('internal error: unhandled expression', node.pos);
}

function evalTyped(node: PredicateAst, want: ValueType, r: PredicateResource): Value {
  return expectType(evalNode(node, r), want, node.pos);
}

/** Go strings.Split: an empty separator splits into UTF-8 sequences. */
function goSplit(s: string, sep: string): string[] {
  return sep === '' ? Array.from(s) : s.split(sep);
}

/** Evaluates a parsed predicate; throws PredicateError when a runtime-typed identifier fails. */
export function evaluatePredicate(ast: PredicateAst, resource: PredicateResource): boolean {
  return evalTyped(ast, 'bool', resource) as boolean;
}

// ---------------------------------------------------------------------------------------------
// Search keywords and label filter

const KIND_ALIASES: Record<string, string> = {
  app_server: 'app',
  db_server: 'db',
  kube_server: 'kube_cluster',
};

/** The fields each kind's MatchSearch looks at, besides label keys/values and extraSearchFields. */
function searchFields(r: PredicateResource): Array<string | undefined> {
  switch (KIND_ALIASES[r.kind] ?? r.kind) {
    case 'node':
      return [r.metadataName, r.hostname, r.addr];
    case 'app':
    case 'db':
      return [r.metadataName, r.description];
    case 'kube_cluster':
      return [r.metadataName];
    case 'windows_desktop':
      return [r.metadataName, r.addr];
    default: // UNCONFIRMED for other kinds
      return [r.metadataName, r.name, r.hostname, r.addr, r.description];
  }
}

/** Every keyword must be a case-insensitive substring of some searched field (or equal an exact term). */
export function matchSearchKeywords(keywords: string[], resource: PredicateResource): boolean {
  const fields: string[] = [];
  for (const [k, v] of Object.entries(resource.labels)) fields.push(k, v);
  for (const f of [...searchFields(resource), ...(resource.extraSearchFields ?? [])]) if (f) fields.push(f);
  const folded = fields.map((f) => f.toLowerCase());
  const exact = (resource.searchExactTerms ?? []).map((t) => t.toLowerCase());
  return keywords.every((kw) => {
    const k = kw.toLowerCase();
    return folded.some((f) => f.includes(k)) || exact.includes(k);
  });
}

/** ListResources `labels` filter: every key must be present with exactly that value. */
export function matchLabels(filter: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(filter).every(([k, v]) => own(labels, k) === v);
}

export interface MatchFilter {
  predicate?: PredicateAst;
  labels?: Record<string, string>;
  searchKeywords?: string[];
}

/** All filters, in upstream's order (predicate first, so its errors surface even if labels miss). */
export function matchResource(resource: PredicateResource, filter: MatchFilter): boolean {
  if (filter.predicate && !evaluatePredicate(filter.predicate, resource)) return false;
  if (filter.labels && !matchLabels(filter.labels, resource.labels)) return false;
  return matchSearchKeywords(filter.searchKeywords ?? [], resource);
}
