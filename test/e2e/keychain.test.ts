// TSHJS_KEYSTORE=keychain against a real Secret Service: a private D-Bus session bus with
// gnome-keyring-daemon (unlocked with a throwaway password) in a throwaway HOME. Login puts the two
// private keys in the keychain and no key file on disk; ssh and status read them back; logout
// removes them. Without a Secret Service the same login refuses in one line and writes no key.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyPaths } from '../../src/auth/keypaths.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjsProcess } from '../helpers/cluster.js';

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const keyringInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@napi-rs/keyring');
    return true;
  } catch {
    return false;
  }
})();
const SKIP =
  process.platform !== 'linux'
    ? 'Linux only (Secret Service)'
    : !keyringInstalled
      ? '@napi-rs/keyring is not installed'
      : !has('dbus-daemon') || !has('gnome-keyring-daemon')
        ? 'needs dbus-daemon and gnome-keyring-daemon (Debian: dbus, gnome-keyring)'
        : undefined;

/** A session bus of our own; resolves its address. */
function startBus(env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; address: string }> {
  const proc = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { env });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve({ proc, address: out.trim() });
    });
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
  });
}

/** gnome-keyring's Secret Service on that bus, with a login keyring unlocked by a throwaway password. */
async function startKeyring(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const proc = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  proc.stdin!.end('throwaway-password');
  // Ready once the name is owned on the bus.
  for (let i = 0; i < 100; i++) {
    const r = spawnSync(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        'string:org.freedesktop.secrets',
      ],
      { env, encoding: 'utf8' },
    );
    if (r.stdout.includes('boolean true')) return proc;
    await new Promise((res) => setTimeout(res, 100));
  }
  proc.kill();
  throw new Error('gnome-keyring-daemon did not take org.freedesktop.secrets');
}

describe.skipIf(SKIP)(`OS keychain key store${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
  let cluster: DevCluster;
  let fakeHome: string;
  let home: string;
  let bus: ChildProcess;
  let keyring: ChildProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: [{ name: 'dev-1', labels: { env: 'dev' } }] });
    fakeHome = tempHome('tshjs-keychain-home-');
    home = path.join(fakeHome, '.tsh');
    const runtime = path.join(fakeHome, 'run');
    fs.mkdirSync(runtime, { mode: 0o700 });
    const base = { PATH: process.env.PATH ?? '', HOME: fakeHome, XDG_RUNTIME_DIR: runtime };
    const b = await startBus(base);
    bus = b.proc;
    env = {
      HOME: fakeHome,
      XDG_RUNTIME_DIR: runtime,
      DBUS_SESSION_BUS_ADDRESS: b.address,
      TSHJS_KEYSTORE: 'keychain',
    };
    keyring = await startKeyring({ ...base, DBUS_SESSION_BUS_ADDRESS: b.address });
  });
  afterAll(async () => {
    keyring?.kill();
    bus?.kill();
    await cluster?.stop();
    fs.rmSync(fakeHome, { recursive: true, force: true });
  });

  /** The keychain entry for a key file, read in a child process on our bus. */
  function keychainEntry(account: string): string | null {
    const script =
      `const { Entry } = require(${JSON.stringify(createRequire(import.meta.url).resolve('@napi-rs/keyring'))});` +
      `process.stdout.write(JSON.stringify(new Entry('tshjs', ${JSON.stringify(account)}, { linux: { store: 'secret-service' } }).getPassword()));`;
    const r = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as string | null;
  }

  it('login keeps the private keys in the keychain, ssh and status use them, logout removes them', async () => {
    const login = await tshjsProcess(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n', env });
    expect(login.code, login.stderr).toBe(0);
    const paths = new KeyPaths(home);
    const proxy = '127.0.0.1';
    for (const f of [paths.userTLSKey(proxy, 'alice'), paths.userSSHKey(proxy, 'alice')]) {
      expect(fs.existsSync(f), f).toBe(false);
      expect(keychainEntry(f)).toMatch(/^-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    }
    // Certificates and the public key stay files, as tsh lays them out.
    expect(fs.existsSync(paths.userTLSCert(proxy, 'alice'))).toBe(true);
    expect(fs.existsSync(paths.userSSHPub(proxy, 'alice'))).toBe(true);

    const ssh = await tshjsProcess(['ssh', 'root@dev-1', 'echo keychain-ok'], { home, env });
    expect([ssh.code, ssh.stdout], ssh.stderr).toEqual([0, 'keychain-ok\n']);
    const status = await tshjsProcess(['status'], { home, env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('Logged in as:       alice');

    const logout = await tshjsProcess(['logout'], { home, env });
    expect(logout.code, logout.stderr).toBe(0);
    expect(keychainEntry(paths.userTLSKey(proxy, 'alice'))).toBeNull();
    expect(keychainEntry(paths.userSSHKey(proxy, 'alice'))).toBeNull();
  });

  it('a session bus without a usable Secret Service is refused too', async () => {
    const other = await startBus({ PATH: process.env.PATH ?? '', HOME: path.join(fakeHome, 'nokeyring') });
    try {
      const bare = path.join(fakeHome, 'bare2');
      const r = await tshjsProcess(loginArgs(cluster, 'alice'), {
        home: bare,
        stdin: 'alice-pw\n',
        env: { ...env, HOME: path.join(fakeHome, 'nokeyring'), DBUS_SESSION_BUS_ADDRESS: other.address },
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /\nERROR: TSHJS_KEYSTORE=keychain: no OS keychain service is available [^\n]*\n$/,
      );
      expect(fs.existsSync(new KeyPaths(bare).userTLSKey('127.0.0.1', 'alice'))).toBe(false);
    } finally {
      other.proc.kill();
    }
  });
});

describe.skipIf(process.platform !== 'linux')('OS keychain key store without a session bus', () => {
  let cluster: DevCluster;
  let fakeHome: string;

  beforeAll(async () => {
    cluster = await startCluster();
    fakeHome = tempHome('tshjs-keychain-none-');
  });
  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(fakeHome, { recursive: true, force: true });
  });

  it('no D-Bus session means no keychain: one line, and no key written anywhere', async () => {
    const bare = path.join(fakeHome, '.tsh');
    const r = await tshjsProcess(loginArgs(cluster, 'alice'), {
      home: bare,
      stdin: 'alice-pw\n',
      env: { HOME: fakeHome, TSHJS_KEYSTORE: 'keychain' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /\nERROR: TSHJS_KEYSTORE=keychain: no OS keychain service is available \(no D-Bus session bus[^\n]*\n$/,
    );
    expect(fs.existsSync(new KeyPaths(bare).userTLSKey('127.0.0.1', 'alice'))).toBe(false);
    expect(fs.existsSync(new KeyPaths(bare).userSSHKey('127.0.0.1', 'alice'))).toBe(false);
  });
});
