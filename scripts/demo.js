#!/usr/bin/env node
// `npm run demo`: start the dev cluster, log in with tshjs, show what landed in ~/.tsh, log out.
// Uses a throwaway TELEPORT_HOME so your real ~/.tsh is never touched.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { demoConfigRaw, localPostgresMissing, shadowDesktopMissing, startLocalPostgres } = await import(
  path.join(repo, 'dist/devcluster/index.js')
);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-demo-home-'));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-demo-cluster-'));
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

async function freePort() {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

function step(title, cmd, args, input) {
  process.stdout.write(
    `\n${bold(`$ ${[cmd, ...args].join(' ')}${input ? `   # stdin: ${input.trim().replace(/\n/g, ' | ')}` : ''}`)}\n`,
  );
  const r = spawnSync(
    cmd === 'tshjs' || cmd === 'tshjs-devcluster' ? process.execPath : cmd,
    cmd === 'tshjs' || cmd === 'tshjs-devcluster' ? [path.join(repo, `bin/${cmd}.js`), ...args] : args,
    {
      input: input ?? '',
      env: { ...process.env, TELEPORT_HOME: home },
      encoding: 'utf8',
    },
  );
  process.stdout.write(r.stdout);
  process.stdout.write(r.stderr);
  if (r.status !== 0 && !title.startsWith('may fail'))
    throw new Error(`${title} failed with exit code ${r.status}`);
  return r;
}

// The demo desktop win-dev is a real RDP server when this machine has the packages for one: the dev
// cluster starts a FreeRDP shadow server on an Xvfb display (`shadow: true` in its config).
const noDesktop = shadowDesktopMissing();
// The demo database postgres-dev is a real PostgreSQL when this machine has its server binaries:
// started below, on a port chosen now, with a certificate from the cluster's database CA.
const noPostgres = localPostgresMissing();
const pgPort = noPostgres ? 0 : await freePort();
const raw = demoConfigRaw({ shadowDesktop: !noDesktop });
if (pgPort) raw.databases[0].uri = `127.0.0.1:${pgPort}`;
const configFile = path.join(dataDir, 'demo-cluster.json'); // JSON is YAML
fs.writeFileSync(configFile, JSON.stringify(raw, null, 2));
const cluster = spawn(
  process.execPath,
  [
    path.join(repo, 'bin/tshjs-devcluster.js'),
    'start',
    '--config',
    configFile,
    '--listen',
    '127.0.0.1:0',
    '--data-dir',
    dataDir,
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const ready = await new Promise((resolve, reject) => {
  let out = '';
  cluster.stdout.on('data', (c) => {
    out += c;
    if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
  });
  cluster.on('exit', (code) => reject(new Error(`dev cluster exited with ${code}`)));
});

let failed = false;
let postgres;
try {
  process.stdout.write(`${bold('Dev cluster ready:')} ${JSON.stringify(ready)}\n`);
  process.stdout.write(`TELEPORT_HOME=${home}\n`);
  const proxy = `--proxy=${ready.proxy}`;
  step('login alice', 'tshjs', ['login', proxy, '--user=alice', '--insecure'], 'alice-password\n');
  // The demo cluster is a quick local cluster with second_factor: off, so bob (who has a TOTP
  // device) is asked no OTP. A config with `second_factor: on` (what every v18 cluster runs)
  // makes him answer the OTP challenge: `tshjs-devcluster otp` prints the current code.
  step('login bob', 'tshjs', ['login', proxy, '--user=bob', '--insecure'], 'bob-password\n');
  step('status', 'tshjs', ['status']);
  step('status json', 'tshjs', ['status', '--format=json']);
  step('env', 'tshjs', ['env']);
  step('version', 'tshjs', ['version', '--insecure']);
  // Listing over gRPC: mTLS with the certs just issued, routed by ALPN on the same port.
  step('ls', 'tshjs', ['ls']);
  step('ls query', 'tshjs', ['ls', '--query', 'labels.env == "prod"', '--format=json']);
  step('apps', 'tshjs', ['apps', 'ls']);
  step('dbs', 'tshjs', ['db', 'ls']);
  // A query through the cluster's database service to a real PostgreSQL (its server certificate
  // signed by the cluster's database CA, as `tctl auth sign --format=db` would).
  if (noPostgres) {
    process.stdout.write(`\n(no database query: ${noPostgres})\n`);
  } else {
    const prefix = path.join(dataDir, 'postgres-dev');
    step('db server certificate', 'tshjs-devcluster', [
      'auth',
      'sign',
      '--format=db',
      '--host=localhost,127.0.0.1',
      `--out=${prefix}`,
      `--data-dir=${dataDir}`,
    ]);
    postgres = await startLocalPostgres({
      port: pgPort,
      serverCertPem: fs.readFileSync(`${prefix}.crt`, 'utf8'),
      serverKeyPem: fs.readFileSync(`${prefix}.key`, 'utf8'),
      clientCaPem: fs.readFileSync(`${prefix}.cas`, 'utf8'),
      users: ['alice'],
    });
    step('db login', 'tshjs', ['db', 'login', 'postgres-dev', '--db-user=alice', '--db-name=postgres']);
    step(
      'db connect',
      'tshjs',
      ['db', 'connect', 'postgres-dev'],
      "select current_user, 'hello from PostgreSQL through tshjs' as greeting;\n",
    );
  }
  step('kube', 'tshjs', ['kube', 'ls']);
  step('desktops', 'tshjs', ['desktop', 'ls']);
  step('clusters', 'tshjs', ['clusters']);
  step('config', 'tshjs', ['config']);
  // SSH through the proxy (TransportService.ProxySSH) to the dev cluster's in-process node.
  step('ssh', 'tshjs', ['ssh', 'root@node-1', 'echo "hello from $(hostname) as $(id -un)"; exit 0']);
  step('ssh fan-out', 'tshjs', ['ssh', 'root@env=prod', 'uname -s']);
  // The node recorded those sessions in upstream's format; replay one.
  const recDir = path.join(dataDir, 'recordings');
  const recordings = fs.existsSync(recDir) ? fs.readdirSync(recDir).filter((f) => f.endsWith('.tar')) : [];
  if (recordings.length) step('play', 'tshjs', ['play', path.join(recDir, recordings[0]), '--speed', '8']);
  // A Windows desktop session (ProxyWindowsDesktopSession, TLS end to end, TDPB, RemoteFX): type
  // into the desktop's xterm, then save what the screen shows.
  if (noDesktop) {
    process.stdout.write(`\n(no desktop screenshot: ${noDesktop})\n`);
  } else {
    const shot = path.join(os.tmpdir(), 'tshjs-demo-win-dev.png');
    step(
      'desktop run',
      'tshjs',
      ['desktop', 'run', 'win-dev', '-l', 'Administrator', '-'],
      'click 100 100\ntype echo hello from tshjs\nkey Enter\nwait-settle\n',
    );
    step('desktop screenshot', 'tshjs', [
      'desktop',
      'screenshot',
      'win-dev',
      '-l',
      'Administrator',
      '-o',
      shot,
    ]);
    process.stdout.write(`(the screenshot stays at ${shot})\n`);
  }
  process.stdout.write(`\n${bold('Files tshjs wrote (the same layout real tsh uses):')}\n`);
  for (const f of fs.readdirSync(home, { recursive: true }).map(String).sort()) {
    const st = fs.statSync(path.join(home, f));
    process.stdout.write(
      `  ${(st.mode & 0o777).toString(8).padStart(4, '0')}  ${f}${st.isDirectory() ? '/' : ''}\n`,
    );
  }
  const cert = path.join(home, 'keys/127.0.0.1/bob-ssh/dev.localhost-cert.pub');
  if (spawnSync('ssh-keygen', ['-?']).error === undefined)
    step('may fail: ssh-keygen', 'ssh-keygen', ['-L', '-f', cert]);
  step('logout', 'tshjs', ['logout']);
  step('may fail: status after logout', 'tshjs', ['status']);
} catch (err) {
  failed = true;
  process.stderr.write(`demo failed: ${err.message}\n`);
} finally {
  await postgres?.stop();
  cluster.kill('SIGTERM');
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
