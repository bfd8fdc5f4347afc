// Resource predicate language (`tsh ls --query`), search keywords and label filters, checked against
// the behaviour of upstream's NewResourceExpression / MatchSearch / MatchLabels.
import { describe, expect, it } from 'vitest';
import {
  evaluatePredicate,
  matchLabels,
  matchResource,
  matchSearchKeywords,
  parsePredicate,
  PredicateError,
  type PredicateResource,
} from '../../../src/devcluster/predicate.js';

// A node shaped like the one upstream's parser tests use: static labels env/os, command label version.
const node: PredicateResource = {
  kind: 'node',
  name: 'test-hostname',
  metadataName: 'test-name',
  labels: { env: 'prod', os: 'mac', version: 'v8' },
  staticLabels: { env: 'prod', os: 'mac' },
  hostname: 'test-hostname',
  addr: 'test-addr',
};

const app: PredicateResource = {
  kind: 'app',
  name: 'grafana',
  metadataName: 'grafana',
  labels: { env: 'dev', team: 'obs' },
  description: 'Dashboards for everyone',
  fields: { 'spec.public_addr': 'grafana.example.com', 'spec.uri': 'http://localhost:3000' },
  extraSearchFields: ['grafana.example.com'],
};

const db: PredicateResource = {
  kind: 'db',
  name: 'orders',
  metadataName: 'orders',
  labels: { env: 'prod', ip: '10.0.0.1,10.0.0.2' },
  description: 'Orders database',
  extraSearchFields: ['postgres', 'self-hosted'],
  healthStatus: 'healthy',
};

const run = (expr: string, r: PredicateResource = node) => evaluatePredicate(parsePredicate(expr), r);

describe('parsePredicate + evaluatePredicate on a node', () => {
  it.each([
    // equals / == / != over each way of naming a value
    'equals(name, `test-hostname`)',
    'equals(resource.metadata.name, "test-name")',
    'equals(labels.os, "mac")',
    'equals(labels["os"], "mac")',
    'equals(resource.metadata.labels["os"], "mac")',
    'resource.metadata.labels.env == "prod"',
    'resource.metadata.labels[`env`] != `qa`',
    '!equals(labels.os, "linux")',
    '!equals(labels.missing, "mac")',
    'equals(resource.spec.hostname, "test-hostname")',
    'resource.spec.addr == "test-addr"',
    'resource.kind == "node"',
    'labels.env == "prod" && labels["env"] != "dev"',
    'name == "test-hostname"',
    'labels.missing == ""',
    // search
    'search("MAC")',
    'search("os", "mac", "prod", "test-name")',
    'search()',
    '!search("nowhere")',
    'search("v8")',
    // hasPrefix / exists
    'hasPrefix(name, "")',
    'hasPrefix(name, "test-h")',
    '!hasPrefix(name, "x")',
    'hasPrefix(resource.metadata.labels["env"], "pr")',
    'exists(labels.env)',
    '!exists(labels.missing)',
    // a command label is a label but not a static (metadata) label
    'labels.version == "v8" && !exists(resource.metadata.labels.version)',
    // split / contains; contains accepts a single string as a one-element list
    'contains(split("a,b,c", ","), "b")',
    'contains(labels.env, "prod")',
    // precedence: && binds tighter than ||, ! tighter than ==
    'exists(labels.env) || exists(labels.os) && labels.os != "mac"',
    '(exists(labels.env)) || (exists(labels.os) && labels.os != "mac")',
    '!!exists(labels.env)',
    // || short-circuits, so an undefined identifier on the right is never looked up
    'exists(labels.env) || nope == "x"',
    // string escapes
    '"a\\tb" == "a\\x09b" && "\\u00e9" == "é" && "\\101" == "A"',
    '1 == 1',
  ])('true: %s', (expr) => {
    expect(run(expr)).toBe(true);
  });

  it.each([
    '(exists(labels.env) || exists(labels.os)) && labels.os != "mac"',
    'exists(labels.missing)',
    '!exists(labels.env)',
    'labels.env != "prod"',
    'equals(resource.metadata.labels["missing"], "prod")',
    'name == "test-name"',
    'equals(labels["env"], "staging")',
    'equals(resource.spec.hostname, "other")',
    'search("mac", "not-there")',
    'hasPrefix(name, "y")',
    'contains(split(labels.env, ","), "pro")',
    'health.status == "healthy"',
    '!exists(labels.env) && nope == "x"',
  ])('false: %s', (expr) => {
    expect(run(expr)).toBe(false);
  });
});

