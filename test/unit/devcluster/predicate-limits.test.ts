// Hostile predicates (issue "Nothing falls over"): size and nesting limits are PredicateErrors
// (INVALID_ARGUMENT on the wire), and long flat chains parse and evaluate without recursing per
// clause. docs/fuzzing.md "Predicate limits".
import { describe, expect, it } from 'vitest';
import {
  MAX_PREDICATE_DEPTH,
  MAX_PREDICATE_LENGTH,
  PredicateError,
  evaluatePredicate,
  parsePredicate,
  type PredicateResource,
} from '../../../src/devcluster/predicate.js';
import { TshError } from '../../../src/util/errors.js';

const node: PredicateResource = {
  kind: 'node',
  name: 'web-1',
  metadataName: 'web-1',
  labels: { env: 'prod', k2999: 'v' },
};

function parseError(expr: string): PredicateError {
  try {
    parsePredicate(expr);
  } catch (err) {
    expect(err).toBeInstanceOf(PredicateError);
    return err as PredicateError;
  }
  throw new Error(`parsed: ${expr.slice(0, 40)}`);
}

const chain = (n: number, op: string) => Array.from({ length: n }, (_, i) => `labels.k${i} == "v"`).join(op);

describe('predicate limits', () => {
  it('2,000 nested parentheses are a one-line PredicateError, not a stack overflow', () => {
    const e = parseError(`${'('.repeat(2000)}name == "x"${')'.repeat(2000)}`);
    expect(e.message).toBe(
      `expression nests deeper than ${MAX_PREDICATE_DEPTH} levels at ${MAX_PREDICATE_DEPTH}`,
    );
    expect(e).toBeInstanceOf(TshError);
    expect((e as unknown as TshError).kind).toBe('bad-parameter');
  });

  it('nesting up to the limit parses', () => {
    const n = MAX_PREDICATE_DEPTH - 1; // the whole expression is one level
    const ast = parsePredicate(`${'('.repeat(n)}labels.env == "prod"${')'.repeat(n)}`);
    expect(evaluatePredicate(ast, node)).toBe(true);
    parseError(`${'('.repeat(n + 1)}labels.env == "prod"${')'.repeat(n + 1)}`);
  });

  it('3,000 && clauses and 3,000 || clauses parse and evaluate', () => {
    expect(evaluatePredicate(parsePredicate(chain(3000, ' && ')), node)).toBe(false);
    expect(evaluatePredicate(parsePredicate(chain(3000, ' || ')), node)).toBe(true);
    // Short-circuit still holds in a flat chain: the undefined identifier after a true || is never read.
    expect(
      evaluatePredicate(
        parsePredicate(`${chain(3000, ' && ')} || labels.env == "prod" || nope == "x"`),
        node,
      ),
    ).toBe(true);
  });

  it('long runs of !, calls and index expressions hit the depth limit', () => {
    expect(parseError(`${'!'.repeat(20_000)}exists(name)`).problem).toMatch(/nests deeper/);
    expect(parseError(`${'exists('.repeat(3000)}name${')'.repeat(3000)}`).problem).toMatch(/nests deeper/);
    // `x` is only typed at evaluation time, so each index would be one more level of recursion there.
    expect(parseError(`x${'["a"]'.repeat(5000)} == "y"`).problem).toMatch(/nests deeper/);
  });

  it('an expression over the size limit is refused before parsing', () => {
    const e = parseError(`name == "${'x'.repeat(MAX_PREDICATE_LENGTH)}"`);
    expect(e.message).toMatch(
      /^expression is 131082 characters long, more than the limit of 131072 at 131072$/,
    );
    // Just under the limit is fine.
    const ok = `name == "${'x'.repeat(MAX_PREDICATE_LENGTH - 20)}"`;
    expect(evaluatePredicate(parsePredicate(ok), node)).toBe(false);
  });

  it('a 30,000-part identifier path parses (variables are found by their first parts only)', () => {
    const path = Array.from({ length: 30_000 }, () => 'a').join('.');
    const ast = parsePredicate(`${path} == "x"`);
    const e = (() => {
      try {
        evaluatePredicate(ast, node);
      } catch (err) {
        return err as PredicateError;
      }
    })();
    expect(e?.message).toBe(`identifier "${'a.'.repeat(20)}..." is not defined at 0`);
  });

  it('long tokens are cut short in error messages', () => {
    const e = parseError(`name == "x" ${'"y'.padEnd(10_000, 'y')}"`);
    expect(e.message.length).toBeLessThan(100);
    expect(e.message).toMatch(/^unexpected token "y{40}\.\.\." at 12$/);
  });
});
