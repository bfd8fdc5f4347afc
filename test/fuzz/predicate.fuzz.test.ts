// Fuzzing the dev cluster's predicate language (src/devcluster/predicate.ts) and the client's
// filter flags (src/client/filter.ts): typed errors only, bounded time, no stack overflow.
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { parseLabelSpec, parseSearchKeywords, resourceFilter } from '../../src/client/filter.js';
import {
  MAX_PREDICATE_DEPTH,
  evaluatePredicate,
  matchResource,
  parsePredicate,
  type PredicateResource,
} from '../../src/devcluster/predicate.js';
import { FuzzDefect, fuzz, hostileString, parseOrTypedError } from './harness.js';

const RESOURCES: PredicateResource[] = [
  {
    kind: 'node',
    name: 'web-1',
    metadataName: '8c6e',
    labels: { env: 'prod', os: 'linux', '': 'empty', __proto__x: 'p' },
    staticLabels: { env: 'prod' },
    hostname: 'web-1',
    addr: '10.0.0.1:3022',
    healthStatus: 'healthy',
  },
  {
    kind: 'app',
    name: 'grafana',
    metadataName: 'grafana',
    labels: {},
    description: 'Dashboards',
    fields: { 'spec.public_addr': 'grafana.example.com', 'spec.list': ['a', 'b'], 'spec.map': { k: 'v' } },
    extraSearchFields: ['grafana.example.com'],
  },
];

const VALID = [
  'labels.env == "prod"',
  'equals(name, `web-1`) && !exists(labels.missing)',
  'hasPrefix(resource.metadata.name, "gra") || search("dash", "board")',
  'contains(split(labels["os"], ","), "linux")',
  'resource.spec.public_addr == "grafana.example.com" && health.status != "bad"',
  '(labels.env == "dev" || labels.env == "prod") && !(name == "x")',
  'resource.metadata.labels["env"] == "prod" && 1 == 1',
  '"\\x41\\u00e9\\101\\n" == name',
];
const TOKENS = [
  '(',
  ')',
  '[',
  ']',
  '!',
  '&&',
  '||',
  '==',
  '!=',
  ',',
  '.',
  '"',
  '`',
  '\\',
  '\\x',
  '\\u12',
  '\\U0010ffff',
  'labels',
  'name',
  'resource',
  'resource.spec',
  'health.status',
  'equals(',
  'search(',
  'split(',
  'contains(',
  'exists(',
  'hasPrefix(',
  '0',
  '01',
  '9999999999999999999999',
  '\n',
  '\u2028',
  '\ud800',
  '<',
  '>=',
];

/** Parses, and when it parses, evaluates against every sample resource. */
function parseAndEvaluate(expr: string): void {
  const ast = parseOrTypedError(expr, () => parsePredicate(expr));
  if (!ast) return;
  for (const r of RESOURCES) {
    const v = parseOrTypedError(expr, () => evaluatePredicate(ast, r));
    if (v !== undefined && typeof v !== 'boolean') throw new FuzzDefect(`evaluated to ${typeof v}`, expr);
    parseOrTypedError(expr, () => matchResource(r, { predicate: ast, searchKeywords: [expr] }));
  }
}

/** Well-formed-ish expressions from the grammar, nested deep enough to cross the depth limit. */
const grammar = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('labels.env == "prod"', 'exists(name)', 'x == 1', 'search()', 'name', '"s"', '7'),
    fc
      .tuple(tie('expr'), fc.constantFrom('&&', '||', '==', '!='), tie('expr'))
      .map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('expr').map((e) => `!${e}`),
    tie('expr').map((e) => `(${e})`),
    fc.tuple(tie('expr'), tie('expr')).map(([k, e]) => `labels[${k}] == ${e}`),
    fc
      .tuple(
        fc.constantFrom('equals', 'search', 'contains', 'split', 'nope'),
        fc.array(tie('expr'), { maxLength: 3 }),
      )
      .map(([f, args]) => `${f}(${args.join(', ')})`),
  ),
})).expr;

/** Pathological shapes at sizes around the limits. */
const deep = fc
  .tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('(', '!', '[', 'f(', 'x["a"]'))
  .map(([n, kind]) => {
    switch (kind) {
      case '(':
        return `${'('.repeat(n)}name == "x"${')'.repeat(n)}`;
      case '!':
        return `${'!'.repeat(n)}exists(name)`;
      case '[':
        return `labels${'["a"]'.repeat(n)} == ""`;
      case 'f(':
        return `${'exists('.repeat(n)}name${')'.repeat(n)}`;
      default:
        return `x${'["a"]'.repeat(n)} == "y"`;
    }
  });
const flat = fc
  .tuple(fc.integer({ min: 1, max: 6000 }), fc.constantFrom(' && ', ' || '))
  .map(([n, op]) => Array.from({ length: n }, (_, i) => `labels.k${i} == "v"`).join(op));

describe('predicate language (src/devcluster/predicate.ts)', () => {
  fuzz('mutated valid predicates', hostileString(VALID, TOKENS), parseAndEvaluate, { weight: 4 });
  fuzz('grammar-shaped predicates', grammar, parseAndEvaluate, { weight: 2 });
  fuzz('deep nesting and long chains', fc.oneof(deep, flat), parseAndEvaluate, { weight: 0.2 });
  fuzz(
    'nesting within the limit parses',
    fc.integer({ min: 1, max: MAX_PREDICATE_DEPTH - 1 }),
    (n) => {
      const expr = `${'('.repeat(n)}labels.env == "prod"${')'.repeat(n)}`;
      expect(evaluatePredicate(parsePredicate(expr), RESOURCES[0]!)).toBe(true);
    },
    { weight: 0.2 },
  );
});

const LABEL_SEEDS = ['env=prod,team=web', '"long name"="a, b";x=y', 'a=b', 'k="v=1",q=', '__proto__=x'];
const LABEL_TOKENS = ['=', ',', ';', '"', ' ', '__proto__', 'constructor', '\u0000'];

describe('filter flags (src/client/filter.ts)', () => {
  fuzz(
    'label specs, keywords and queries',
    hostileString(LABEL_SEEDS, LABEL_TOKENS),
    (s) => {
      const labels = parseOrTypedError(s, () => parseLabelSpec(s));
      if (labels && Object.getPrototypeOf(labels) !== Object.prototype)
        throw new FuzzDefect('prototype changed', s);
      parseOrTypedError(s, () => parseSearchKeywords(s));
      parseOrTypedError(s, () => resourceFilter({ labels: [s], search: s, query: s }));
    },
    { weight: 2 },
  );

  const key = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'toString', 'env'),
    fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !/[=,;"]/.test(k) && k.trim() === k && k !== ''),
  );
  const value = fc.string({ maxLength: 8 }).filter((v) => !/[=,;"]/.test(v) && v.trim() === v);
  fuzz(
    'every unquoted key=value pair comes back',
    fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, minLength: 1, maxLength: 6 }),
    (pairs) => {
      const spec = pairs.map(([k, v]) => `${k}=${v}`).join(',');
      // Sorted: integer-like keys come first in any JS object, whatever the spec's order.
      const sorted = (e: [string, string][]) => e.map((p) => p.join('=')).sort();
      expect(sorted(Object.entries(parseLabelSpec(spec)))).toEqual(sorted(pairs));
    },
  );
});
