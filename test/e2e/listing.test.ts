// Listing over the ALPN-routed gRPC port: ls, apps/db/kube/desktop ls, clusters, with RBAC,
// pagination, label/search/query filters and every output format.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, TSHJS_BIN, tshjs } from '../helpers/cluster.js';

const CONFIG = {
  users: [
    { name: 'alice', password: 'alice-pw', roles: ['all'] },
    { name: 'dave', password: 'dave-pw', roles: ['devonly'], traits: { logins: ['dave'] } },
  ],
  roles: [
    {
      name: 'all',
      logins: ['root'],
      node_labels: { '*': '*' },
      app_labels: { '*': '*' },
      db_labels: { '*': '*' },
      kubernetes_labels: { '*': '*' },
      windows_desktop_labels: { '*': '*' },
      windows_desktop_logins: ['alice', 'guest', 'Administrator'],
      db_users: ['*'],
      deny: { db_users: ['root'], windows_desktop_logins: ['guest'] },
    },
    {
      name: 'devonly',
      logins: ['dave'],
      node_labels: { env: 'dev' },
      db_labels: { env: ['dev', 'staging'] },
      db_users: ['{{internal.logins}}', 'dev'],
      windows_desktop_labels: { env: 'dev' },
      windows_desktop_logins: ['{{internal.logins}}'],
    },
  ],
  nodes: [
    {
      name: 'web-1',
      addr: '10.0.0.1:3022',
      labels: { env: 'prod', team: 'web', 'teleport.dev/origin': 'config', 'a/b': 'x' },
    },
    { name: 'web-2', addr: '10.0.0.2:3022', labels: { env: 'dev', team: 'web' } },
    { name: 'db-host', tunnel: true, labels: { env: 'dev', team: 'data' } },
  ],
  synthetic_nodes: 2500,
  databases: [
    {
      name: 'pg-prod',
      protocol: 'postgres',
      uri: 'pg:5432',
      description: 'Prod DB',
      labels: { env: 'prod' },
    },
    { name: 'pg-dev', protocol: 'postgres', uri: 'pgdev:5432', labels: { env: 'dev' } },
  ],
  apps: [
    {
      name: 'grafana',
      uri: 'http://localhost:3000',
      public_addr: 'grafana.example.com',
      description: 'Dashboards',
      labels: { env: 'dev' },
    },
  ],
  kube_clusters: [{ name: 'kind', labels: { env: 'dev' } }],
  desktops: [{ name: 'win-1', addr: '10.0.0.9:3389', labels: { env: 'dev' } }],
  leaf_clusters: [
    { name: 'leaf-b', status: 'offline' },
    { name: 'leaf-a', labels: { env: 'dev', region: 'eu' } },
  ],
};

