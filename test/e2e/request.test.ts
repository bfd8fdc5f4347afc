// Access requests end to end against the dev cluster: alice asks for a role and waits in a real
// process; bob approves from another process; alice's command gets the new certificate within a
// second and `tshjs ssh` reaches a node only that role allows. Also: denial, a threshold of two
// approvals, `request drop`, a resource request for one node, Ctrl-C, and the JSON/YAML shapes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import { TSHJS_BIN, loginArgs, startCluster, tempHome, tshjs, tshjsProcess } from '../helpers/cluster.js';

const PROD_1 = '11111111-aaaa-4aaa-8aaa-000000000001';
const PROD_2 = '11111111-aaaa-4aaa-8aaa-000000000002';

/** A tshjs process whose output is watched as it comes. */
class Running {
  stdout = '';
  stderr = '';
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number>;
  private waiters: Array<() => void> = [];
  /** When each watched text first appeared (ms since the epoch). */
  readonly seenAt = new Map<string, number>();

  constructor(args: string[], home: string, stdin = '') {
    this.child = spawn(process.execPath, [TSHJS_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TELEPORT_HOME: home },
    });
    const onData = (which: 'stdout' | 'stderr') => (c: Buffer) => {
      this[which] += c.toString();
      for (const w of this.waiters.splice(0)) w();
    };
    this.child.stdout.on('data', onData('stdout'));
    this.child.stderr.on('data', onData('stderr'));
    this.child.stdin.end(stdin);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code ?? -1)));
  }

  /** Resolves once `text` appeared on stdout or stderr; records when. */
  async waitFor(text: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(this.stdout + this.stderr).includes(text)) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${JSON.stringify(text)}; stdout=${this.stdout} stderr=${this.stderr}`,
        );
      }
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
    if (!this.seenAt.has(text)) this.seenAt.set(text, Date.now());
  }

  /** The request ID from the `request show` block. */
  requestId(): string {
    const m = /Request ID:\s+([0-9a-f-]{36})/.exec(this.stdout);
    if (!m) throw new Error(`no request ID in ${this.stdout}`);
    return m[1];
  }
}

describe('access requests', () => {
  let cluster: DevCluster;
  const homes: Record<string, string> = {};
  const running: Running[] = [];

  const run = (user: string, args: string[]) => tshjs(args, { home: homes[user] });
  const proc = (user: string, args: string[], stdin?: string) =>
    tshjsProcess(args, { home: homes[user], stdin });
  const start = (user: string, args: string[]) => {
    const r = new Running(args, homes[user]);
    running.push(r);
    return r;
  };

  beforeAll(async () => {
    cluster = await startCluster({
      users: [
        { name: 'alice', password: 'alice-pw', roles: ['requester'] },
        { name: 'dan', password: 'dan-pw', roles: ['requester-two'] },
        { name: 'erin', password: 'erin-pw', roles: ['searcher'] },
        { name: 'bob', password: 'bob-pw', roles: ['reviewer'] },
        { name: 'carol', password: 'carol-pw', roles: ['reviewer'] },
        { name: 'frank', password: 'frank-pw', roles: ['needs-reason'] },
        { name: 'gina', password: 'gina-pw', roles: ['always'] },
        { name: 'hank', password: 'hank-pw', roles: ['both'] },
      ],
      roles: [
        {
          name: 'requester',
          logins: ['alice'],
          node_labels: { env: 'dev' },
          request: { roles: ['prod-access'], suggested_reviewers: ['bob'] },
        },
        {
          name: 'requester-two',
          logins: ['dan'],
          node_labels: { env: 'dev' },
          request: { roles: ['prod-access'], thresholds: [{ name: 'two', approve: 2, deny: 1 }] },
        },
        {
          name: 'searcher',
          logins: ['erin'],
          node_labels: { env: 'dev' },
          request: { search_as_roles: ['prod-access'] },
        },
        { name: 'reviewer', logins: ['bob'], node_labels: {}, review_requests: { roles: ['prod-access'] } },
        { name: 'prod-access', logins: ['root'], node_labels: { env: 'prod' } },
        {
          name: 'needs-reason',
          logins: ['frank'],
          node_labels: {},
          request: { roles: ['prod-access'] },
          request_access: 'reason',
          request_prompt: 'Ticket?',
        },
        {
          name: 'both',
          logins: ['hank'],
          node_labels: {},
          request: { roles: ['prod-access'], search_as_roles: ['prod-access'] },
        },
        {
          name: 'always',
          logins: ['gina'],
          node_labels: {},
          request: { roles: ['prod-access'] },
          request_access: 'always',
        },
      ],
      nodes: [
        { name: 'dev-1', labels: { env: 'dev' } },
        { name: 'prod-1', id: PROD_1, labels: { env: 'prod' } },
        { name: 'prod-2', id: PROD_2, labels: { env: 'prod' } },
      ],
    });
    for (const u of ['alice', 'dan', 'erin', 'bob', 'carol', 'hank']) {
      homes[u] = tempHome();
      const r = await tshjs(loginArgs(cluster, u), { home: homes[u], stdin: `${u}-pw\n` });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 60_000);

  afterAll(async () => {
    for (const r of running) r.child.kill('SIGKILL');
    await cluster?.stop();
    for (const h of Object.values(homes)) fs.rmSync(h, { recursive: true, force: true });
  });

  it('alice waits for a role; bob approves from another process; the new certificate reaches prod', async () => {
    const before = await proc('alice', ['ssh', '--request-mode=off', 'root@prod-1', 'echo no']);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('access denied');

    const a = start('alice', ['request', 'create', '--roles', 'prod-access', '--reason', 'incident 42']);
    await a.waitFor('Waiting for request approval...');
    const id = a.requestId();
    expect(a.stdout).toMatch(/^Creating request...\nRequest ID: +[0-9a-f-]{36} *\nUsername: +alice *\n/);
    expect(a.stdout).toContain('Reason:         "incident 42"');
    expect(a.stdout).toContain('Reviewers:      bob (suggested)');
    expect(a.stdout).toContain('Status:         PENDING');
    expect(a.stdout).toContain(
      "\nhint: use 'tsh login --request-id=<request-id>' to login with an approved request\n\nWaiting",
    );

    const review = await proc('bob', ['request', 'review', '--approve', '--reason', 'go ahead', id]);
    const approvedAt = Date.now();
    expect(review.code, review.stderr).toBe(0);
    expect(review.stderr).toBe('Successfully submitted review.  Request state: APPROVED\n');

    // The status block is printed once the reissued certificate is saved.
    await a.waitFor('Active requests:');
    expect(a.seenAt.get('Active requests:')! - approvedAt).toBeLessThan(1000);
    expect(await a.exited).toBe(0);
    expect(a.stderr).toBe('\nApproval received, reason="go ahead"\nGetting updated certificates...\n\n');
    expect(a.stdout).toContain(`  Active requests:    ${id}\n`);
    expect(a.stdout).toMatch(/Roles: +prod-access, requester/);

    const ok = await proc('alice', ['ssh', 'root@prod-1', 'echo ok']);
    expect([ok.code, ok.stdout], ok.stderr).toEqual([0, 'ok\n']);

    // request drop: the role goes, the node is out of reach again.
    const drop = await run('alice', ['request', 'drop']);
    expect(drop.code, drop.stderr).toBe(0);
    expect(drop.stdout).toMatch(/^Dropping all active access requests...\n\n/);
    expect(drop.stdout).not.toContain('Active requests');
    const after = await proc('alice', ['ssh', '--request-mode=off', 'root@prod-1', 'echo no']);
    expect(after.code).toBe(1);
  }, 60_000);

  it('a denial ends the wait with upstream error', async () => {
    const a = start('alice', ['request', 'create', '--roles', 'prod-access', '--reason', 'r']);
    await a.waitFor('Waiting for request approval...');
    const id = a.requestId();
    const review = await proc('bob', ['request', 'review', '--deny', '--reason', 'not now', id]);
    expect(review.stderr).toBe('Successfully submitted review.  Request state: DENIED\n');
    expect(await a.exited).toBe(1);
    expect(a.stderr).toBe(`ERROR: request ${id} has been set to DENIED, reason="not now"\n`);
  }, 60_000);

  it('a threshold of two approvals: the first leaves it pending, the second approves', async () => {
    const d = start('dan', [
      'request',
      'create',
      '--roles',
      'prod-access',
      '--reason',
      'two please',
      '--session-ttl',
      '30m',
    ]);
    await d.waitFor('Waiting for request approval...');
    const id = d.requestId();
    const first = await proc('bob', ['request', 'review', '--approve', id]);
    expect(first.stderr).toBe('Successfully submitted review.  Request state: PENDING\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(d.stderr).toBe('');
    const second = await proc('carol', ['request', 'review', '--approve', id]);
    expect(second.stderr).toBe('Successfully submitted review.  Request state: APPROVED\n');
    expect(await d.exited).toBe(0);
    expect(d.stderr).toContain('Approval received, getting updated certificates...');
    // The assumed role's expiry (--session-ttl) bounds the new certificate.
    expect(d.stdout).toMatch(/\[valid for (29m|30m)\]/);
    const show = await run('dan', ['request', 'show', id]);
    expect(show.stdout).toContain('------------------------------------------------Approvals:\n');
    expect(show.stdout).toMatch(/ {2}-{46} {2}Reviewer: bob/);
    expect(show.stdout).toMatch(/ {2}-{46} {2}Reviewer: carol/);
  }, 60_000);

  it('requests one node: only that node becomes reachable', async () => {
    const search = await run('erin', ['request', 'search', '--kind', 'node']);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toContain(`/test.localhost/node/${PROD_1}`);
    expect(search.stdout).toContain(
      'To request access to these resources, run\n> tsh request create --resource ',
    );

    const e = start('erin', [
      'request',
      'create',
      '--resource',
      `/test.localhost/node/${PROD_1}`,
      '--reason',
      'one node',
    ]);
    await e.waitFor('Waiting for request approval...');
    expect(e.stdout).toContain(`Resources:      ["/test.localhost/node/${PROD_1}"]`);
    const id = e.requestId();
    expect((await proc('bob', ['request', 'review', '--approve', id])).code).toBe(0);
    expect(await e.exited).toBe(0);
    expect(e.stdout).toContain(`Allowed Resources:  ["/test.localhost/node/${PROD_1}"]`);
    const ok = await proc('erin', ['ssh', 'root@prod-1', 'echo ok']);
    expect([ok.code, ok.stdout], ok.stderr).toEqual([0, 'ok\n']);
    const other = await proc('erin', ['ssh', '--request-mode=off', 'root@prod-2', 'echo no']);
    expect(other.code).toBe(1);
    await run('erin', ['request', 'drop', id]);
  }, 60_000);

  it('ssh to a node erin may only request: the hint, a resource request, then the session', async () => {
    const s = start('erin', ['ssh', '--request-reason', 'hotfix', 'root@prod-2', 'echo reached']);
    await s.waitFor('Waiting for request approval...');
    expect(s.stderr).toBe('ERROR: access denied to root connecting to prod-2:0\n');
    expect(s.stdout).toMatch(
      /^You do not currently have access to "root@prod-2", attempting to request access.\n\nCreating request...\nRequest ID: /,
    );
    expect(s.stdout).toContain(`Resources:      ["/test.localhost/node/${PROD_2}"]`);
    expect(s.stdout).toContain('Reason:         "hotfix"');
    expect(s.stdout).toMatch(/Roles: +prod-access/);
    const id = s.requestId();
    expect((await proc('bob', ['request', 'review', '--approve', id])).code).toBe(0);
    expect(await s.exited, s.stderr).toBe(0);
    expect(s.stdout.endsWith('reached\n')).toBe(true);
    await run('erin', ['request', 'drop']);
  }, 60_000);

  it('ssh --request-mode role: the requestable role that grants the login there', async () => {
    const s = start('hank', [
      'ssh',
      '--request-mode',
      'role',
      '--request-reason',
      'r',
      'root@prod-1',
      'echo role',
    ]);
    await s.waitFor('Waiting for request approval...');
    expect(s.stdout).toMatch(/Roles: +prod-access *\n/);
    expect(s.stdout).not.toContain('Resources:');
    expect((await proc('bob', ['request', 'review', '--approve', s.requestId()])).code).toBe(0);
    expect(await s.exited, s.stderr).toBe(0);
    expect(s.stdout.endsWith('role\n')).toBe(true);
    await run('hank', ['request', 'drop']);
  }, 60_000);

  it('Ctrl-C leaves the request pending and says how to resume', async () => {
    const a = start('alice', ['request', 'create', '--roles', 'prod-access', '--reason', 'later']);
    await a.waitFor('Waiting for request approval...');
    const id = a.requestId();
    a.child.kill('SIGINT');
    expect(await a.exited).toBe(130);
    expect(a.stderr).toContain(`tshjs login --request-id=${id}`);
    const show = await run('alice', ['request', 'show', id]);
    expect(show.stdout).toContain('Status:         PENDING');
    // The approval, later: login --request-id picks it up.
    await proc('bob', ['request', 'review', '--approve', id]);
    const login = await run('alice', [
      'login',
      `--proxy=${cluster.proxyAddr}`,
      '--insecure',
      `--request-id=${id}`,
    ]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`Active requests:    ${id}`);
    await run('alice', ['request', 'drop']);
  }, 60_000);

  it('ls and show in JSON and YAML have Go shapes of AccessRequestV3', async () => {
    const n = await run('alice', [
      'request',
      'create',
      '--roles',
      'prod-access',
      '--reason',
      'shape',
      '--nowait',
    ]);
    expect(n.code, n.stderr).toBe(0);
    const id = /Request ID:\s+([0-9a-f-]{36})/.exec(n.stdout)![1];

    const ls = await run('alice', ['request', 'ls', '--format', 'json']);
    expect(ls.stdout.endsWith(']')).toBe(true); // Fprint: no newline after the JSON
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document checked key by key
    const list = JSON.parse(ls.stdout) as Array<Record<string, any>>;
    const mine = list.find((r) => r.metadata.name === id)!;
    expect(Object.keys(mine)).toEqual(['kind', 'version', 'metadata', 'spec']);
    expect(mine.kind).toBe('access_request');
    expect(mine.version).toBe('v3');
    expect(mine.spec.user).toBe('alice');
    expect(mine.spec.roles).toEqual(['prod-access']);
    expect(mine.spec.state).toBe(1);
    expect(mine.spec.request_reason).toBe('shape');
    expect(Object.keys(mine.spec).slice(0, 5)).toEqual(['user', 'roles', 'state', 'created', 'expires']);
    expect(mine.spec.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

    const show = await run('alice', ['request', 'show', id, '--format', 'yaml']);
    expect(show.stdout).toMatch(/^kind: access_request\nmetadata:\n/);
    expect(show.stdout).toContain(`  name: ${id}\n`);
    expect(show.stdout).toContain('  state: 1\n');
    expect(show.stdout.endsWith('version: v3\n')).toBe(true);

    const text = await run('bob', ['request', 'ls', '--reviewable']);
    expect(text.stdout).toMatch(
      /^ID +User +Roles +Resources +Created At \(UTC\) +Request TTL +Session TTL +Assume Time \(UTC\) +Status +\n/,
    );
    expect(text.stdout).toContain(id);
    const mineOnly = await run('bob', ['request', 'ls', '--my-requests']);
    expect(mineOnly.stdout).not.toContain(id);
  }, 60_000);

  it('login: a reason the roles require, and an automatic request (request_access: always)', async () => {
    const home = tempHome();
    homes.frank = home;
    const args = loginArgs(cluster, 'frank');
    const bare = await tshjs(args, { home, stdin: 'frank-pw\n' });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/\nERROR: --request-reason must be specified, prompt=Ticket\?\n$/);
    expect((await tshjs(['status'], { home })).stderr).toBe('ERROR: Not logged in.\n');
    const withReason = await tshjs(
      [...args, '--request-reason', 'T-1', '--request-roles', 'prod-access', '--request-nowait'],
      {
        home,
        stdin: 'frank-pw\n',
      },
    );
    expect(withReason.code, withReason.stderr).toBe(0);
    expect(withReason.stdout).toMatch(/\nCreating request...\nRequest ID: /);
    expect(withReason.stdout).toContain('Reason:         "T-1"');

    homes.gina = tempHome();
    const auto = await tshjs([...loginArgs(cluster, 'gina'), '--request-nowait'], {
      home: homes.gina,
      stdin: 'gina-pw\n',
    });
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stdout).toMatch(/Roles: +prod-access *\n/);
    expect(auto.stdout).toContain('Status:         PENDING');
  }, 60_000);

  it('bad input: upstream messages', async () => {
    expect((await run('alice', ['request', 'create'])).stderr).toBe(
      'ERROR: at least one role or resource or a request ID must be specified\n',
    );
    expect((await run('bob', ['request', 'review', 'x', '--approve', '--deny'])).stderr).toBe(
      "ERROR: must supply exactly one of '--approve' or '--deny'\n",
    );
    expect((await run('alice', ['request', 'create', '--resource', 'node/x'])).stderr).toBe(
      'ERROR: node/x is not a valid ResourceID string\n',
    );
    expect((await run('alice', ['request', 'show', 'no-such-id'])).stderr).toBe(
      'ERROR: no access request matching "no-such-id"\n',
    );
  });
});
