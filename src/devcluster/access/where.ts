// The predicate language of review `where` conditions and threshold `filter`s (upstream
// parseReviewPermissionExpression / parseThresholdFilterExpression), the subset the dev cluster
// needs: reviewer.roles, reviewer.traits["k"], request.roles, request.reason,
// request.system_annotations["k"], review.reason, review.annotations["k"]; contains(list, s),
// equals(a, b), regexp.match(list-or-string, "re"), !, &&, ||, ==, != and parentheses.
import { AccessError } from './model.js';

export interface WhereContext {
  reviewer: { roles: string[]; traits: Record<string, string[]> };
  review?: { reason: string; annotations: Record<string, string[]> };
  request: { roles: string[]; reason: string; system_annotations: Record<string, string[]> };
}

type Value = string | string[] | boolean | Record<string, string[]>;

const MAX_LENGTH = 8192;
const MAX_DEPTH = 50;

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly s: string,
    private readonly ctx: WhereContext,
  ) {}

  private fail(msg: string): never {
    throw new AccessError('bad-parameter', `invalid predicate expression ${JSON.stringify(this.s)}: ${msg}`);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private eat(tok: string): boolean {
    this.ws();
    if (this.s.startsWith(tok, this.i)) {
      this.i += tok.length;
      return true;
    }
    return false;
  }

  parse(): boolean {
    const v = this.or();
    this.ws();
    if (this.i !== this.s.length) this.fail(`unexpected "${this.s.slice(this.i, this.i + 10)}"`);
    if (typeof v !== 'boolean') this.fail('expression is not a boolean');
    return v;
  }

  private or(): Value {
    let v = this.and();
    while (this.eat('||')) {
      const r = this.and();
      v = this.bool(v) || this.bool(r);
    }
    return v;
  }

  private and(): Value {
    let v = this.cmp();
    while (this.eat('&&')) {
      const r = this.cmp();
      v = this.bool(v) && this.bool(r);
    }
    return v;
  }

  private cmp(): Value {
    const v = this.unary();
    if (this.eat('==')) return same(v, this.unary());
    if (this.eat('!=')) return !same(v, this.unary());
    return v;
  }

  private bool(v: Value): boolean {
    if (typeof v !== 'boolean') this.fail('operand is not a boolean');
    return v;
  }

  private unary(): Value {
    if (++this.depth > MAX_DEPTH) this.fail('expression is nested too deeply');
    try {
      if (this.eat('!')) return !this.bool(this.unary());
      return this.primary();
    } finally {
      this.depth--;
    }
  }

  private primary(): Value {
    this.ws();
    if (this.eat('(')) {
      const v = this.or();
      if (!this.eat(')')) this.fail('missing ")"');
      return v;
    }
    const c = this.s[this.i];
    if (c === '"' || c === '`') return this.stringLit();
    const m = /^[A-Za-z_][\w.]*/.exec(this.s.slice(this.i));
    if (!m) this.fail(`unexpected "${this.s.slice(this.i, this.i + 10)}"`);
    this.i += m[0].length;
    const name = m[0];
    if (name === 'true' || name === 'false') return name === 'true';
    if (this.eat('(')) return this.call(name);
    let v = this.variable(name);
    while (this.eat('[')) {
      const key = this.or();
      if (!this.eat(']')) this.fail('missing "]"');
      if (typeof key !== 'string' || typeof v !== 'object' || Array.isArray(v))
        this.fail('bad index expression');
      v = v[key] ?? [];
    }
    return v;
  }

  private stringLit(): string {
    const q = this.s[this.i];
    let j = this.i + 1;
    let out = '';
    while (j < this.s.length && this.s[j] !== q) {
      if (q === '"' && this.s[j] === '\\' && j + 1 < this.s.length) {
        out += this.s[j + 1];
        j += 2;
      } else out += this.s[j++];
    }
    if (j >= this.s.length) this.fail('unterminated string');
    this.i = j + 1;
    return out;
  }

  private args(): Value[] {
    const out: Value[] = [];
    if (this.eat(')')) return out;
    for (;;) {
      out.push(this.or());
      if (this.eat(')')) return out;
      if (!this.eat(',')) this.fail('expected "," or ")"');
    }
  }

  private call(name: string): Value {
    const a = this.args();
    const list = (v: Value): string[] =>
      Array.isArray(v) ? v : typeof v === 'string' ? [v] : this.fail('expected a list');
    switch (name) {
      case 'contains':
        if (a.length !== 2 || typeof a[1] !== 'string') this.fail('contains expects (list, string)');
        return list(a[0]).includes(a[1]);
      case 'equals':
        if (a.length !== 2) this.fail('equals expects 2 arguments');
        return same(a[0], a[1]);
      case 'regexp.match': {
        if (a.length !== 2 || typeof a[1] !== 'string') this.fail('regexp.match expects (list, string)');
        let re: RegExp;
        try {
          re = new RegExp(a[1]);
        } catch {
          return this.fail(`bad regular expression "${a[1]}"`);
        }
        return list(a[0]).some((x) => re.test(x));
      }
      default:
        return this.fail(`unsupported function ${name}`);
    }
  }

  private variable(name: string): Value {
    const c = this.ctx;
    switch (name) {
      case 'reviewer.roles':
        return c.reviewer.roles;
      case 'reviewer.traits':
        return c.reviewer.traits;
      case 'request.roles':
        return c.request.roles;
      case 'request.reason':
        return c.request.reason;
      case 'request.system_annotations':
        return c.request.system_annotations;
      case 'review.reason':
        if (!c.review) break;
        return c.review.reason;
      case 'review.annotations':
        if (!c.review) break;
        return c.review.annotations;
      default:
    }
    return this.fail(`unknown variable ${name}`);
  }
}

function same(a: Value, b: Value): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** Evaluates a `where`/`filter` expression; a malformed one is a bad-parameter AccessError. */
export function evaluateWhere(expr: string, ctx: WhereContext): boolean {
  if (expr.length > MAX_LENGTH) throw new AccessError('bad-parameter', 'predicate expression is too long');
  return new Parser(expr, ctx).parse();
}
