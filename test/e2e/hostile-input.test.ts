// Hostile input to a running dev cluster: predicates that used to overflow the stack are one
// clear INVALID_ARGUMENT line for the user, and the cluster keeps serving afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PREDICATE_DEPTH, MAX_PREDICATE_LENGTH } from '../../src/devcluster/predicate.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs, tshjsProcess } from '../helpers/cluster.js';

let cluster: DevCluster;
let home: string;

beforeAll(async () => {
  cluster = await startCluster({
    nodes: [
      { name: 'web-1', addr: '10.0.0.1:3022', labels: { env: 'prod' } },
      { name: 'web-2', addr: '10.0.0.2:3022', labels: { env: 'dev' } },
    ],
  });
  home = tempHome();
  const login = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' });
  expect(login.code, login.stderr).toBe(0);
});

afterAll(async () => {
  await cluster?.stop();
});

const nodeNames = (stdout: string) =>
  (JSON.parse(stdout) as { spec: { hostname: string } }[]).map((n) => n.spec.hostname).sort();

describe('hostile --query predicates', () => {
  it('2,000 nested parentheses: one error line, exit code 1, and the cluster keeps serving', async () => {
    const deep = `${'('.repeat(2000)}labels.env == "prod"${')'.repeat(2000)}`;
    const r = await tshjsProcess(['ls', '--query', deep], { home });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`expression nests deeper than ${MAX_PREDICATE_DEPTH} levels at \\d+$`),
    );
    expect(r.stderr).not.toMatch(/Maximum call stack|INTERNAL|\n\s+at /);

    const after = await tshjs(['ls', '--format=json', '--query', 'labels.env == "prod"'], { home });
    expect(after.code, after.stderr).toBe(0);
    expect(nodeNames(after.stdout)).toEqual(['web-1']);
  });

  it('3,000 flat && / || clauses are answered', async () => {
    const clauses = Array.from({ length: 3000 }, (_, i) => `labels.k${i} == ""`);
    const and = await tshjs(
      ['ls', '--format=json', '--query', `${clauses.join(' && ')} && labels.env == "dev"`],
      { home },
    );
    expect(and.code, and.stderr).toBe(0);
    expect(nodeNames(and.stdout)).toEqual(['web-2']);
    const none = Array.from({ length: 3000 }, (_, i) => `labels.k${i} != ""`).join(' || ');
    const or = await tshjs(['ls', '--format=json', '--query', `${none} || name == "web-1"`], { home });
    expect(or.code, or.stderr).toBe(0);
    expect(nodeNames(or.stdout)).toEqual(['web-1']);
  });

  it('an expression over the size limit is refused with one line', async () => {
    const huge = `name == "${'x'.repeat(MAX_PREDICATE_LENGTH)}"`;
    const r = await tshjs(['ls', '--query', huge], { home });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/more than the limit of 131072/);
  });
});
