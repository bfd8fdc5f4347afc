// The daemon's socket lifecycle: 0600 socket in a 0700 directory, a second daemon on the same socket
// refused, paths it does not own refused, the CONNECT_GRPC_PORT line, SIGTERM and the parent going
// away (real processes), and UNIMPLEMENTED for RPCs nobody serves.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { credentials, Metadata, Server, ServerCredentials } from '@grpc/grpc-js';
import { generateKey, marshalTLSPrivateKey } from '../../src/auth/keygen.js';
import { createDaemonLog } from '../../src/daemon/log.js';
import { DaemonServer, socketPath, tcpAddress } from '../../src/daemon/server.js';
import { TerminalServiceClient } from '../../src/gen/teleport/lib/teleterm/v1/service.js';
import {
  ReloginRequest,
  TshdEventsServiceService,
} from '../../src/gen/teleport/lib/teleterm/v1/tshd_events_service.js';
import { createSelfSignedCert } from '../../src/proxy/selfsigned.js';
import { TSHJS_BIN, tempHome } from '../helpers/cluster.js';
import { socketDir, startDaemon } from './harness.js';

const isRoot = process.getuid?.() === 0;

function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (cond()) {
        clearInterval(t);
        resolve();
      } else if (Date.now() > until) {
        clearInterval(t);
        reject(new Error('timed out'));
      }
    }, 50);
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('daemon socket', () => {
  const home = tempHome();
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('creates the socket 0600 in a new 0700 directory and removes it on stop', async () => {
    const dir = path.join(socketDir(), 'nested', 'run');
    const d = await startDaemon(home, { dir });
    try {
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      const st = fs.statSync(d.socket);
      expect(st.isSocket()).toBe(true);
      expect(st.mode & 0o777).toBe(0o600);
      const res = await d.call<{ clusters: unknown[] }>('listRootClusters', {});
      expect(res.clusters).toEqual([]);
    } finally {
      await d.close();
    }
    expect(fs.existsSync(d.socket)).toBe(false);
  });

  it('refuses a second daemon on a live socket, and reuses a stale one', async () => {
    const d = await startDaemon(home);
    try {
      await expect(
        DaemonServer.start({
          addr: `unix://${d.socket}`,
          home,
          env: {},
          handleSignals: false,
          watchParent: false,
        }),
      ).rejects.toThrow(`another daemon is already listening on unix://${d.socket}`);
    } finally {
      await d.close();
    }
    // A stale socket file of ours (a crashed daemon: the file is there, nobody listens) is replaced.
    const dir = path.dirname(d.socket);
    const leftover = net.createServer();
    await new Promise<void>((r) => leftover.listen(d.socket, r));
    // node removes the file on close: keep a second name for it and put it back.
    fs.linkSync(d.socket, path.join(dir, 'keep'));
    await new Promise((r) => leftover.close(r));
    fs.renameSync(path.join(dir, 'keep'), d.socket);
    expect(fs.statSync(d.socket).isSocket()).toBe(true);
    const d2 = await startDaemon(home, { dir });
    await d2.close();
  });

  it('refuses paths it does not own or that are not sockets', async () => {
    const dir = socketDir();
    const file = path.join(dir, 'tshd.sock');
    fs.writeFileSync(file, 'not a socket');
    await expect(startDaemon(home, { dir })).rejects.toThrow('it exists and is not a socket');
    fs.rmSync(file);

    const open = socketDir();
    fs.chmodSync(open, 0o755);
    await expect(startDaemon(home, { dir: open })).rejects.toThrow('mode 0755 lets other users in');

    if (isRoot) {
      // A socket another user left there.
      const foreign = socketDir();
      const sock = path.join(foreign, 'tshd.sock');
      const srv = net.createServer();
      await new Promise<void>((r) => srv.listen(sock, r));
      fs.linkSync(sock, path.join(foreign, 'keep'));
      srv.close();
      fs.renameSync(path.join(foreign, 'keep'), sock);
      fs.lchownSync(sock, 65534, 65534);
      await expect(startDaemon(home, { dir: foreign })).rejects.toThrow(
        `refusing to use socket ${sock}: owned by uid 65534`,
      );
      const theirs = socketDir();
      fs.chownSync(theirs, 65534, 65534);
      await expect(startDaemon(home, { dir: theirs })).rejects.toThrow('owned by uid 65534');
    }
  });

  it('parses unix:// and tcp:// addresses', () => {
    expect(socketPath('unix:///run/x.sock')).toBe('/run/x.sock');
    expect(() => socketPath('unix://')).toThrow('invalid host address: unix://');
    expect(tcpAddress('tcp://localhost:4000')).toEqual({ host: 'localhost', port: 4000 });
    expect(tcpAddress('tcp://[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(tcpAddress('127.0.0.1:7')).toEqual({ host: '127.0.0.1', port: 7 });
    expect(() => tcpAddress('tcp://localhost')).toThrow('invalid host address: tcp://localhost');
  });

  it('tcp:// is mutual TLS: tshd.crt published, only a client with an app certificate gets in', async () => {
    const certsDir = fs.mkdtempSync(path.join(socketDir(), 'certs-'));
    await expect(
      DaemonServer.start({
        addr: 'tcp://127.0.0.1:0',
        home,
        env: {},
        stdout: () => {},
        handleSignals: false,
        watchParent: false,
      }),
    ).rejects.toThrow('missing certs directory');
    const lines: string[] = [];
    const d = await DaemonServer.start({
      addr: 'tcp://127.0.0.1:0',
      certsDir,
      home,
      env: { TELEPORT_HOME: home },
      stdout: (l) => void lines.push(l),
      log: createDaemonLog({ write: () => {} }),
      handleSignals: false,
      watchParent: false,
    });
    try {
      const port = Number(/^\{CONNECT_GRPC_PORT: (\d+)\}\n$/.exec(lines.join(''))?.[1]);
      expect(port).toBeGreaterThan(1);
      const tshdCrt = fs.readFileSync(path.join(certsDir, 'tshd.crt'));
      expect(fs.statSync(path.join(certsDir, 'tshd.crt')).mode & 0o777).toBe(0o600);
      // The app's side: its own self-signed certificate, published as renderer.crt.
      const appKey = generateKey('ecdsa-p256');
      const appCrt = await createSelfSignedCert({
        key: appKey,
        dnsNames: ['localhost'],
        ipAddresses: [],
        ttlMs: 3600_000,
      });
      const dial = (cert?: { key: string; crt: string }) => {
        const creds = cert
          ? credentials.createSsl(tshdCrt, Buffer.from(cert.key), Buffer.from(cert.crt))
          : credentials.createSsl(tshdCrt);
        const c = new TerminalServiceClient(`localhost:${port}`, creds);
        return new Promise<unknown>((resolve, reject) =>
          c.listRootClusters({}, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => {
            c.close();
            if (err) reject(err);
            else resolve(res);
          }),
        );
      };
      const mine = { key: marshalTLSPrivateKey(appKey), crt: appCrt };
      // Before the app publishes its certificate, and without one: refused.
      await expect(dial(mine)).rejects.toMatchObject({ code: status.UNAVAILABLE });
      fs.writeFileSync(path.join(certsDir, 'renderer.crt'), appCrt);
      await expect(dial()).rejects.toMatchObject({ code: status.UNAVAILABLE });
      const otherKey = generateKey('ecdsa-p256');
      const other = await createSelfSignedCert({
        key: otherKey,
        dnsNames: ['localhost'],
        ipAddresses: [],
        ttlMs: 3600_000,
      });
      await expect(dial({ key: marshalTLSPrivateKey(otherKey), crt: other })).rejects.toMatchObject({
        code: status.UNAVAILABLE,
      });
      await expect(dial(mine)).resolves.toMatchObject({ clusters: [] });

      // The other way: the app's events server (renderer.crt's key) requires tshd.crt as client.
      const app = new Server();
      const relogins: unknown[] = [];
      app.addService(TshdEventsServiceService, {
        relogin: (call: { request: unknown }, cb: (e: null, r: object) => void) => {
          relogins.push(call.request);
          cb(null, {});
        },
      } as never);
      const appCreds = ServerCredentials.createSsl(
        tshdCrt,
        [{ private_key: Buffer.from(mine.key), cert_chain: Buffer.from(appCrt) }],
        true,
      );
      const appPort = await new Promise<number>((resolve, reject) =>
        app.bindAsync('localhost:0', appCreds, (err, p) => (err ? reject(err) : resolve(p))),
      );
      try {
        const c = new TerminalServiceClient(
          `localhost:${port}`,
          credentials.createSsl(tshdCrt, Buffer.from(mine.key), Buffer.from(mine.crt)),
        );
        await new Promise<void>((resolve, reject) =>
          c.updateTshdEventsServerAddress({ address: `tcp://localhost:${appPort}` }, (err) => {
            c.close();
            if (err) reject(err);
            else resolve();
          }),
        );
        await d.ctx.events.relogin(ReloginRequest.fromPartial({ rootClusterUri: '/clusters/example.com' }));
        expect(relogins).toMatchObject([{ rootClusterUri: '/clusters/example.com' }]);
      } finally {
        app.forceShutdown();
      }
    } finally {
      await d.stop();
    }
  });

  it('answers RPCs nobody implements with UNIMPLEMENTED and logs RPCs without secrets', async () => {
    const d = await startDaemon(home);
    try {
      const r = await d.callFull('startHeadlessWatcher', { rootClusterUri: '/clusters/x' });
      expect(r.err?.code).toBe(status.UNIMPLEMENTED);
      const l = await d.callFull('login', {
        clusterUri: '/clusters/nowhere',
        params: { $case: 'local', value: { user: 'u', password: 'hunter2-secret', token: '123456' } },
      });
      expect(l.err?.code).toBe(status.NOT_FOUND);
      const bad = await d.callFull('getCluster', { clusterUri: '/gateways/x' });
      expect(bad.err?.code).toBe(status.INVALID_ARGUMENT);
      expect(bad.err?.details).toBe('missing root cluster name');
      const log = d.logs.join('');
      expect(log).toMatch(/RPC failed .*method:Login/);
      expect(log).toMatch(/RPC done .*method:ListRootClusters|RPC failed .*method:StartHeadlessWatcher/);
      expect(log).not.toContain('hunter2');
      expect(log).not.toContain('123456');
    } finally {
      await d.close();
    }
  });
});

describe('daemon process', () => {
  const home = tempHome();
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('prints the port line, and stops on SIGTERM removing its socket', async () => {
    const sock = path.join(socketDir(), 'tshd.sock');
    const child = spawn(process.execPath, [TSHJS_BIN, 'daemon', 'start', `--addr=unix://${sock}`], {
      env: { PATH: process.env.PATH ?? '', TELEPORT_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    await waitFor(() => out.includes('\n'));
    expect(out).toBe('{CONNECT_GRPC_PORT: 1}\n');
    expect(fs.existsSync(sock)).toBe(true);
    const code = new Promise((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(fs.existsSync(sock)).toBe(false);
  });

  it('stops when its parent process goes away', async () => {
    const sock = path.join(socketDir(), 'tshd.sock');
    // The parent starts the daemon, prints its pid, then is killed without a chance to clean up.
    const parentSrc = `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, [${JSON.stringify(TSHJS_BIN)}, 'daemon', 'start', '--addr=unix://${sock}'],
        { stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH, TELEPORT_HOME: ${JSON.stringify(home)} } });
      console.log(c.pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentSrc], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    parent.stdout.on('data', (c) => (out += c));
    await waitFor(() => out.includes('\n') && fs.existsSync(sock));
    const daemonPid = Number(out.trim());
    expect(alive(daemonPid)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor(() => !alive(daemonPid), 10_000);
    expect(fs.existsSync(sock)).toBe(false);
  });
});
