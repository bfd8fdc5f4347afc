// apps ls, db ls and kube ls in-process with a fake TeleportClient: the tables tsh prints
// (tool/tsh/common/tsh.go writeAppTable / getDatabaseRow, db_print.go, kube.go) and db ls's JSON.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '../../../src/client/config.js';
import type { ResourceFilter } from '../../../src/client/filter.js';
import { runAppsLs } from '../../../src/commands/apps.js';
import { CommandContext } from '../../../src/commands/context.js';
import { LIST_DATABASES_HINT, runDbLs } from '../../../src/commands/db.js';
import { runKubeLs } from '../../../src/commands/kube.js';
import type { PaginatedResource } from '../../../src/gen/teleport/legacy/client/proto/authservice.js';
import {
  AppV3,
  DatabaseV3,
  KubernetesClusterV3,
  RoleV6,
  UserV2,
} from '../../../src/gen/teleport/legacy/types/types.js';
import { TeleportClient } from './fake.js';

/** A context whose stdin is a terminal `columns` wide (term.GetSize(os.Stdin.Fd())). */
function context(make: (c: ClientConfig) => TeleportClient, columns?: number) {
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const stdin = Object.assign(new PassThrough(), columns ? { isTTY: true, columns } : {});
  const io = { stdin, stdout, stderr, env: { TELEPORT_HOME: '/nonexistent-tshjs-home' } };
  const ctx = new CommandContext(io, {}, undefined, { client: make });
  return { ctx, stdout: () => out, stderr: () => err };
}

/** A client whose ListResources pages hold these resources. */
class FakeResources extends TeleportClient {
  constructor(
    config: ClientConfig,
    private readonly resources: PaginatedResource[],
    private readonly access?: { user: UserV2; roles: RoleV6[] },
  ) {
    super(config);
  }
  override async collect<T>(
    _type: string,
    _filter: ResourceFilter,
    pick: (r: PaginatedResource) => T | undefined,
  ): Promise<T[]> {
    return this.resources.map(pick).filter((t): t is T => t !== undefined);
  }
  override async currentUserRoles() {
    if (!this.access) throw new Error('access denied');
    return this.access;
  }
}

function app(
  name: string,
  description: string,
  publicAddr: string,
  uri: string,
  labels: Record<string, string>,
  ports: Array<[number, number]> = [],
) {
  const App = AppV3.fromPartial({
    Kind: 'app',
    Version: 'v3',
    Metadata: { Name: name, Description: description, Labels: labels },
    Spec: { URI: uri, PublicAddr: publicAddr, TCPPorts: ports.map(([Port, EndPort]) => ({ Port, EndPort })) },
  });
  return { resource: { $case: 'AppServer', value: { Spec: { App } } } } as unknown as PaginatedResource;
}

describe('apps ls', () => {
  // PR #49688 ("Surface target ports in tsh and Connect") shows this listing, trailing spaces trimmed.
  const apps = [
    app('dumper', '', 'dumper.teleport-local.dev', 'http://localhost:1', {}),
    app('example1', 'Example app', 'example1.teleport-local.dev', 'http://localhost:2', { env: 'test' }),
    app('simplehttpserver', '', 'simplehttpserver.teleport-local.dev', 'http://localhost:3', {}),
    app('tcp-postgres', '', 'tcp-postgres.teleport-local.dev', 'tcp://localhost:5432', {}),
    app('waldo', '', 'waldo.teleport-local.dev', 'tcp://localhost', { env: 'prod' }, [
      [4080, 4090],
      [5095, 0],
    ]),
  ];

  it('Type and, with a multi-port TCP app listed, Target Ports (PortRanges.String)', async () => {
    const c = context((cfg) => new FakeResources(cfg, apps), 200);
    await runAppsLs({ format: 'text' }, c.ctx);
    expect(
      c
        .stdout()
        .split('\n')
        .map((l) => l.trimEnd()),
    ).toEqual([
      'Application      Description Type Public Address                      Target Ports    Labels',
      '---------------- ----------- ---- ----------------------------------- --------------- --------',
      'dumper                       HTTP dumper.teleport-local.dev',
      'example1         Example app HTTP example1.teleport-local.dev                         env=test',
      'simplehttpserver             HTTP simplehttpserver.teleport-local.dev',
      'tcp-postgres                 TCP  tcp-postgres.teleport-local.dev',
      'waldo                        TCP  waldo.teleport-local.dev            4080-4090, 5095 env=prod',
      '',
      '',
    ]);
  });

  it('no Target Ports column without a multi-port app; URI with -v', async () => {
    const c = context((cfg) => new FakeResources(cfg, apps.slice(0, 2)), 200);
    await runAppsLs({ format: 'text', verbose: true }, c.ctx);
    expect(c.stdout().split('\n')[0].trimEnd()).toBe(
      'Application Description Type Public Address              URI                Labels',
    );
  });
});

