// tshjs proxy kube as a real process against the dev cluster's Kubernetes service, used by the
// real kubectl (v1.32) through the printed ephemeral kubeconfig: get pods, exec (exit code passes
// through), logs, two kube clusters (one with dots in its name) through one proxy, what is printed,
// the kubeconfig's entries, a port in use, and Ctrl-C removing the kubeconfig.
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/auth/keygen.js';
import { issueUserCerts } from '../../src/devcluster/certs.js';
import { accessInfo } from '../../src/devcluster/rbac.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { KubeLocalProxy } from '../../src/proxy/kube.js';
import { createLocalProxyConfig } from '../../src/proxy/kubeconfiglocal.js';
import { kubeLocalProxySNI } from '../../src/proxy/kubesni.js';
import { TshError } from '../../src/util/errors.js';
import { yaml } from '../../src/util/lazy.js';
import { TSHJS_BIN, loginArgs, startCluster, tshjs, tshjsProcess } from '../helpers/cluster.js';

const KUBECTL = '/usr/bin/kubectl';
const CLUSTER = 'test.localhost';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!fs.existsSync(KUBECTL))('tshjs proxy kube with kubectl', () => {
  let cluster: DevCluster;
  let work: string;
  let home: string;
  let env: Record<string, string>;
  let proxy: ChildProcess;
  let out = '';
  let err = '';
  let port: number;
  let kubeconfig: string;

  function kubectl(args: string[], stdin = '', config = kubeconfig): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        KUBECTL,
        ['--kubeconfig', config, '--cache-dir', path.join(work, 'cache'), ...args],
        {
          env: { PATH: process.env.PATH ?? '', HOME: work },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(stdin);
    });
  }

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-proxykube-'));
    home = path.join(work, 'tsh');
    cluster = await startCluster(
      {
        users: [{ name: 'alice', password: 'alice-pw', roles: ['kube-dev'] }],
        roles: [
          {
            name: 'kube-dev',
            logins: [],
            node_labels: {},
            kubernetes_labels: { '*': '*' },
            kubernetes_groups: ['viewers'],
          },
        ],
        kube_clusters: [
          {
            name: 'dev-kube',
            labels: { env: 'dev' },
            namespaces: {
              default: { pods: [{ name: 'web-0', containers: ['web'], log: 'line one\nline two\n' }] },
            },
          },
          {
            name: 'prod.eu.k8s',
            labels: { env: 'prod' },
            namespaces: { default: { pods: [{ name: 'api-0', containers: ['api'] }] } },
          },
        ],
      },
      path.join(work, 'data'),
    );
    expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
    env = {
      TELEPORT_HOME: home,
      HOME: work,
      KUBECONFIG: path.join(work, 'kube', 'config'),
      PATH: process.env.PATH ?? '',
    };
    port = await freePort();
    proxy = spawn(
      process.execPath,
      [TSHJS_BIN, 'proxy', 'kube', 'dev-kube', 'prod.eu.k8s', '--port', String(port)],
      {
        env,
      },
    );
    proxy.stdout!.on('data', (c) => (out += c));
    proxy.stderr!.on('data', (c) => (err += c));
    for (let i = 0; i < 300 && !out.endsWith('kubectl version\n\n') && proxy.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const m = /export KUBECONFIG="([^"]+)"/.exec(out);
    if (!m) throw new Error(`proxy kube did not start: ${out}${err}`);
    kubeconfig = m[1]!;
  }, 30_000);

  afterAll(async () => {
    if (proxy && proxy.exitCode === null) proxy.kill('SIGKILL');
    await cluster?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('prints what upstream prints: the clusters, the address, the kubeconfig to export', () => {
    const user = 'alice';
    const expectedPath = path.join(
      home,
      'keys',
      '127.0.0.1',
      `${user}-kube`,
      CLUSTER,
      `localproxy-${port}-kubeconfig`,
    );
    expect(kubeconfig).toBe(expectedPath);
    expect(out).toBe(
      'Preparing the following Teleport Kubernetes clusters:\n' +
        'Teleport Cluster Name Kube Cluster Name Context Name               \n' +
        '--------------------- ----------------- -------------------------- \n' +
        'test.localhost        dev-kube          test.localhost-dev-kube    \n' +
        'test.localhost        prod.eu.k8s       test.localhost-prod.eu.k8s \n' +
        '\n' +
        `Started local proxy for Kubernetes on 127.0.0.1:${port}\n` +
        '\n' +
        'Use the following config for your Kubernetes applications. For example:\n' +
        `export KUBECONFIG="${expectedPath}"\n` +
        'kubectl version\n\n',
    );
    expect(err).toBe('');
  });

  it('writes the ephemeral kubeconfig 0600: local proxy URL, local CA, per-cluster server names', () => {
    expect(fs.statSync(kubeconfig).mode & 0o777).toBe(0o600);
    const doc = yaml().parse(fs.readFileSync(kubeconfig, 'utf8'));
    expect(doc['current-context']).toBe(`${CLUSTER}-dev-kube`);
    const clusters = Object.fromEntries(
      doc.clusters.map((c: { name: string; cluster: unknown }) => [c.name, c.cluster]),
    );
    const dev = clusters[`${CLUSTER}-dev-kube`];
    expect(dev['proxy-url']).toBe(`http://127.0.0.1:${port}`);
    expect(dev.server).toBe(`https://${cluster.proxyAddr}`);
    expect(dev['tls-server-name']).toBe(`${Buffer.from('dev-kube').toString('hex')}.${CLUSTER}`);
    expect(clusters[`${CLUSTER}-prod.eu.k8s`]['tls-server-name']).toBe(
      `${Buffer.from('prod.eu.k8s').toString('hex')}.${CLUSTER}`,
    );
    const users = Object.fromEntries(doc.users.map((u: { name: string; user: unknown }) => [u.name, u.user]));
    // kubectl's client certificate is the local CA certificate itself.
    expect(users[`${CLUSTER}-dev-kube`]['client-certificate-data']).toBe(dev['certificate-authority-data']);
    const ca = Buffer.from(dev['certificate-authority-data'], 'base64').toString();
    const x = new X509Certificate(ca);
    expect(x.subject).toContain('CN=localhost');
    expect(x.subjectAltName).toContain(`DNS:*.${CLUSTER}`);
    expect(x.ca).toBe(true);
  });

  it('kubectl get pods, logs and exec through the proxy; exit codes pass through', async () => {
    const pods = await kubectl(['get', 'pods']);
    expect(pods.stderr).toBe('');
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/\nweb-0\s+1\/1\s+Running/);

    const logs = await kubectl(['logs', 'web-0']);
    expect(logs).toMatchObject({ code: 0, stdout: 'line one\nline two\n' });

    const ex = await kubectl(['exec', 'web-0', '--', 'sh', '-c', 'echo hi; exit 3']);
    expect(ex.stdout).toBe('hi\n');
    expect(ex.code).toBe(3);

    const cat = await kubectl(['exec', '-i', 'web-0', '--', 'cat'], 'through stdin\n');
    expect(cat).toMatchObject({ code: 0, stdout: 'through stdin\n' });
  });

  it('kubectl exec -it (a TTY) through the proxy', async () => {
    const cmd = [KUBECTL, '--kubeconfig', kubeconfig, '--cache-dir', path.join(work, 'cache')]
      .concat(['exec', '-it', 'web-0', '--', 'sh', '-c', 'test -t 0 && echo tty-ok; exit 4'])
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const r = await new Promise<Run>((resolve, reject) => {
      // util-linux script gives kubectl a terminal; -e returns kubectl's exit status.
      const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
        env: { PATH: process.env.PATH ?? '', HOME: work },
      });
      let stdout = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr: '' }));
      child.stdin.end();
    });
    expect(r.stdout).toContain('tty-ok');
    expect(r.code).toBe(4);
  });

  it('serves a second kube cluster (dots in its name) through the same proxy', async () => {
    const pods = await kubectl(['--context', `${CLUSTER}-prod.eu.k8s`, 'get', 'pods']);
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/\napi-0\s+1\/1\s+Running/);
    expect(pods.stdout).not.toContain('web-0');
    const ex = await kubectl(['--context', `${CLUSTER}-prod.eu.k8s`, 'exec', 'api-0', '--', 'echo', 'prod']);
    expect(ex).toMatchObject({ code: 0, stdout: 'prod\n' });
    // An RBAC refusal still reaches kubectl as a Status.
    const denied = await kubectl(['get', 'pods', '--as', 'root']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Error from server (Forbidden): impersonation request has been denied');
  });

  it('reissues an expired kube certificate on the next request without dropping the listener', async () => {
    const user = cluster.config.users.find((u) => u.name === 'alice')!;
    const issue = async () => {
      const key = generateKey('ecdsa-p256');
      const c = await issueUserCerts(cluster.authority, {
        username: 'alice',
        access: accessInfo(cluster.config, user),
        tlsPublicKey: createPublicKey(key),
        ttlMs: 3600_000,
        kubernetesCluster: 'dev-kube',
        usage: ['usage:kube'],
      });
      return {
        certPem: c.tls!,
        keyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string,
        expires: new Date(Date.now() + 3600_000),
      };
    };
    const dev = { teleportCluster: CLUSTER, kubeCluster: 'dev-kube' };
    const prod = { teleportCluster: CLUSTER, kubeCluster: 'prod.eu.k8s' };
    const stale = { ...(await issue()), expires: new Date(Date.now() - 1000) };
    let reissued = 0;
    const [host, p] = cluster.proxyAddr.split(':');
    const lp = await KubeLocalProxy.start({
      targets: [dev, prod],
      certs: new Map([
        [kubeLocalProxySNI(CLUSTER, 'dev-kube'), stale],
        [kubeLocalProxySNI(CLUSTER, 'prod.eu.k8s'), stale],
      ]),
      reissue: async (t) => {
        if (t.kubeCluster !== 'dev-kube') throw new TshError('kube access was revoked', 'access-denied');
        reissued++;
        return issue();
      },
      proxyHost: host!,
      proxyPort: Number(p),
      ca: [cluster.authority.hostTLS.certPem],
    });
    try {
      const config = path.join(work, 'renew.kubeconfig');
      const doc = createLocalProxyConfig(undefined, {
        teleportKubeClusterAddr: `https://${cluster.proxyAddr}`,
        localProxyURL: `http://${lp.address}`,
        localProxyCAs: new Map([[CLUSTER, lp.localCAs.get(CLUSTER)!.certPem]]),
        clientKeyPem: lp.localKey.keyPem,
        clusters: [dev, prod],
        contextName: (tc, kube) => `${tc}-${kube}`,
      });
      fs.writeFileSync(config, yaml().stringify(doc));
      for (let i = 0; i < 2; i++) {
        const r = await kubectl(['get', 'pods'], '', config);
        expect(r.stdout).toContain('web-0');
      }
      expect(reissued).toBe(1);
      // A reissue that fails answers that request only, as a Status kubectl prints.
      const bad = await kubectl(['--context', `${CLUSTER}-prod.eu.k8s`, 'get', 'pods'], '', config);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('Error from server (Forbidden): kube access was revoked');
      expect((await kubectl(['get', 'pods'], '', config)).code).toBe(0);
    } finally {
      await lp.close();
    }
  });

  it('without names: the clusters kube login left in the default kubeconfig; other entries kept', async () => {
    const none = await tshjs(['proxy', 'kube'], {
      home,
      env: { ...env, KUBECONFIG: path.join(work, 'none') },
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /^ERROR: No Kubernetes clusters found to proxy\.\n\nPlease provide Kubernetes cluster names/,
    );

    const defaultConfig = path.join(work, 'default.kubeconfig');
    const server = `https://${cluster.proxyAddr}`;
    const original = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: CLUSTER,
          cluster: { server, 'tls-server-name': 'kube-teleport-proxy-alpn.teleport.cluster.local' },
        },
        { name: 'other', cluster: { server: 'https://10.9.9.9:6443' } },
      ],
      users: [
        { name: `${CLUSTER}-dev-kube`, user: { exec: { command: 'tshjs' } } },
        { name: 'other', user: { token: 'secret' } },
      ],
      contexts: [
        {
          name: `${CLUSTER}-dev-kube`,
          context: { cluster: CLUSTER, user: `${CLUSTER}-dev-kube`, namespace: 'default' },
        },
        { name: 'other', context: { cluster: 'other', user: 'other' } },
      ],
      'current-context': 'other',
    };
    fs.writeFileSync(defaultConfig, yaml().stringify(original));
    const child = spawn(process.execPath, [TSHJS_BIN, 'proxy', 'kube', '--format', 'text'], {
      env: { ...env, KUBECONFIG: defaultConfig },
    });
    let text = '';
    child.stdout.on('data', (c) => (text += c));
    try {
      for (let i = 0; i < 200 && !text.endsWith('kubectl version\n\n') && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(text).toMatch(
        /^Preparing the following Teleport Kubernetes clusters from the default kubeconfig:\n/,
      );
      expect(text).toContain(
        'To avoid port randomization, you can choose the listening port using the --port flag.\n',
      );
      const file = /\nKUBECONFIG=(\S+)\n/.exec(text)![1]!;
      const doc = yaml().parse(fs.readFileSync(file, 'utf8'));
      expect(doc.clusters.map((c: { name: string }) => c.name).sort()).toEqual([
        'other',
        `${CLUSTER}-dev-kube`,
      ]);
      expect(doc.users.find((u: { name: string }) => u.name === 'other').user).toEqual({ token: 'secret' });
      expect(doc['current-context']).toBe(`${CLUSTER}-dev-kube`);
      const pods = await kubectl(['get', 'pods'], '', file);
      expect(pods.stdout).toContain('web-0');
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      expect(fs.existsSync(file)).toBe(false);
      // The user's kubeconfig is untouched.
      expect(yaml().parse(fs.readFileSync(defaultConfig, 'utf8'))).toEqual(original);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('--exec runs $SHELL with KUBECONFIG on the proxy, then closes it (kubeconfig never in the profile)', async () => {
    const script = [
      'echo "cfg=$KUBECONFIG"',
      'kubectl --cache-dir "$HOME/cache" get pods -o name',
      'kubectl --cache-dir "$HOME/cache" exec web-0 -- sh -c "exit 4"; echo "exec=$?"',
      'exit 3',
      '',
    ].join('\n');
    const r = await tshjsProcess(['proxy', 'kube', 'dev-kube', '--exec'], {
      home,
      env: { ...env, SHELL: '/bin/sh' },
      stdin: script,
    });
    expect(r.stdout, JSON.stringify(r)).toContain('Preparing the following Teleport Kubernetes clusters:\n');
    expect(r.stdout).toContain(
      'Started local proxy for Kubernetes Access in the background.\n\n' +
        '\x1b[33mWarning!\x1b[0m Teleport will initiate a new shell configured with kubectl for local proxy access.\n',
    );
    expect(r.stdout).toContain('\nTry issuing a command, for example "kubectl version".\n');
    const cfg = /cfg=(\S+)/.exec(r.stdout)?.[1] ?? '';
    expect(cfg).toMatch(/proxy-kubeconfig$/);
    expect(cfg.startsWith(home)).toBe(false);
    expect(fs.existsSync(cfg)).toBe(false);
    expect(r.stdout).toContain('pod/web-0\nexec=4\n');
    // The shell's exit status is cmd.Wait's error, after the closing line.
    expect(r.stdout.endsWith('Local proxy for Kubernetes is closed.\n')).toBe(true);
    expect(r.stderr).toBe('command terminated with exit code 4\nERROR: exit status 3\n');
    expect(r.code).toBe(1);
  });

  it('a port in use is one clear line', async () => {
    const r = await tshjsProcess(['proxy', 'kube', 'dev-kube', '--port', String(port)], { home, env });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`port ${port} is already in use`);
  });

  it('Ctrl-C stops the proxy, even with an exec running, and removes the kubeconfig', async () => {
    // An exec in progress holds its connection open; Ctrl-C must not wait for it.
    const exec = spawn(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', path.join(work, 'cache')].concat([
        'exec',
        'web-0',
        '--',
        'sh',
        '-c',
        'echo started; sleep 60',
      ]),
      { env: { PATH: process.env.PATH ?? '', HOME: work } },
    );
    const running = new Promise<number | null>((r) => exec.once('close', (code) => r(code)));
    await new Promise<void>((r) => exec.stdout.on('data', (c) => String(c).includes('started') && r()));
    const exited = new Promise<number | null>((r) => proxy.once('exit', (code) => r(code)));
    proxy.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(fs.existsSync(kubeconfig)).toBe(false);
    expect(await running).not.toBe(0);
  });
});
