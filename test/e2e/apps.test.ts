// Application access from the client side, end to end: the built CLI (bin/tshjs.js as a real
// process) against the dev cluster's app service, a real HTTP app (a node server of this test that
// records what reaches it) and a TCP echo app, with the real /usr/bin/curl as the HTTP client.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import { appSessionStore } from '../../src/devcluster/apps/sessions.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import {
  TSHJS_BIN,
  loginArgs,
  runProcess,
  startCluster,
  tempHome,
  testConfig,
  tshjsProcess,
} from '../helpers/cluster.js';

const CURL = '/usr/bin/curl';
const HAVE_CURL = fs.existsSync(CURL);

/** The HTTP app: answers `app saw <path>` and remembers every request's headers. */
async function startHttpApp() {
  const seen: Array<{ path: string; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`app saw ${req.url}\n`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, seen, port: (server.address() as net.AddressInfo).port };
}

/** The TCP app: echoes every byte back. */
async function startEcho() {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** A started `tshjs proxy app`: its output so far, and how to stop it (Ctrl-C). */
function startProxyProcess(args: string[], home: string) {
  const child = spawn(process.execPath, [TSHJS_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TELEPORT_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  child.stdout.on('data', (c) => ((out += c), wake()));
  child.stderr.on('data', (c) => ((err += c), wake()));
  let done = false;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => ((done = true), wake()));
  return {
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (re: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) return resolve(m);
          if (done) return reject(new Error(`tshjs exited: ${err || out}`));
          waiters.push(check);
        };
        check();
      }),
    interrupt: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

function fetchJwks(proxyAddr: string): Promise<JSONWebKeySet> {
  return new Promise((resolve, reject) => {
    https
      .get(`https://${proxyAddr}/.well-known/jwks.json`, { rejectUnauthorized: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as JSONWebKeySet);
          } catch (err) {
            reject(new Error(`jwks: ${res.statusCode} ${body}: ${(err as Error).message}`));
          }
        });
      })
      .on('error', reject);
  });
}

async function echoThrough(port: number, text: string): Promise<string> {
  const c = net.connect(port, '127.0.0.1');
  c.write(text);
  let got = '';
  for await (const chunk of c) {
    got += (chunk as Buffer).toString();
    if (got.length >= text.length) break;
  }
  c.destroy();
  return got;
}

