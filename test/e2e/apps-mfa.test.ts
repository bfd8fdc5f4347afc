// Per-session MFA on app certificates: `tshjs apps login` and `tshjs proxy app` (the built CLI)
// against a v18 dev cluster that requires session MFA, answered by the software WebAuthn key. The
// login's certificate is saved (as tsh's AddAppKeyRing does) and records the device; the proxy
// keeps its own in memory.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import { createSoftwareCredential, writeSoftwareKeyFile } from '../../src/client/webauthn/software.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import {
  TSHJS_BIN,
  loginArgs,
  runProcess,
  startCluster,
  tempHome,
  tshjsProcess,
} from '../helpers/cluster.js';

describe('per-session MFA for apps (WebAuthn, v18 dev cluster)', () => {
  let cluster: DevCluster;
  let app: http.Server;
  let home: string;
  let keys: string;
  let env: Record<string, string>;
  const key = createSoftwareCredential({ rpId: '127.0.0.1', name: 'bob-key' });

  beforeAll(async () => {
    app = http.createServer((_q, s) => s.end('mfa ok\n'));
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    keys = tempHome('tshjs-wankeys-');
    writeSoftwareKeyFile(path.join(keys, 'bob.json'), [key.credential]);
    cluster = await startCluster({
      server_version: '18.2.0',
      second_factor: 'webauthn',
      require_session_mfa: true,
      users: [{ name: 'bob', password: 'bob-pw', roles: ['apps'], webauthn_devices: [key.device] }],
      roles: [{ name: 'apps', logins: [], node_labels: {}, app_labels: { '*': '*' } }],
      apps: [
        {
          name: 'web',
          uri: `http://127.0.0.1:${(app.address() as net.AddressInfo).port}`,
          public_addr: 'web.test.localhost',
        },
      ],
    });
    home = tempHome();
    env = { TSHJS_WEBAUTHN_SOFTWARE_KEY: path.join(keys, 'bob.json') };
    const r = await tshjsProcess(loginArgs(cluster, 'bob'), { home, stdin: 'bob-pw\n', env });
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await cluster?.stop();
    app?.close();
    fs.rmSync(keys, { recursive: true, force: true });
  });

  it('apps login runs the ceremony, saves the MFA-verified certificate, and its curl command works', async () => {
    const r = await tshjsProcess(['apps', 'login', 'web', '--insecure'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('MFA is required to access Application "web"\n');
    const proxyHost = fs.readdirSync(path.join(home, 'keys'))[0];
    const cert = path.join(home, 'keys', proxyHost, 'bob-app', 'test.localhost', 'web.crt');
    const id = decodeTlsIdentity(fs.readFileSync(cert, 'utf8'));
    expect(id.mfaVerified).toMatch(/^[0-9a-f-]{36}$/);
    expect(id.routeToApp?.name).toBe('web');
    const curl = r.stdout.split('\n\n')[1];
    const ran = await runProcess('/bin/sh', ['-c', curl]); // as printed (curl's progress meter goes to stderr)
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('mfa ok\n');
  });

  it('proxy app runs the ceremony at start and serves with the in-memory certificate', async () => {
    const fresh = tempHome();
    const login = await tshjsProcess(loginArgs(cluster, 'bob'), { home: fresh, stdin: 'bob-pw\n', env });
    expect(login.code, login.stderr).toBe(0);
    const child = spawn(process.execPath, [TSHJS_BIN, 'proxy', 'app', 'web', '--insecure'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TELEPORT_HOME: fresh, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (c) => (err += c));
      const m = await new Promise<RegExpMatchArray>((resolve, reject) => {
        child.stdout.on('data', (c) => {
          out += c;
          const hit = /on (127\.0\.0\.1:\d+)\n/.exec(out);
          if (hit) resolve(hit);
        });
        child.on('exit', () => reject(new Error(`exited: ${err}`)));
      });
      expect(err).toContain('MFA is required to access Application "web"\n');
      const r = await runProcess('/usr/bin/curl', ['-sS', `http://${m[1]}/`]);
      expect(r.stdout).toBe('mfa ok\n');
    } finally {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
    expect(
      fs.readdirSync(path.join(fresh, 'keys', fs.readdirSync(path.join(fresh, 'keys'))[0])),
    ).not.toContain('bob-app');
  });
});
