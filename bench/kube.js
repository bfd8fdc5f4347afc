#!/usr/bin/env node
// Kubernetes access through tshjs's exec plugin against static certificates, and the plugin alone:
//   exec    `kubectl get pods` with the kubeconfig `tshjs kube login` wrote: kubectl runs
//           `tshjs kube credentials` (cached certificate) before its first request;
//   static  the same call with the same certificate written into kubeconfig as
//           client-certificate-data / client-key-data (no plugin);
//   plugin  `tshjs kube credentials …` alone against `node -e 0`.
// Interleaved, median of N wall times. Goals: exec <= 1.5x static, plugin <= 1.5x node -e 0.
// BENCH_SMOKE=1: 2 runs each, no goals. Without /usr/bin/kubectl it says so and exits 0.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevCluster } from './devcluster.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMOKE = process.env.BENCH_SMOKE === '1';
const RUNS = SMOKE ? 2 : Number(process.env.BENCH_RUNS ?? 15);
const KUBECTL = '/usr/bin/kubectl';
if (!fs.existsSync(KUBECTL)) {
  console.log('bench:kube skipped: /usr/bin/kubectl not found');
  process.exit(0);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-bench-kube-'));
const home = path.join(work, 'home');
const kubeconfig = path.join(work, 'kube', 'config');
const staticConfig = path.join(work, 'kube', 'static-config');
const tshjs = path.join(repo, 'bin/tshjs.js');
const env = {
  PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  HOME: work,
  TELEPORT_HOME: home,
  KUBECONFIG: kubeconfig,
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs to the end; returns wall milliseconds (throws on a non-zero exit). */
function timed(cmd, args, o = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: o.env ?? env, input: o.input ?? '', encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0)
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

let cluster;
try {
  const config = path.join(work, 'cluster.yaml');
  fs.writeFileSync(
    config,
    [
      'cluster_name: dev.localhost',
      'second_factor: "off"',
      'users: [{ name: alice, password: alice-password, roles: [kube] }]',
      "roles: [{ name: kube, kubernetes_labels: { '*': '*' }, kubernetes_groups: [viewers] }]",
      'kube_clusters: [{ name: dev-kube, labels: { env: dev } }]',
      '',
    ].join('\n'),
  );
  const started = await startDevCluster(config, { stderr: 'inherit', dataDir: path.join(work, 'data') });
  cluster = started.child;
  const proxy = started.ready.proxy;
  timed(process.execPath, [tshjs, 'login', `--proxy=${proxy}`, '--user=alice', '--insecure'], {
    input: 'alice-password\n',
  });
  timed(process.execPath, [tshjs, 'kube', 'login', 'dev-kube', '--insecure']);
  const cacheDir = ['--cache-dir', path.join(work, 'cache')];
  // The first call issues and saves the certificate; every later one reads it.
  timed(KUBECTL, [...cacheDir, 'get', 'pods']);

  // The same certificate, static in a kubeconfig of its own.
  const proxyHost = proxy.replace(/:\d+$/, '');
  const cred = fs.readFileSync(
    path.join(home, 'keys', proxyHost, 'alice-kube', 'dev.localhost', 'dev-kube.cred'),
    'utf8',
  );
  const [keyPem, certPem] = cred.split('\n\n');
  const cfg = fs.readFileSync(kubeconfig, 'utf8');
  const ca = /certificate-authority-data: (\S+)/.exec(cfg)[1];
  const sni = /tls-server-name: (\S+)/.exec(cfg)[1];
  const b64 = (s) => Buffer.from(s).toString('base64');
  fs.writeFileSync(
    staticConfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'dev.localhost',
          cluster: { server: `https://${proxy}`, 'tls-server-name': sni, 'certificate-authority-data': ca },
        },
      ],
      users: [
        {
          name: 'static',
          user: { 'client-certificate-data': b64(certPem), 'client-key-data': b64(`${keyPem}\n`) },
        },
      ],
      contexts: [{ name: 'static', context: { cluster: 'dev.localhost', user: 'static' } }],
      'current-context': 'static',
    }),
  );
  const credArgs = [
    tshjs,
    'kube',
    'credentials',
    '--kube-cluster=dev-kube',
    '--teleport-cluster=dev.localhost',
    `--proxy=${proxy}`,
  ];
  const runs = { exec: [], static: [], plugin: [], node: [] };
  for (let i = 0; i < RUNS; i++) {
    runs.exec.push(timed(KUBECTL, [...cacheDir, 'get', 'pods']).ms);
    runs.static.push(
      timed(KUBECTL, [...cacheDir, 'get', 'pods'], { env: { ...env, KUBECONFIG: staticConfig } }).ms,
    );
    runs.plugin.push(timed(process.execPath, credArgs).ms);
    runs.node.push(timed(process.execPath, ['-e', '0']).ms);
  }
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
  const line = (name, a, b, goal) => {
    const ratio = a / b;
    const g = SMOKE ? '' : `  goal <= ${goal.toFixed(1)}x ${ratio <= goal ? 'met' : 'NOT met'}`;
    console.log(
      `${name.padEnd(44)} ${a.toFixed(1).padStart(7)} ms vs ${b.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x${g}`,
    );
  };
  console.log(`median of ${RUNS} runs`);
  line('kubectl get pods: exec plugin / static certs', m.exec, m.static, 1.5);
  line('tshjs kube credentials / node -e 0', m.plugin, m.node, 1.5);
} finally {
  cluster?.kill();
  fs.rmSync(work, { recursive: true, force: true });
}