function db(name: string, labels: Record<string, string>, description = ''): PaginatedResource {
  const Database = DatabaseV3.fromPartial({
    Kind: 'db',
    Version: 'v3',
    Metadata: { Name: name, Description: description, Labels: labels },
    Spec: { Protocol: 'postgres', URI: 'localhost:5432' },
  });
  return {
    resource: { $case: 'DatabaseServer', value: { Spec: { Database } } },
  } as unknown as PaginatedResource;
}

const ACCESS = {
  user: UserV2.fromPartial({
    Metadata: { Name: 'alice' },
    Spec: { Traits: { Values: { logins: { Values: ['alice'] } } } },
  }),
  roles: [
    RoleV6.fromPartial({
      Metadata: { Name: 'dbs' },
      Spec: {
        Allow: {
          Namespaces: ['default'],
          DatabaseLabels: { Values: { '*': { Values: ['*'] } } },
          DatabaseUsers: ['{{internal.logins}}', 'reader'],
        },
        Deny: { Namespaces: ['default'] },
      },
    }),
  ],
};

describe('db ls', () => {
  it('Allowed Users from the roles; discovered names without -v; hidden labels', async () => {
    const dbs = [
      db(
        'pg-abc123',
        { env: 'dev', 'teleport.internal/discovered-name': 'pg', 'teleport.dev/origin': 'cloud' },
        'Postgres',
      ),
    ];
    const c = context((cfg) => new FakeResources(cfg, dbs, ACCESS));
    await runDbLs({ format: 'text' }, c.ctx);
    expect(c.stdout()).toBe(
      [
        'Name Description Allowed Users  Labels  Connect ',
        '---- ----------- -------------- ------- ------- ',
        'pg   Postgres    [alice reader] env=dev         ',
        '',
        '',
      ].join('\n'),
    );
    const v = context((cfg) => new FakeResources(cfg, dbs, ACCESS));
    await runDbLs({ format: 'text', verbose: true }, v.ctx);
    // -v: MakeTable (no truncation), the full name, every label (70 bytes).
    const labels = 'env=dev,teleport.dev/origin=cloud,teleport.internal/discovered-name=pg';
    expect(v.stdout().split('\n').slice(0, 3)).toEqual([
      `Name      Description Protocol Type        URI            Allowed Users  Database Roles ${'Labels'.padEnd(71)}Connect `,
      `--------- ----------- -------- ----------- -------------- -------------- -------------- ${'-'.repeat(70)} ------- `,
      `pg-abc123 Postgres    postgres self-hosted localhost:5432 [alice reader]                ${labels} ${' '.repeat(8)}`,
    ]);
  });

  it('(unknown) and plain database JSON when the roles cannot be read', async () => {
    const c = context((cfg) => new FakeResources(cfg, [db('pg', {})]));
    await runDbLs({ format: 'text' }, c.ctx);
    // Name 4+1, Description 11+1, Allowed Users 13+1, Labels 6+1, Connect 7+1.
    expect(c.stdout().split('\n')[2]).toBe(`pg   ${' '.repeat(12)}(unknown)${' '.repeat(5 + 7 + 8)}`);
    const j = context((cfg) => new FakeResources(cfg, [db('pg', {})]));
    await runDbLs({ format: 'json' }, j.ctx);
    expect(Object.keys(JSON.parse(j.stdout())[0])).toEqual(['kind', 'version', 'metadata', 'spec', 'status']);
  });

  it('JSON: databaseWithUsers adds "users" after the database fields', async () => {
    const c = context((cfg) => new FakeResources(cfg, [db('pg', {})], ACCESS));
    await runDbLs({ format: 'json' }, c.ctx);
    expect(c.stdout()).toMatch(
      /\n {4}"status": \{[^]*\n {4}\},\n {4}"users": \{\n {6}"allowed": \[\n {8}"alice",\n {8}"reader"\n {6}\]\n {4}\}\n {2}\}\n\]\n$/,
    );
  });

  it('the search hint after 20 or more rows when nothing narrows the listing (db_print.go)', async () => {
    const many = Array.from({ length: 20 }, (_, i) => db(`db-${String(i).padStart(2, '0')}`, {}));
    const c = context((cfg) => new FakeResources(cfg, many, ACCESS));
    await runDbLs({ format: 'text' }, c.ctx);
    // The table (Name 5+1, Description 11+1, Allowed Users 14+1, Labels 6+1, Connect 7+1), Println's
    // blank line, then the hint.
    expect(
      c
        .stdout()
        .endsWith(`db-19 ${' '.repeat(12)}[alice reader] ${' '.repeat(7 + 8)}\n\n${LIST_DATABASES_HINT}`),
    ).toBe(true);
    expect(LIST_DATABASES_HINT).toBe(
      "hint: use 'tsh db ls --search foo,bar' to search keywords\n      use 'tsh db ls key1=value1,key2=value2' to filter databases by labels\n\n",
    );
    const filtered = context((cfg) => new FakeResources(cfg, many, ACCESS));
    await runDbLs({ format: 'text', search: 'db' }, filtered.ctx);
    expect(filtered.stdout()).not.toContain('hint:');
    const few = context((cfg) => new FakeResources(cfg, many.slice(1), ACCESS));
    await runDbLs({ format: 'text' }, few.ctx);
    expect(few.stdout()).not.toContain('hint:');
  });
});

