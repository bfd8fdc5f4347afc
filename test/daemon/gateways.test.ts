// Gateways through the daemon over its unix socket, against the dev cluster: a database gateway to
// a real PostgreSQL run by the real psql with the command the daemon hands out (no credentials: the
// gateway's tunnel authenticates), the database name changed, the port moved, the gateway removed
// (its port closed); bad and busy ports; a MySQL gateway with the real mariadb client; a Kubernetes
// gateway used by the real kubectl through the KUBECONFIG it names, moved to another port.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateAuthority } from '../../src/devcluster/authority.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import type { Gateway } from '../../src/gen/teleport/lib/teleterm/v1/gateway.js';
import type { ListGatewaysResponse } from '../../src/gen/teleport/lib/teleterm/v1/service.js';
import { startDaemon, type TestDaemon } from './harness.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';
import { MARIADB_BIN, startMariadbForCluster, type Mariadb } from '../helpers/mariadb.js';
import { POSTGRES_BIN, startPostgresForCluster, type Postgres } from '../helpers/postgres.js';

const KUBECTL = '/usr/bin/kubectl';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a gateway's CLI command as the app would: its path, its args after the program (or others,
 * for kubectl whose `version` is a placeholder), its env.
 */
function runCli(
  g: Gateway,
  stdin: string,
  o: { args?: string[]; env?: Record<string, string> } = {},
): Promise<Run> {
  const c = g.gatewayCliCommand!;
  const vars = Object.fromEntries(
    c.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(c.path, o.args ?? c.args.slice(1), {
      env: { PATH: process.env.PATH ?? '', ...o.env, ...vars },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe.skipIf(!POSTGRES_BIN)('daemon gateways', () => {
  let cluster: DevCluster;
  let pg: Postgres;
  let maria: Mariadb | undefined;
  let daemon: TestDaemon;
  const dirs: string[] = [];
  let home: string;
  let work: string;
  let root: string;

  beforeAll(async () => {
    work = tempHome('tshjs-daemon-gw-');
    dirs.push(work);
    const authority = await loadOrCreateAuthority(path.join(work, 'data'), 'test.localhost', 'balanced-v1');
    pg = await startPostgresForCluster(authority, { users: ['alice'] });
    if (MARIADB_BIN) maria = await startMariadbForCluster(authority, { users: ['alice'] });
    cluster = await startCluster(
      {
        users: [{ name: 'alice', password: 'alice-pw', roles: ['db', 'kube-dev'] }],
        roles: [
          { name: 'db', logins: ['alice'], db_labels: { '*': '*' }, db_users: ['alice'], db_names: ['*'] },
          {
            name: 'kube-dev',
            logins: [],
            node_labels: {},
            kubernetes_labels: { '*': '*' },
            kubernetes_groups: ['viewers'],
          },
        ],
        databases: [
          { name: 'pg', protocol: 'postgres', uri: `127.0.0.1:${pg.port}` },
          ...(maria ? [{ name: 'maria', protocol: 'mysql', uri: `127.0.0.1:${maria.port}` }] : []),
        ],
        kube_clusters: [
          {
            name: 'dev-kube',
            namespaces: { default: { pods: [{ name: 'web-0', containers: ['web'] }] } },
          },
        ],
      },
      path.join(work, 'data'),
    );
    home = path.join(work, 'tsh');
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' });
    expect(r.code, r.stderr).toBe(0);
    daemon = await startDaemon(home, {
      dir: path.join(work, 'daemon'),
      env: { PATH: process.env.PATH ?? '' },
    });
    root = '/clusters/127.0.0.1';
  }, 120_000);

  afterAll(async () => {
    await daemon?.close();
    await cluster?.stop();
    await pg?.stop();
    await maria?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a db gateway: psql through it with the command the daemon gives; the CLI keeps the cert file', async () => {
    const g = await daemon.call<Gateway>('createGateway', {
      targetUri: `${root}/dbs/pg`,
      targetUser: 'alice',
      localPort: '',
      targetSubresourceName: 'postgres',
    });
    expect(g.uri).toMatch(/^\/gateways\/[0-9a-f-]{36}$/);
    expect(g).toMatchObject({
      targetName: 'pg',
      targetUri: `${root}/dbs/pg`,
      targetUser: 'alice',
      localAddress: 'localhost',
      protocol: 'postgres',
      targetSubresourceName: 'postgres',
    });
    expect(g.localPort).toMatch(/^\d+$/);
    const url = `postgres://alice@localhost:${g.localPort}/postgres`;
    expect(g.gatewayCliCommand).toEqual({
      path: POSTGRES_PSQL,
      args: ['psql', url],
      env: [],
      preview: `psql ${url}`,
    });
    const r = await runCli(g, 'select current_user;\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/current_user\s*\n-+\s*\n alice\s*\n\(1 row\)/);
    // The same db certificate file `tsh db login` writes.
    expect(fs.existsSync(path.join(home, 'keys', '127.0.0.1', 'alice-db', 'test.localhost', 'pg.crt'))).toBe(
      true,
    );

    const dup = await daemon
      .call('createGateway', {
        targetUri: `${root}/dbs/pg`,
        targetUser: 'alice',
        localPort: '',
        targetSubresourceName: '',
      })
      .catch((e: unknown) => e as { code: number; details: string });
    expect(dup).toMatchObject({ code: 6, details: 'gateway for database pg and user alice already exists' });

    // The database name changes the command only; the gateway and its port stay.
    const renamed = await daemon.call<Gateway>('setGatewayTargetSubresourceName', {
      gatewayUri: g.uri,
      targetSubresourceName: 'nope',
    });
    expect(renamed.localPort).toBe(g.localPort);
    expect(renamed.gatewayCliCommand!.args).toEqual([
      'psql',
      `postgres://alice@localhost:${g.localPort}/nope`,
    ]);
    const bad = await runCli(renamed, 'select 1;\n');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('nope');

    // A new port under the same URI, the old one closed.
    const port = await freePort();
    const moved = await daemon.call<Gateway>('setGatewayLocalPort', {
      gatewayUri: g.uri,
      localPort: String(port),
    });
    expect(moved.uri).toBe(g.uri);
    expect(moved.localPort).toBe(String(port));
    expect(moved.targetSubresourceName).toBe('nope');
    expect(await refused(Number(g.localPort))).toBe(true);
    const back = await daemon.call<Gateway>('setGatewayTargetSubresourceName', {
      gatewayUri: g.uri,
      targetSubresourceName: 'postgres',
    });
    const again = await runCli(back, 'select 42 as answer;\n');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(' 42');

    const list = await daemon.call<ListGatewaysResponse>('listGateways', {});
    expect(list.gateways.map((x: Gateway) => x.uri)).toEqual([g.uri]);

    await daemon.call('removeGateway', { gatewayUri: g.uri });
    expect(await refused(port)).toBe(true);
    expect((await daemon.call<ListGatewaysResponse>('listGateways', {})).gateways).toEqual([]);
    const gone = await daemon
      .call('removeGateway', { gatewayUri: g.uri })
      .catch((e: unknown) => e as { code: number; details: string });
    expect(gone).toMatchObject({ code: 5, details: `gateway is not found: ${g.uri}` });
  }, 60_000);

  it('refuses targets that are not databases or kube clusters, with upstream texts', async () => {
    const err = (targetUri: string) =>
      daemon
        .call('createGateway', { targetUri, targetUser: '', localPort: '', targetSubresourceName: '' })
        .catch((e: unknown) => e as { code: number; details: string });
    expect(await err(`${root}/servers/abc`)).toMatchObject({
      code: 12,
      details: `gateway not supported for ${root}/servers/abc`,
    });
    expect(await err('/gateways/abc')).toMatchObject({ code: 3, details: 'missing root cluster name' });
    expect(await err(root)).toMatchObject({ code: 3, details: 'missing target resource name' });
    expect(await err(`${root}/dbs/missing`)).toMatchObject({ code: 5 });
  });

  it('a port that is not a port number, or one in use, leaves things as they were', async () => {
    const err = (p: Promise<unknown>) =>
      p.then(() => undefined).catch((e: unknown) => e as { code: number; details: string });
    expect(
      await err(
        daemon.call<Gateway>('createGateway', {
          targetUri: `${root}/dbs/pg`,
          targetUser: 'alice',
          localPort: 'http',
          targetSubresourceName: '',
        }),
      ),
    ).toMatchObject({ code: 3, details: 'invalid local port "http"' });
    const g = await daemon.call<Gateway>('createGateway', {
      targetUri: `${root}/dbs/pg`,
      targetUser: 'alice',
      localPort: '',
      targetSubresourceName: 'postgres',
    });
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const busyPort = (busy.address() as net.AddressInfo).port;
    try {
      const e = await err(
        daemon.call<Gateway>('setGatewayLocalPort', { gatewayUri: g.uri, localPort: String(busyPort) }),
      );
      expect(e?.code).toBe(3);
      expect(e?.details).toContain('already in use');
    } finally {
      busy.close();
    }
    // Still on its old port and working.
    const list = await daemon.call<ListGatewaysResponse>('listGateways', {});
    expect(list.gateways.map((x: Gateway) => [x.uri, x.localPort])).toEqual([[g.uri, g.localPort]]);
    const r = await runCli(list.gateways[0], 'select 1 as one;\n');
    expect(r.code, r.stderr).toBe(0);
    await daemon.call('removeGateway', { gatewayUri: g.uri });
  }, 30_000);

  it('stopping the daemon closes its gateways', async () => {
    const other = await startDaemon(home, {
      dir: path.join(work, 'daemon2'),
      env: { PATH: process.env.PATH ?? '' },
    });
    const g = await other.call<Gateway>('createGateway', {
      targetUri: `${root}/dbs/pg`,
      targetUser: 'alice',
      targetSubresourceName: 'postgres',
    });
    expect(await refused(Number(g.localPort))).toBe(false);
    await other.close();
    expect(await refused(Number(g.localPort))).toBe(true);
  }, 30_000);

  it.skipIf(!MARIADB_BIN)(
    'a MySQL gateway: the mariadb client through it',
    async () => {
      const g = await daemon.call<Gateway>('createGateway', {
        targetUri: `${root}/dbs/maria`,
        targetUser: 'alice',
        localPort: '',
        targetSubresourceName: 'test',
      });
      expect(g.protocol).toBe('mysql');
      const c = g.gatewayCliCommand!;
      expect(c.args).toEqual([
        'mariadb',
        '--user',
        'alice',
        '--database',
        'test',
        '--port',
        g.localPort,
        '--host',
        'localhost',
        '--protocol',
        'TCP',
      ]);
      expect(c.preview).toBe(c.args.join(' '));
      const r = await runCli(g, 'select current_user();\n');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('alice@%');
      await daemon.call('removeGateway', { gatewayUri: g.uri });
    },
    30_000,
  );

  it.skipIf(!fs.existsSync(KUBECTL))(
    'a kube gateway: kubectl with its KUBECONFIG; one gateway per kube cluster',
    async () => {
      const g = await daemon.call<Gateway>('createGateway', {
        targetUri: `${root}/kubes/dev-kube`,
        targetUser: '',
        localPort: '',
        targetSubresourceName: '',
      });
      expect(g).toMatchObject({ targetName: 'dev-kube', protocol: '', localAddress: 'localhost' });
      const c = g.gatewayCliCommand!;
      expect(c.path).toBe(KUBECTL);
      expect(c.args).toEqual(['kubectl', 'version']);
      expect(c.env).toHaveLength(1);
      const kubeconfig = c.env[0]!.slice('KUBECONFIG='.length);
      expect(c.preview).toBe(`KUBECONFIG=${kubeconfig} kubectl version`);
      expect(kubeconfig).toBe(
        path.join(home, 'kube', 'keys', '127.0.0.1', 'alice-kube', 'test.localhost', 'dev-kube-kubeconfig'),
      );
      expect(fs.statSync(kubeconfig).mode & 0o777).toBe(0o600);
      // `kubectl version` is the placeholder: the same binary and env with other arguments.
      const pods = await runCli(g, '', {
        args: ['--cache-dir', path.join(work, 'kcache'), 'get', 'pods', '-o', 'name'],
        env: { HOME: work },
      });
      expect(pods.code, pods.stderr).toBe(0);
      expect(pods.stdout).toBe('pod/web-0\n');

      const same = await daemon.call<Gateway>('createGateway', {
        targetUri: `${root}/kubes/dev-kube`,
        targetUser: '',
        localPort: '',
        targetSubresourceName: '',
      });
      expect(same.uri).toBe(g.uri);

      // Another port: the same kubeconfig path, rewritten for it; the old port closed.
      const port = await freePort();
      const moved = await daemon.call<Gateway>('setGatewayLocalPort', {
        gatewayUri: g.uri,
        localPort: String(port),
      });
      expect(moved.localPort).toBe(String(port));
      expect(moved.gatewayCliCommand).toEqual(g.gatewayCliCommand);
      expect(fs.readFileSync(kubeconfig, 'utf8')).toContain(`proxy-url: http://127.0.0.1:${port}`);
      expect(await refused(Number(g.localPort))).toBe(true);
      const again = await runCli(moved, '', {
        args: ['--cache-dir', path.join(work, 'kcache'), 'get', 'pods', '-o', 'name'],
        env: { HOME: work },
      });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe('pod/web-0\n');

      await daemon.call('removeGateway', { gatewayUri: g.uri });
      expect(fs.existsSync(kubeconfig)).toBe(false);
      expect(await refused(port)).toBe(true);
    },
    60_000,
  );
});

const POSTGRES_PSQL = (process.env.PATH ?? '')
  .split(path.delimiter)
  .map((d) => path.join(d, 'psql'))
  .find((p) => fs.existsSync(p));