describe('parse errors', () => {
  it.each([
    '',
    '   ',
    'name',
    '!name',
    '"just a string"',
    'labels.env',
    'name ==',
    'name &',
    'name &&',
    'name ||',
    'name |',
    '&&',
    '!',
    '||',
    '|',
    '&',
    '.',
    '(name == "x"',
    'name == "x")',
    'equals(whatever)',
    'equals(labels.env)',
    'equals(labels.env, "a", "b")',
    'equals()',
    'exists()',
    'exists(labels.env, "x")',
    'search(1, 2)',
    'hasPrefix(1, 2)',
    'hasPrefix(name)',
    'hasPrefix(name, 1)',
    'hasPrefix(name, "a", "b")',
    'nosuchfn(name)',
    'contains(split(name, ","))',
    'name > "a"',
    'name == 1',
    'exists(labels.a) == exists(labels.b)',
    'resource.spec.hostname == resource.spec.addr',
    'exists(labels)',
    'name["x"] == ""',
    '"unterminated',
    '"bad \\q escape" == name',
    '`unterminated raw',
    '1.5 == 1.5',
    'labels.my-label == "x"',
    'labels["a"].b == "x"',
  ])('rejects %j', (expr) => {
    expect(() => parsePredicate(expr)).toThrow(PredicateError);
  });

  it('messages are one line and name the problem and the position', () => {
    const cases: Array<[string, string]> = [
      ['', 'empty expression at 0'],
      ['name == "x")', 'unexpected token ")" at 11'],
      ['name ==', 'unexpected end of expression at 7'],
      ['name', 'expression must evaluate to bool: expected bool, got string at 0'],
      ['!name', 'operand of !: expected bool, got string at 1'],
      ['labels.env && exists(name)', 'left operand of &&: expected bool, got string at 0'],
      ['hasPrefix(name)', 'function hasPrefix accepts 2 arguments, given 1 at 0'],
      ['x || foo(1)', 'unknown function "foo" at 5'],
      ['"a\nb" == name', 'unterminated string literal at 0'],
    ];
    for (const [expr, message] of cases) {
      let err: unknown;
      try {
        parsePredicate(expr);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PredicateError);
      expect((err as Error).message).toBe(message);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});

describe('evaluation errors (valid syntax, identifier resolved at runtime as upstream)', () => {
  it.each([
    'name.toomanyfield',
    'labels.env.toomanyfield',
    'equals(resource.incorrect.selector, "_")',
    'labels.env == prod',
    'resource.spec.uri == "x"',
  ])('%s', (expr) => {
    const ast = parsePredicate(expr);
    expect(() => evaluatePredicate(ast, node)).toThrow(PredicateError);
  });

  it('reports the identifier and where it is', () => {
    expect(() => run('labels.env == prod')).toThrow('identifier "prod" is not defined at 14');
  });

  it('apps have no spec.hostname, but extra resource fields can be supplied', () => {
    expect(() => run('resource.spec.hostname == "x"', app)).toThrow(PredicateError);
    expect(run('resource.spec.public_addr == "grafana.example.com"', app)).toBe(true);
    expect(run('hasPrefix(resource.spec.uri, "http://")', app)).toBe(true);
  });
});

describe('other kinds', () => {
  it('name is metadata.name for apps and dbs', () => {
    expect(run('name == "grafana" && labels.team == "obs"', app)).toBe(true);
    expect(run('resource.metadata.description == "Dashboards for everyone"', app)).toBe(true);
    expect(run('contains(split(labels.ip, ","), "10.0.0.2")', db)).toBe(true);
    expect(run('health.status == "healthy"', db)).toBe(true);
  });

  it('filters a mixed list', () => {
    const ast = parsePredicate('labels.env == "prod"');
    expect([node, app, db].filter((r) => evaluatePredicate(ast, r)).map((r) => r.name)).toEqual([
      'test-hostname',
      'orders',
    ]);
  });
});

describe('matchSearchKeywords', () => {
  it('every keyword must be a case-insensitive substring of some searched field', () => {
    expect(matchSearchKeywords([], node)).toBe(true);
    expect(matchSearchKeywords(['TEST-HOST'], node)).toBe(true); // hostname
    expect(matchSearchKeywords(['test-name'], node)).toBe(true); // metadata.name (UUID for real nodes)
    expect(matchSearchKeywords(['addr'], node)).toBe(true);
    expect(matchSearchKeywords(['env', 'prod', 'ver'], node)).toBe(true); // label keys and values
    expect(matchSearchKeywords(['mac', 'absent'], node)).toBe(false);
  });

  it('uses the fields of each kind', () => {
    expect(matchSearchKeywords(['everyone'], app)).toBe(true); // description
    expect(matchSearchKeywords(['example.com'], app)).toBe(true); // public_addr
    expect(matchSearchKeywords(['postgres', 'orders'], db)).toBe(true); // protocol, name
    expect(matchSearchKeywords(['self-hosted'], db)).toBe(true); // type
    expect(matchSearchKeywords(['description'], { ...node, description: 'a description' })).toBe(false);
  });

  it('exact terms match only as whole words', () => {
    const tunnelNode = { ...node, searchExactTerms: ['tunnel'] };
    expect(matchSearchKeywords(['Tunnel'], tunnelNode)).toBe(true);
    expect(matchSearchKeywords(['tun'], tunnelNode)).toBe(false);
  });

  it('search() in a predicate uses the same matching', () => {
    expect(run('search("dashboards", "OBS")', app)).toBe(true);
    expect(run('search("test-addr")', app)).toBe(false);
  });
});

describe('matchLabels / matchResource', () => {
  it('needs every key present with exactly that value', () => {
    expect(matchLabels({}, node.labels)).toBe(true);
    expect(matchLabels({ env: 'prod', os: 'mac' }, node.labels)).toBe(true);
    expect(matchLabels({ env: 'Prod' }, node.labels)).toBe(false);
    expect(matchLabels({ missing: '' }, node.labels)).toBe(false);
    expect(matchLabels({ constructor: '' }, {})).toBe(false);
  });

  it('combines predicate, labels and search keywords', () => {
    const predicate = parsePredicate('resource.spec.hostname == "test-hostname"');
    expect(matchResource(node, {})).toBe(true);
    expect(matchResource(node, { predicate, labels: { os: 'mac' }, searchKeywords: ['test'] })).toBe(true);
    expect(matchResource(node, { predicate, labels: { os: 'mac' }, searchKeywords: ['no', 'match'] })).toBe(
      false,
    );
    expect(matchResource(node, { predicate, labels: { no: 'match' } })).toBe(false);
    expect(() =>
      matchResource(node, { predicate: parsePredicate('labels.env == prod'), labels: { no: 'x' } }),
    ).toThrow(PredicateError);
  });
});