describe('kube ls', () => {
  function kube(name: string, labels: Record<string, string>): PaginatedResource {
    const Cluster = KubernetesClusterV3.fromPartial({
      Kind: 'kube_cluster',
      Version: 'v3',
      Metadata: { Name: name, Labels: labels },
    });
    return {
      resource: { $case: 'KubernetesServer', value: { Spec: { Cluster } } },
    } as unknown as PaginatedResource;
  }

  it('rows stably sorted by the name shown (discovered name), labels via FormatLabels', async () => {
    const ks = [
      kube('a-cluster-eks-123', { 'teleport.internal/discovered-name': 'zeta', env: 'prod' }),
      kube('b-cluster', { env: 'dev', 'teleport.dev/origin': 'config' }),
    ];
    const c = context((cfg) => new FakeResources(cfg, ks));
    await runKubeLs({ format: 'text' }, c.ctx);
    expect(c.stdout()).toBe(
      [
        'Kube Cluster Name Labels   Selected ',
        '----------------- -------- -------- ',
        'b-cluster         env=dev           ',
        'zeta              env=prod          ',
        '',
        '',
      ].join('\n'),
    );
    const q = context((cfg) => new FakeResources(cfg, ks));
    await runKubeLs({ format: 'text', quiet: true }, q.ctx);
    expect(q.stdout()).toBe('b-cluster env=dev  \nzeta      env=prod \n\n');
  });
});
