// The app local proxy's certificate life against the dev cluster, in process with a clock the test
// moves: a certificate that has expired is issued again before the next connection (and only
// then), the connection after it reaches the app with the new one, and an open connection keeps
// working. Then a multi-port TCP app through `tshjs proxy app --port LOCAL:TARGET`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAppCert, type AppCert } from '../../src/client/appcerts.js';
import { getApp, routeOf } from '../../src/client/appinfo.js';
import { TeleportClient } from '../../src/client/teleport.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { startAppLocalProxy, type AppLocalProxy } from '../../src/proxy/app.js';
import { appCertChecker } from '../../src/proxy/appcertcheck.js';
import { freePort } from '../helpers/sshd.js';
import { TSHJS_BIN, loginArgs, startCluster, tempHome, testConfig, tshjs } from '../helpers/cluster.js';

function get(port: number, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        // The agent frees the socket for the next request just after 'end'.
        res.on('end', () => setTimeout(() => resolve({ status: res.statusCode ?? 0, body }), 20));
      })
      .on('error', reject);
  });
}

async function echoServer() {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    // Says which port it is, then echoes.
    s.write(`port ${(server.address() as net.AddressInfo).port}\n`);
    s.pipe(s);
  });
  return server;
}

describe('tshjs proxy app: certificate renewal and multi-port apps (dev cluster)', () => {
  let cluster: DevCluster;
  let home: string;
  let app: http.Server;
  let echoA: net.Server;
  let echoB: net.Server;
  let portA: number;
  let portB: number;

  beforeAll(async () => {
    app = http.createServer((_q, s) => s.end('ok\n'));
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    // A multi-port app: two echo servers on two ports of one range.
    portA = await freePort();
    portB = portA + 1;
    echoA = await echoServer();
    echoB = await echoServer();
    echoA.listen(portA, '127.0.0.1');
    await once(echoA, 'listening');
    echoB.listen(portB, '127.0.0.1');
    await once(echoB, 'listening').catch(() => undefined);
    const base = testConfig();
    cluster = await startCluster({
      roles: base.roles.map((r) => (r.name === 'access' ? { ...r, app_labels: { '*': '*' } } : r)),
      apps: [
        {
          name: 'web',
          uri: `http://127.0.0.1:${(app.address() as net.AddressInfo).port}`,
          public_addr: 'web.test.localhost',
        },
        { name: 'multi', uri: 'tcp://127.0.0.1', tcp_ports: [{ port: portA, end_port: portB }] },
      ],
    });
    home = tempHome();
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' });
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await cluster?.stop();
    app?.close();
    echoA?.close();
    echoB?.close();
  });

  it('issues the certificate again once it expires, before the next connection', async () => {
    const tc = new TeleportClient({ home, env: { TELEPORT_HOME: home } });
    const id = await tc.identity();
    const route = routeOf(await getApp(tc, 'web'), id.cluster);
    let now = Date.now();
    const issued: AppCert[] = [];
    const check = appCertChecker({
      appName: 'web',
      now: () => new Date(now),
      userCertExpires: id.tls.expires,
      proxy: id.webProxyAddr,
      issue: async () => {
        // A minute, then two: each shorter than the login, and the second ends after the first.
        const c = await issueAppCert(tc, { route, save: false, ttlMs: 60_000 * (issued.length + 1) });
        issued.push(c);
        return c;
      },
    });
    let proxy: AppLocalProxy | undefined;
    const keep = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await check(); // as the command does before it prints where it listens
      proxy = await startAppLocalProxy({ tc, tcp: false, cert: check, insecure: true });
      expect(await get(proxy.port, keep)).toEqual({ status: 200, body: 'ok\n' });
      expect(await get(proxy.port, keep)).toEqual({ status: 200, body: 'ok\n' });
      expect(issued).toHaveLength(1);

      // Past the certificate's end: the open connection carries on, a new one gets a new certificate.
      now = issued[0].expires.getTime() + 1;
      expect(await get(proxy.port, keep)).toEqual({ status: 200, body: 'ok\n' });
      expect(issued).toHaveLength(1);
      const fresh = new http.Agent({ keepAlive: false });
      expect(await get(proxy.port, fresh)).toEqual({ status: 200, body: 'ok\n' });
      expect(issued).toHaveLength(2);
      expect(issued[1].identity.routeToApp?.sessionId).not.toBe(issued[0].identity.routeToApp?.sessionId);
      expect(await get(proxy.port, fresh)).toEqual({ status: 200, body: 'ok\n' });
      expect(issued).toHaveLength(2);
    } finally {
      keep.destroy();
      await proxy?.close();
      tc.close();
    }
  });

  it('routes a multi-port app to the target port of --port LOCAL:TARGET', async (ctx) => {
    const tc = new TeleportClient({ home, env: { TELEPORT_HOME: home } });
    const multi = await getApp(tc, 'multi').finally(() => tc.close());
    // The dev cluster must list the app's port ranges (AppV3 spec.tcp_ports) for tshjs to check them.
    if ((multi.Spec?.TCPPorts ?? []).length === 0) return ctx.skip();

    const local = await freePort();
    const child = spawn(
      process.execPath,
      [TSHJS_BIN, 'proxy', 'app', 'multi', '--port', `${local}:${portB}`],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TELEPORT_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (c) => (err += c));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c) => {
          out += c;
          if (out.includes('\n')) resolve();
        });
        child.on('exit', () => reject(new Error(`exited: ${err}`)));
      });
      expect(out).toBe(`Proxying connections to multi:${portB} on 127.0.0.1:${local}\n`);
      const s = net.connect(local, '127.0.0.1');
      let got = '';
      s.on('data', (c) => (got += c));
      await once(s, 'data');
      s.write('hello\n');
      while (!got.includes('hello\n')) await once(s, 'data');
      s.destroy();
      expect(got).toBe(`port ${portB}\nhello\n`);
    } finally {
      child.kill('SIGINT');
      await once(child, 'exit');
    }

    const bad = await tshjs(['proxy', 'app', 'multi', '--port', `0:${portB + 1}`], { home });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toBe(
      `ERROR: port ${portB + 1} is not included in target ports of app "multi"; valid ports: ${portA}-${portB}\n`,
    );
  });
});