describe('listing', () => {
  let cluster: DevCluster;
  let alice: string;
  let dave: string;

  beforeAll(async () => {
    cluster = await startCluster(CONFIG);
    alice = tempHome();
    dave = tempHome();
    expect((await tshjs(loginArgs(cluster, 'alice'), { home: alice, stdin: 'alice-pw\n' })).code).toBe(0);
    expect((await tshjs(loginArgs(cluster, 'dave'), { home: dave, stdin: 'dave-pw\n' })).code).toBe(0);
  });
  afterAll(async () => {
    await cluster.stop();
    fs.rmSync(alice, { recursive: true, force: true });
    fs.rmSync(dave, { recursive: true, force: true });
  });

  const ls = (home: string, ...args: string[]) => tshjs(['ls', '--insecure', ...args], { home });

  it('pages through every node (names format)', async () => {
    const r = await ls(alice, '-f', 'names');
    expect(r.code, r.stderr).toBe(0);
    const names = r.stdout.trim().split('\n');
    expect(names).toHaveLength(2503);
    expect(new Set(names).size).toBe(2503);
    expect(names.slice(0, 2)).toEqual(['db-host', 'node-000000']);
    expect(names.at(-1)).toBe('web-2');
  });

  it('RBAC: a user sees only nodes their roles allow', async () => {
    const r = await ls(dave, '-f', 'names');
    const names = r.stdout.trim().split('\n');
    expect(names).toContain('web-2');
    expect(names).toContain('db-host');
    expect(names).not.toContain('web-1');
    expect(names).toHaveLength(2 + 1250);
  });

  it('text table with upstream columns, label order and tunnel address', async () => {
    const r = await ls(alice, 'team=web');
    expect(r.code, r.stderr).toBe(0);
    // tabwriter layout: each column is as wide as its longest cell + 1, trailing spaces kept.
    // common.FormatLabels without -v: plain keys, then a/b keys; teleport.dev/ labels hidden.
    const labels1 = 'env=prod,team=web,a/b=x';
    const w = labels1.length + 1;
    expect(r.stdout).toBe(
      [
        `Node Name Address       ${'Labels'.padEnd(w)}`,
        `--------- ------------- ${'-'.repeat(labels1.length).padEnd(w)}`,
        `web-1     10.0.0.1:3022 ${labels1.padEnd(w)}`,
        `web-2     10.0.0.2:3022 ${'env=dev,team=web'.padEnd(w)}`,
        '',
        '',
      ].join('\n'),
    );
  });

  it('verbose adds the node ID; tunnel nodes show the tunnel marker', async () => {
    const r = await ls(alice, '-v', '--search=data');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Node Name +Node ID +Address +Labels +$/);
    expect(lines[2]).toMatch(/^db-host +[0-9a-f-]{36} +⟵ Tunnel +env=dev,team=data +$/);
    // -v shows the teleport.dev/ labels, after the namespaced ones.
    const web1 = (await ls(alice, '-v', 'team=web')).stdout.split('\n')[2];
    expect(web1).toMatch(/ env=prod,team=web,a\/b=x,teleport\.dev\/origin=config $/);
  });

  it("an empty listing prints the header and tsh's hint footer on stderr", async () => {
    const r = await ls(alice, 'team=none');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Node Name Address Labels \n--------- ------- ------ \n\n');
    expect(r.stderr).toBe(
      "\n  Not seeing nodes? Either no nodes are available or your user's roles do not match the labels of at least one node.\n\n  Check with your Teleport cluster administrator that your user's roles should have nodes available.\n  \n",
    );
  });

  it('label, search and query filters', async () => {
    const byLabel = await ls(alice, 'env=dev,team=web', '-f', 'names');
    expect(byLabel.stdout).toBe('web-2\n');
    const bySearch = await ls(alice, '--search', 'web,prod', '-f', 'names');
    expect(bySearch.stdout).toBe('web-1\n');
    const byQuery = await ls(
      alice,
      '--query',
      'labels.team == "web" && hasPrefix(name, "web-")',
      '-f',
      'names',
    );
    expect(byQuery.stdout).toBe('web-1\nweb-2\n');
    const bracket = await ls(
      alice,
      '--query',
      'labels["env"] == "prod" && !exists(labels.nope)',
      '-f',
      'names',
    );
    expect(bracket.stdout.trim().split('\n')).toContain('web-1');
  });

  it('a bad query is one clear error line', async () => {
    const r = await ls(alice, '--query', 'labels.env == ');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^ERROR: .* at \d+\n$/);
  });

  it('a bad label spec is one clear error line', async () => {
    const r = await ls(alice, 'env');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ERROR: invalid label spec: 'env', should be 'key=value'\n");
  });

  it('json is the upstream resource shape; empty is []', async () => {
    const r = await ls(alice, 'team=web', '-f', 'json');
    const nodes = JSON.parse(r.stdout);
    expect(nodes).toHaveLength(2);
    expect(Object.keys(nodes[0]).slice(0, 3)).toEqual(['kind', 'sub_kind', 'version']);
    expect(nodes[0].kind).toBe('node');
    // As a Teleport SSH service registers itself: sub_kind "teleport", and an expiry one announce TTL
    // (10 min) after its last heartbeat (every minute).
    expect(nodes[0].sub_kind).toBe('teleport');
    expect(Object.keys(nodes[0].metadata)).toEqual(['name', 'labels', 'expires']);
    const expires = Date.parse(nodes[0].metadata.expires);
    expect(expires - Date.now()).toBeGreaterThan(9 * 60_000 - 5_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    expect(nodes[0].version).toBe('v2');
    expect(nodes[0].metadata.labels.env).toBe('prod');
    expect(nodes[0].spec.hostname).toBe('web-1');
    expect(nodes[0].spec.addr).toBe('10.0.0.1:3022');
    const empty = await ls(alice, 'team=none', '-f', 'json');
    expect(empty.stdout).toBe('[]\n');
    const y = await ls(alice, 'team=web', '-f', 'yaml');
    expect(y.stdout).toMatch(/^- kind: node\n/m);
  });

  it("a reader that stops early (`tshjs ls | head`) ends tshjs quietly, with SIGPIPE's status", async () => {
    // As a Go program dies of SIGPIPE on a closed stdout: no stack trace, exit status 141.
    const child = spawn(process.execPath, [TSHJS_BIN, 'ls', '--insecure', '-f', 'json'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TELEPORT_HOME: alice },
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(stderr).toBe('');
    expect(code).toBe(141);
  });

  it('apps ls', async () => {
    const r = await tshjs(['apps', 'ls', '--insecure'], { home: alice });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^Application +Description +Type +Public Address +Labels +$/);
    // MakeTableWithTruncatedColumn at 80 columns (stdin is not a terminal): every column but Labels
    // is capped at (80-16)/4 = 16 bytes, so the public address is cut as tsh cuts it.
    expect(r.stdout).toContain('\ngrafana     Dashboards  HTTP grafana.example.... env=dev \n');
    const v = await tshjs(['apps', 'ls', '--insecure', '-v'], { home: alice });
    expect(v.stdout.split('\n')[0]).toMatch(
      /^Application +Description +Type +Public Address +URI +Labels +$/,
    );
    expect(v.stdout).toMatch(
      /\ngrafana +Dashboards +HTTP +grafana\.example\.com +http:\/\/localhost:3000 +env=dev +\n/,
    );
    const j = JSON.parse((await tshjs(['apps', 'ls', '--insecure', '-f', 'json'], { home: alice })).stdout);
    expect(j[0].kind).toBe('app');
    expect(j[0].spec.uri).toBe('http://localhost:3000');
    const none = await tshjs(['apps', 'ls', '--insecure', '-f', 'json'], { home: dave });
    expect(none.stdout).toBe('[]\n');
  });

  it('db ls respects db_labels; Allowed Users from the roles (GetCurrentUserRoles + traits)', async () => {
    const r = await tshjs(['db', 'ls', '--insecure'], { home: dave });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^Name +Description +Allowed Users +Labels +Connect +$/);
    // devonly: db_users ["{{internal.logins}}", "dev"] with logins [dave].
    expect(r.stdout).toMatch(/\npg-dev +\[dave dev\] +env=dev +\n/);
    expect(r.stdout).not.toContain('pg-prod');
    const a = await tshjs(['db', 'ls', '--insecure'], { home: alice });
    // all: db_users ["*"], deny db_users ["root"]: "[*], except: [root]", cut at (80-16)/4 = 16 bytes.
    expect(a.stdout).toContain('\npg-prod Prod DB     [*], except: [ro... env=prod         \n');
    const v = await tshjs(['db', 'ls', '--insecure', '-v'], { home: alice });
    expect(v.stdout.split('\n')[0]).toMatch(
      /^Name +Description +Protocol +Type +URI +Allowed Users +Database Roles +Labels +Connect +$/,
    );
    expect(v.stdout).toMatch(
      /\npg-dev +postgres +self-hosted +pgdev:5432 +\[\*\], except: \[root\] +env=dev +\n/,
    );
    const j = JSON.parse((await tshjs(['db', 'ls', '--insecure', '-f', 'json'], { home: alice })).stdout);
    expect(j.map((d: { metadata: { name: string } }) => d.metadata.name)).toEqual(['pg-dev', 'pg-prod']);
    expect(j[1].spec.protocol).toBe('postgres');
    expect(Object.keys(j[1])).toEqual(['kind', 'version', 'metadata', 'spec', 'status', 'users']);
    expect(j[1].users).toEqual({ allowed: ['*'], denied: ['root'] });
    const dj = JSON.parse((await tshjs(['db', 'ls', '--insecure', '-f', 'json'], { home: dave })).stdout);
    expect(dj[0].users).toEqual({ allowed: ['dave', 'dev'] });
  });

  it('kube ls', async () => {
    const r = await tshjs(['kube', 'ls', '--insecure'], { home: alice });
    expect(r.stdout.split('\n')[0]).toMatch(/^Kube Cluster Name +Labels +Selected +$/);
    expect(r.stdout).toMatch(/\nkind +env=dev +\n/);
    const j = JSON.parse((await tshjs(['kube', 'ls', '--insecure', '-f', 'json'], { home: alice })).stdout);
    expect(j).toEqual([{ kube_cluster_name: 'kind', labels: { env: 'dev' }, selected: false }]);
  });

  it('desktop ls: Logins from the roles (deny rules and traits applied), text only', async () => {
    const r = await tshjs(['desktop', 'ls', '--insecure'], { home: alice });
    expect(r.code, r.stderr).toBe(0);
    // all: windows_desktop_logins [alice guest Administrator], deny [guest].
    expect(r.stdout).toBe(
      [
        'Name  Address       Logins              Labels  ',
        '----- ------------- ------------------- ------- ',
        'win-1 10.0.0.9:3389 Administrator,alice env=dev ',
        '',
        '',
      ].join('\n'),
    );
    // devonly: windows_desktop_logins ["{{internal.logins}}"] with logins [dave].
    const d = await tshjs(['desktop', 'ls', '--insecure', '-v'], { home: dave });
    expect(d.stdout.split('\n')[0]).toMatch(/^Name +Address +Domain +Host ID +Logins +Labels +$/);
    expect(d.stdout).toMatch(/\nwin-1 +10\.0\.0\.9:3389 +.* dave +env=dev +\n/);
    const j = JSON.parse(
      (await tshjs(['desktop', 'ls', '--insecure', '-f', 'json'], { home: alice })).stdout,
    );
    expect(j[0].kind).toBe('windows_desktop');
    expect(j[0].spec.addr).toBe('10.0.0.9:3389');
    expect(Object.keys(j[0])).toEqual(['kind', 'version', 'metadata', 'spec']);
  });

  it('clusters: root, then leaf clusters from PresenceService', async () => {
    const r = await tshjs(['clusters', '--insecure'], { home: alice });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        'Cluster Name   Status  Cluster Type Labels            Selected ',
        '-------------- ------- ------------ ----------------- -------- ',
        'test.localhost online  root                           *        ',
        'leaf-a         online  leaf         env=dev,region=eu          ',
        'leaf-b         offline leaf                                    ',
        '',
        '',
      ].join('\n'),
    );
    const j = JSON.parse((await tshjs(['clusters', '--insecure', '-f', 'json'], { home: alice })).stdout);
    expect(j).toEqual([
      {
        cluster_name: 'test.localhost',
        status: 'online',
        cluster_type: 'root',
        labels: null,
        selected: true,
      },
      {
        cluster_name: 'leaf-a',
        status: 'online',
        cluster_type: 'leaf',
        labels: { env: 'dev', region: 'eu' },
        selected: false,
      },
      { cluster_name: 'leaf-b', status: 'offline', cluster_type: 'leaf', labels: null, selected: false },
    ]);
  });

  it('verifies the cluster CA without --insecure (gRPC trusts cas/, not the web cert)', async () => {
    const r = await tshjs(['ls', '-f', 'names', 'team=web'], { home: alice });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('web-1\nweb-2\n');
  });

  it('not logged in / expired credentials are one clear line', async () => {
    const r = await tshjs(['ls'], { home: tempHome() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: Not logged in; run "tshjs login/);
  });
});
