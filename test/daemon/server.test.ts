// The daemon's socket lifecycle: 0600 socket in a 0700 directory, a second daemon on the same socket
// refused, paths it does not own refused, the CONNECT_GRPC_PORT line, SIGTERM and the parent going
// away (real processes), and UNIMPLEMENTED for RPCs nobody serves.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { DaemonServer, socketPath } from '../../src/daemon/server.js';
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

  it('accepts only unix:// addresses', () => {
    expect(socketPath('unix:///run/x.sock')).toBe('/run/x.sock');
    expect(() => socketPath('tcp://127.0.0.1:0')).toThrow('unix:// addresses only');
    expect(() => socketPath('unix://')).toThrow('invalid host address: unix://');
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
