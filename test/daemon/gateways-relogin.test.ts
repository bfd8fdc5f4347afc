// A database gateway whose certificates expire under it (a role with a 4 s max_session_ttl): the
// next psql connection makes the daemon ask the app to log in again (TshdEventsService.Relogin with
// gateway_cert_expired, served here by a real gRPC server that logs in with the CLI), then the
// connection goes through with a fresh certificate. When the app does not log the user in, the app
// is told the gateway cannot proxy (SendNotification) and psql fails.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TeleportClient } from '../../src/client/teleport.js';
import { loadOrCreateAuthority } from '../../src/devcluster/authority.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import type { Gateway } from '../../src/gen/teleport/lib/teleterm/v1/gateway.js';
import {
  TshdEventsServiceService,
  type ReloginRequest,
  type SendNotificationRequest,
} from '../../src/gen/teleport/lib/teleterm/v1/tshd_events_service.js';
import { startDaemon, type TestDaemon } from './harness.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';
import { POSTGRES_BIN, startPostgresForCluster, type Postgres } from '../helpers/postgres.js';

const TTL_MS = 4_000;

function psql(g: Gateway, sql: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = g.gatewayCliCommand!;
  return new Promise((resolve, reject) => {
    const child = spawn(c.path, c.args.slice(1), { env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(sql);
  });
}

/** Resolves once the profile's certificate (and so the gateway's) has expired. */
async function untilExpired(home: string): Promise<void> {
  const tc = new TeleportClient({ home, insecure: true });
  const expires = (await tc.identity()).tls.expires.getTime();
  tc.close();
  await new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now() + 200)));
}

describe.skipIf(!POSTGRES_BIN)('daemon gateway certificate expiry', () => {
  let cluster: DevCluster;
  let pg: Postgres;
  let daemon: TestDaemon;
  let app: Server;
  let work: string;
  let home: string;
  const relogins: ReloginRequest[] = [];
  const notes: SendNotificationRequest[] = [];
  /** What the app does when asked to log the user in again. */
  let onRelogin: () => Promise<void> = () => Promise.resolve();

  beforeAll(async () => {
    work = tempHome('tshjs-daemon-gwexp-');
    const authority = await loadOrCreateAuthority(path.join(work, 'data'), 'test.localhost', 'balanced-v1');
    pg = await startPostgresForCluster(authority, { users: ['carol'] });
    cluster = await startCluster(
      {
        users: [{ name: 'carol', password: 'carol-pw', roles: ['db-short'] }],
        roles: [
          {
            name: 'db-short',
            logins: ['carol'],
            db_labels: { '*': '*' },
            db_users: ['carol'],
            db_names: ['*'],
            max_session_ttl: `${TTL_MS / 1000}s`,
          },
        ],
        databases: [{ name: 'pg', protocol: 'postgres', uri: `127.0.0.1:${pg.port}` }],
      },
      path.join(work, 'data'),
    );
    home = path.join(work, 'tsh');
    const r = await tshjs(loginArgs(cluster, 'carol'), { home, stdin: 'carol-pw\n' });
    expect(r.code, r.stderr).toBe(0);
    daemon = await startDaemon(home, {
      dir: path.join(work, 'daemon'),
      env: { PATH: process.env.PATH ?? '' },
    });

    // The app's side: a TshdEventsService on its own socket.
    app = new Server();
    app.addService(TshdEventsServiceService, {
      relogin: (call: ServerUnaryCall<ReloginRequest, object>, cb: sendUnaryData<object>) => {
        relogins.push(call.request);
        onRelogin().then(
          () => cb(null, {}),
          (err: Error) => cb({ code: status.ABORTED, details: err.message }),
        );
      },
      sendNotification: (
        call: ServerUnaryCall<SendNotificationRequest, object>,
        cb: sendUnaryData<object>,
      ) => {
        notes.push(call.request);
        cb(null, {});
      },
    });
    const appSock = path.join(work, 'app.sock');
    await new Promise<void>((resolve, reject) =>
      app.bindAsync(`unix://${appSock}`, ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    await daemon.call('updateTshdEventsServerAddress', { address: `unix://${appSock}` });
  }, 120_000);

  afterAll(async () => {
    await daemon?.close();
    app?.forceShutdown();
    await cluster?.stop();
    await pg?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('an expired certificate: Relogin to the app, then the connection goes through', async () => {
    const g: Gateway = await daemon.call<Gateway>('createGateway', {
      targetUri: '/clusters/127.0.0.1/dbs/pg',
      targetUser: 'carol',
      localPort: '',
      targetSubresourceName: 'postgres',
    });
    const first = await psql(g, 'select current_user;\n');
    expect(first.code, first.stderr).toBe(0);
    expect(relogins).toEqual([]);

    await untilExpired(home);
    onRelogin = async () => {
      const r = await tshjs(loginArgs(cluster, 'carol'), { home, stdin: 'carol-pw\n' });
      if (r.code !== 0) throw new Error(r.stderr);
    };
    const second = await psql(g, 'select current_user;\n');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(' carol');
    expect(relogins).toEqual([
      {
        rootClusterUri: '/clusters/127.0.0.1',
        reason: { $case: 'gatewayCertExpired', value: { gatewayUri: g.uri, targetUri: g.targetUri } },
      },
    ]);
    expect(notes).toEqual([]);

    // The user does not log in this time: the app hears that the gateway cannot proxy.
    await untilExpired(home);
    onRelogin = () => Promise.reject(new Error('closed the login dialog'));
    const third = await psql(g, 'select 1;\n');
    expect(third.code).not.toBe(0);
    expect(relogins).toHaveLength(2);
    expect(notes).toHaveLength(1);
    const n = notes[0]!.subject;
    expect(n?.$case).toBe('cannotProxyGatewayConnection');
    expect(n?.value).toMatchObject({ gatewayUri: g.uri, targetUri: g.targetUri });
    expect(n?.value.error).toContain('closed the login dialog');
  }, 60_000);
});