describe.skipIf(!HAVE_CURL)('application access through tshjs (dev cluster, real curl)', () => {
  let web: Awaited<ReturnType<typeof startHttpApp>>;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let cluster: DevCluster;
  let home: string;
  let webPort: number;
  let proxyHost: string;
  const cli = (args: string[], h = home) => tshjsProcess(args, { home: h });

  beforeAll(async () => {
    web = await startHttpApp();
    echo = await startEcho();
    const base = testConfig();
    cluster = await startCluster({
      roles: [...base.roles.map((r) => (r.name === 'access' ? { ...r, app_labels: { env: 'dev' } } : r))],
      apps: [
        {
          name: 'web',
          uri: `http://127.0.0.1:${web.port}`,
          public_addr: 'web.test.localhost',
          labels: { env: 'dev' },
        },
        { name: 'echo', uri: `tcp://127.0.0.1:${echo.port}`, labels: { env: 'dev' } },
        { name: 'secret', uri: `http://127.0.0.1:${web.port}`, labels: { env: 'prod' } },
      ],
    });
    webPort = Number(cluster.proxyAddr.split(':').pop());
    home = tempHome();
    const r = await tshjsProcess(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' });
    expect(r.code, r.stderr).toBe(0);
    proxyHost = fs.readdirSync(path.join(home, 'keys'))[0];
  });

  afterAll(async () => {
    await cluster?.stop();
    web?.server.close();
    echo?.server.close();
  });

  const appDir = () => path.join(home, 'keys', proxyHost, 'alice-app', 'test.localhost');

  it('apps login saves the app certificate and key (0600) and prints a curl command that works', async () => {
    const r = await cli(['apps', 'login', 'web', '--insecure']);
    expect(r.code, r.stderr).toBe(0);
    const cert = path.join(appDir(), 'web.crt');
    const key = path.join(appDir(), 'web.key');
    expect(r.stdout).toBe(
      'Logged into app web. Example curl command:\n\n' +
        `curl --insecure \\\n  --cert "${cert}" \\\n  --key "${key}" \\\n  https://web.test.localhost:${webPort}\n\n` +
        'WARNING: tsh was called with --insecure, so this curl command will be unable to validate the certificate presented by Teleport.\n',
    );
    for (const f of [cert, key]) expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    const id = decodeTlsIdentity(fs.readFileSync(cert, 'utf8'));
    expect(id.routeToApp?.name).toBe('web');
    expect(id.routeToApp?.publicAddr).toBe('web.test.localhost');
    expect(id.routeToApp?.sessionId).not.toBe('');
    expect(
      new X509Certificate(fs.readFileSync(cert)).checkPrivateKey(
        (await import('node:crypto')).createPrivateKey(fs.readFileSync(key)),
      ),
    ).toBe(true);

    // apps ls marks the app the profile is logged into (getAppRow: "> name").
    const ls = await cli(['apps', 'ls']);
    expect(ls.stdout).toMatch(/^> web +HTTP +web\.test\.localho/m);
    expect(ls.stdout).toMatch(/^echo /m);

    // The printed command, run as printed (curl resolves *.localhost to the loopback itself).
    const curl = r.stdout.split('\n\n')[1];
    const ran = await runProcess('/bin/sh', ['-c', curl.replace(/^curl /, `${CURL} -sS `)]);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe('app saw /\n');
  });

  it('apps config prints upstream formats; --format curl without --insecure verifies the proxy', async () => {
    const uri = await cli(['apps', 'config', '--format', 'uri']);
    expect(uri.stdout).toBe(`https://web.test.localhost:${webPort}`); // no trailing newline
    const cert = await cli(['apps', 'config', 'web', '-f', 'cert']);
    expect(cert.stdout).toBe(path.join(appDir(), 'web.crt'));
    const json = JSON.parse((await cli(['apps', 'config', '--format', 'json'])).stdout) as Record<
      string,
      string
    >;
    expect(Object.keys(json)).toEqual(['name', 'uri', 'ca', 'cert', 'key', 'curl']);
    expect(json.ca).toBe(path.join(home, 'keys', proxyHost, 'cas', 'test.localhost.pem'));

    const curl = await cli(['apps', 'config', '--format', 'curl']);
    expect(curl.stdout.startsWith('curl \\\n')).toBe(true);
    // The cluster's CA through curl's own variable: the command stays as printed.
    const before = web.seen.length;
    const ran = await runProcess('/bin/sh', ['-c', `${CURL} -sS ${curl.stdout.slice('curl '.length)}`], {
      CURL_CA_BUNDLE: json.ca,
    });
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe('app saw /\n');
    expect(web.seen.length).toBe(before + 1);

    const bad = await cli(['apps', 'config', '--format', 'xml']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toBe(
      'ERROR: invalid format, expected one of ["" "default" "curl" "json" "yaml" "uri" "ca" "cert" "key"], got "xml"\n',
    );
  });

  it('curl through `tshjs proxy app` reaches the app, which gets a Teleport JWT that verifies', async () => {
    const fresh = tempHome();
    const login = await tshjsProcess(loginArgs(cluster, 'alice'), { home: fresh, stdin: 'alice-pw\n' });
    expect(login.code, login.stderr).toBe(0);
    const p = startProxyProcess(['proxy', 'app', 'web', '--insecure', '--debug'], fresh); // no apps login first
    try {
      const m = await p.waitFor(/Proxying connections to web on (127\.0\.0\.1:(\d+))\n/);
      expect(p.stderr()).toContain('issuing app certificate'); // issued on demand
      expect(p.stdout()).toContain(
        'To avoid port randomization, you can choose the listening port using the --port flag.\n',
      );
      const before = web.seen.length;
      const r = await runProcess(CURL, [
        '-sS',
        '-H',
        'teleport-jwt-assertion: forged',
        `http://${m[1]}/hello?x=1`,
      ]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('app saw /hello?x=1\n');
      const got = web.seen.slice(before);
      expect(got).toHaveLength(1);
      const token = got[0].headers['teleport-jwt-assertion'] as string;
      expect(token).not.toBe('forged'); // replaced by the app service, not passed through
      const jwks = createLocalJWKSet(await fetchJwks(cluster.proxyAddr));
      const { payload } = await jwtVerify(token, jwks, {
        issuer: 'test.localhost',
        audience: `http://127.0.0.1:${web.port}`,
        subject: 'alice',
      });
      expect(payload.username).toBe('alice');
      expect(payload.roles).toEqual(['access']);
      expect(payload.traits).toMatchObject({ logins: ['alice'] });
    } finally {
      await p.interrupt();
    }
    // Nothing was saved: the proxy kept its certificate in memory.
    expect(fs.existsSync(path.join(fresh, 'keys', proxyHost, 'alice-app'))).toBe(false);
  });

  it('`tshjs proxy app` reuses the certificate `apps login` saved', async () => {
    expect((await cli(['apps', 'login', 'web', '-q'])).code).toBe(0);
    const p = startProxyProcess(['proxy', 'app', 'web', '--debug'], home);
    try {
      const m = await p.waitFor(/Proxying connections to web on (127\.0\.0\.1:\d+)\n/);
      const r = await runProcess(CURL, ['-sS', `http://${m[1]}/saved`]);
      expect(r.stdout).toBe('app saw /saved\n');
      expect(p.stderr()).not.toContain('issuing app certificate');
    } finally {
      await p.interrupt();
    }
  });

  it('a TCP app through `tshjs proxy app` (teleport-tcp)', async () => {
    const p = startProxyProcess(['proxy', 'app', 'echo', '--insecure'], home);
    try {
      const m = await p.waitFor(/Proxying connections to echo on 127\.0\.0\.1:(\d+)\n/);
      expect(await echoThrough(Number(m[1]), 'hello over teleport-tcp')).toBe('hello over teleport-tcp');
    } finally {
      await p.interrupt();
    }
    const login = await cli(['apps', 'login', 'echo']);
    expect(login.stdout).toBe(
      'Logged into TCP app echo. Start the local TCP proxy for it:\n\n  tsh proxy app echo\n\nThen connect to the application through this proxy.\n',
    );
  });

  it('refuses an app the roles do not allow, and an unknown app, in one line', async () => {
    for (const args of [
      ['apps', 'login', 'secret'],
      ['proxy', 'app', 'secret'],
      ['apps', 'login', 'nope'],
      ['proxy', 'app', 'nope'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^ERROR: /);
    }
    const r = await cli(['apps', 'login', 'nope']);
    expect(r.stderr).toBe('ERROR: app "nope" not found, use `tsh apps ls` to see registered apps\n');
    expect(fs.existsSync(path.join(appDir(), 'secret.crt'))).toBe(false);
  });

  it('a busy --port is one line naming the port', async () => {
    const busy = net.createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const r = await cli(['proxy', 'app', 'web', '--port', String(port), '--insecure']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toBe(
        `ERROR: cannot listen on 127.0.0.1:${port}: port ${port} is already in use; choose another one with --port (or leave --port out for a free one)\n`,
      );
    } finally {
      busy.close();
    }
  });

  it('apps logout removes the files; tshjs logout removes every app certificate', async () => {
    expect((await cli(['apps', 'login', 'web', '-q'])).stdout).toBe('');
    const crt = fs.readFileSync(path.join(appDir(), 'web.crt'), 'utf8');
    const sessionId = decodeTlsIdentity(crt).routeToApp?.sessionId ?? '';
    const sessions = appSessionStore(cluster.authority);
    expect(sessions.get(sessionId)?.appName).toBe('web');
    const one = await cli(['apps', 'logout', 'web']);
    expect(one.stdout).toBe('Logged out of app "web"\n');
    // DeleteAppSession ended the session on the cluster, as tsh does.
    expect(sessions.get(sessionId)).toBeUndefined();
    expect(fs.existsSync(path.join(appDir(), 'web.crt'))).toBe(false);
    expect(fs.existsSync(path.join(appDir(), 'web.key'))).toBe(false);
    const again = await cli(['apps', 'logout', 'web']);
    expect(again.stderr).toBe('ERROR: not logged into app "web"\n');

    expect((await cli(['apps', 'login', 'web', '-q'])).code).toBe(0);
    const all = await cli(['apps', 'logout']);
    expect(all.stdout).toBe('Logged out of all apps\n');
    expect(fs.existsSync(path.join(home, 'keys', proxyHost, 'alice-app'))).toBe(false);

    expect((await cli(['apps', 'login', 'web', '-q'])).code).toBe(0);
    expect((await cli(['logout'])).code).toBe(0);
    expect(fs.existsSync(path.join(home, 'keys', proxyHost, 'alice-app'))).toBe(false);
  });
});
