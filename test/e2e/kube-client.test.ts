// tshjs's Kubernetes client against the dev cluster and the real kubectl (v1.32): `tshjs kube
// login` writes kubeconfig with tshjs as the exec plugin (run as a real process, so the plugin's
// command is bin/tshjs.js), then kubectl get pods / ns, exec (exit code), logs; another user's
// entries and comments survive login and logout; `kube credentials` prints an ExecCredential and
// caches the certificate; RBAC refusals print kubectl's Forbidden line; `tshjs kube exec`.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, testConfig, tshjsProcess, type CliResult } from '../helpers/cluster.js';

const KUBECTL = '/usr/bin/kubectl';
const CLUSTER = 'test.localhost';

const OTHER = `# my own kubeconfig: keep this comment
apiVersion: v1
clusters:
- cluster:
    server: https://other.example.com:6443 # and this one
    certificate-authority-data: QUJD
  name: other
contexts:
- context:
    cluster: other
    user: other-user
    namespace: mine
  name: other-ctx
current-context: other-ctx
kind: Config
preferences: {}
users:
- name: other-user
  user:
    token: not-a-real-token
`;

describe.skipIf(!fs.existsSync(KUBECTL))('tshjs kube login / credentials / exec with kubectl', () => {
  let cluster: DevCluster;
  let work: string;

  const homeOf = (user: string) => path.join(work, `home-${user}`);
  const kubeconfigOf = (user: string) => path.join(work, `kube-${user}`, 'config');
  const env = (user: string) => ({ KUBECONFIG: kubeconfigOf(user), HOME: work });

  const cli = (user: string, args: string[], stdin?: string): Promise<CliResult> =>
    tshjsProcess(args, { home: homeOf(user), env: env(user), stdin });

  function kubectl(user: string, args: string[], stdin?: string): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(KUBECTL, ['--cache-dir', path.join(work, 'cache'), ...args], {
        env: { PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...env(user) },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(stdin ?? '');
    });
  }

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-kubeclient-'));
    const config = testConfig({
      users: [
        { name: 'alice', password: 'alice-pw', roles: ['kube-dev'] },
        { name: 'erin', password: 'erin-pw', roles: ['kube-web-only'] },
        { name: 'nora', password: 'nora-pw', roles: ['kube-nogroups'] },
      ],
      roles: [
        {
          name: 'kube-dev',
          logins: [],
          node_labels: {},
          kubernetes_labels: { '*': '*' },
          kubernetes_groups: ['viewers', 'devs'],
        },
        {
          name: 'kube-web-only',
          logins: [],
          node_labels: {},
          kubernetes_labels: { env: 'dev' },
          kubernetes_groups: ['viewers'],
          kubernetes_resources: [{ kind: 'pod', namespace: 'default', name: 'web-*', verbs: ['*'] }],
        },
        { name: 'kube-nogroups', logins: [], node_labels: {}, kubernetes_labels: { '*': '*' } },
      ],
      kube_clusters: [
        {
          name: 'dev-kube',
          labels: { env: 'dev' },
          namespaces: {
            default: {
              pods: [
                { name: 'web-0', containers: ['web'], log: 'line one\nline two\n' },
                { name: 'db-0', containers: ['db'] },
              ],
            },
          },
        },
        { name: 'prod-kube', labels: { env: 'prod' } },
      ],
    });
    cluster = await DevCluster.start({ config, listen: '127.0.0.1:0', dataDir: path.join(work, 'data') });
    for (const u of ['alice', 'erin', 'nora']) {
      fs.mkdirSync(path.dirname(kubeconfigOf(u)), { recursive: true });
      const r = await cli(u, loginArgs(cluster, u), `${u}-pw\n`);
      expect(r.code, r.stderr).toBe(0);
    }
    fs.writeFileSync(kubeconfigOf('alice'), OTHER);
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('kube login writes upstream entries and kubectl works through the exec plugin', async () => {
    const login = await cli('alice', ['kube', 'login', 'dev-kube', '--insecure']);
    expect(login.stderr).toBe('');
    expect(login.stdout).toBe(
      `Logged into Kubernetes cluster "dev-kube". Try 'kubectl version' to test the connection.\n`,
    );
    const text = fs.readFileSync(kubeconfigOf('alice'), 'utf8');
    // The user's own entries and comments are kept as they were.
    expect(text.startsWith('# my own kubeconfig: keep this comment\n')).toBe(true);
    expect(text).toContain('    server: https://other.example.com:6443 # and this one\n');
    expect(text).toContain('    token: not-a-real-token\n');
    expect(text).toContain(`current-context: ${CLUSTER}-dev-kube\n`);
    expect(text).toContain('    - extension: null\n      name: teleport-prev-selec-ctx\n');
    expect(text).toContain(`    server: https://${cluster.proxyAddr}\n`);
    expect(text).toContain('    tls-server-name: kube-teleport-proxy-alpn.teleport.cluster.local\n');
    expect(text).toContain(
      [
        '      - kube',
        '      - credentials',
        '      - --kube-cluster=dev-kube',
        `      - --teleport-cluster=${CLUSTER}`,
        `      - --proxy=${cluster.proxyAddr}`,
        '      - --insecure',
      ].join('\n'),
    );
    expect(text).toContain(`      value: ${homeOf('alice')}\n`);
    expect(text).toContain('    - extension: dev-kube\n      name: teleport.kube.name\n');
    // The profile kubeconfig beside the certificate.
    const profileKc = path.join(
      homeOf('alice'),
      'keys',
      '127.0.0.1',
      'alice-kube',
      CLUSTER,
      'dev-kube-kubeconfig',
    );
    expect(fs.existsSync(profileKc)).toBe(true);

    const pods = await kubectl('alice', ['get', 'pods']);
    expect(pods.stderr).toBe('');
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/\nweb-0\s+1\/1\s+Running/);

    // The certificate is cached where tsh keeps it: key, blank line, certificate.
    const cred = path.join(homeOf('alice'), 'keys', '127.0.0.1', 'alice-kube', CLUSTER, 'dev-kube.cred');
    const content = fs.readFileSync(cred, 'utf8');
    expect(content).toMatch(
      /^-----BEGIN [A-Z ]*PRIVATE KEY-----\n[\s\S]+-----END [A-Z ]*PRIVATE KEY-----\n\n-----BEGIN CERTIFICATE-----\n/,
    );
    expect(fs.statSync(cred).mode & 0o777).toBe(0o600);

    const ns = await kubectl('alice', ['get', 'ns']);
    expect(ns.code).toBe(0);
    expect(ns.stdout).toMatch(/\ndefault\s+Active/);

    const logs = await kubectl('alice', ['logs', 'web-0']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('line one\nline two\n');

    const exec = await kubectl('alice', ['exec', 'web-0', '--', 'sh', '-c', 'echo hi; exit 3']);
    expect(exec.stdout).toBe('hi\n');
    expect(exec.code).toBe(3);

    // The other context still works as kubectl sees it.
    const ctxs = await kubectl('alice', ['config', 'get-contexts', '-o', 'name']);
    expect(ctxs.stdout.split('\n').filter(Boolean).sort()).toEqual(['other-ctx', `${CLUSTER}-dev-kube`]);

    const ls = await cli('alice', ['kube', 'ls']);
    expect(ls.stdout).toMatch(/\ndev-kube\s+env=dev\s+\*\s*\n/);
    expect(ls.stdout).toMatch(/\nprod-kube\s+env=prod\s*\n/);

    const status = await cli('alice', ['status']);
    expect(status.stdout).toContain('Kubernetes cluster: "dev-kube"');
  });

  it('kube credentials prints an ExecCredential from the cached certificate', async () => {
    const r = await cli('alice', [
      'kube',
      'credentials',
      '--kube-cluster=dev-kube',
      `--teleport-cluster=${CLUSTER}`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('}\n')).toBe(true);
    expect(r.stdout.split('\n')).toHaveLength(2);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['kind', 'apiVersion', 'spec', 'status']);
    expect(j.kind).toBe('ExecCredential');
    expect(j.apiVersion).toBe('client.authentication.k8s.io/v1beta1');
    expect(j.spec).toEqual({ interactive: false });
    expect(Object.keys(j.status)).toEqual(['expirationTimestamp', 'clientCertificateData', 'clientKeyData']);
    expect(j.status.expirationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(j.status.clientCertificateData).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(j.status.clientKeyData).toMatch(/PRIVATE KEY-----\n$/);
    // bin/tshjs.js answers a cached certificate without the CLI (src/client/kubecredfast.ts); a flag
    // that path does not know (--debug) goes through the full command: the same bytes.
    const full = await cli('alice', [
      '--debug',
      'kube',
      'credentials',
      '--kube-cluster=dev-kube',
      `--teleport-cluster=${CLUSTER}`,
    ]);
    expect(full.code).toBe(0);
    expect(full.stdout).toBe(r.stdout);
    // The fast path reads the profile and .cred that login and kube login wrote (not a fall-through).
    const { cachedKubeCredentials } = await import('../../src/client/kubecredfast.js');
    const args = ['kube', 'credentials', '--kube-cluster=dev-kube', `--teleport-cluster=${CLUSTER}`];
    expect(cachedKubeCredentials(args, { TELEPORT_HOME: homeOf('alice') })).toBe(r.stdout);
  });

  it('tshjs kube exec runs in the selected cluster and passes the exit code', async () => {
    const r = await cli('alice', [
      'kube',
      'exec',
      'web-0',
      '--',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 5',
    ]);
    expect(r.stdout, JSON.stringify(r)).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.code).toBe(5);
    const i = await cli('alice', ['kube', 'exec', '--stdin', 'web-0', '--', 'cat'], 'from stdin\n');
    expect(i.stdout).toBe('from stdin\n');
    expect(i.code).toBe(0);
  });

  it('kube exec -s / -i pass stdin and -it gives a TTY (the command’s -i, not --identity)', async () => {
    for (const flag of ['-s', '-i']) {
      const r = await cli('alice', ['kube', 'exec', flag, 'web-0', '--', 'cat'], `via ${flag}\n`);
      expect(r.stdout, JSON.stringify(r)).toBe(`via ${flag}\n`);
      expect(r.code).toBe(0);
    }
    const it = await cli('alice', [
      'kube',
      'exec',
      '-it',
      'web-0',
      '--',
      'sh',
      '-c',
      'test -t 0 && echo tty',
    ]);
    expect(it.stdout, JSON.stringify(it)).toMatch(/^tty\r?\n$/);
    expect(it.code).toBe(0);
    const req = await cli('alice', ['kube', 'exec', '--participant-req', 'web-0', '--', 'echo', 'ok']);
    expect(req.stdout, JSON.stringify(req)).toBe('ok\n');
  });

  it('kube sessions lists a running exec session (tracker) and nothing once it ends', async () => {
    const before = await cli('alice', ['kube', 'sessions', '--format', 'json']);
    expect(before.stdout, JSON.stringify(before)).toBe('null\n');
    const running = cli('alice', [
      'kube',
      'exec',
      '--reason',
      'debugging',
      'web-0',
      '--',
      'sh',
      '-c',
      'echo started; sleep 4',
    ]);
    let listed: CliResult | undefined;
    for (let i = 0; i < 50; i++) {
      const r = await cli('alice', ['kube', 'sessions', '-f', 'json']);
      if (r.stdout !== 'null\n') {
        listed = r;
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(listed?.code, JSON.stringify(listed)).toBe(0);
    const [t] = JSON.parse(listed!.stdout) as Array<{
      kind: string;
      metadata: { name: string };
      spec: Record<string, unknown>;
    }>;
    expect(t!.kind).toBe('session_tracker');
    expect(t!.spec).toMatchObject({
      session_id: t!.metadata.name,
      kind: 'k8s',
      state: 1,
      reason: 'debugging',
      target_hostname: 'default/web-0',
      cluster_name: CLUSTER,
      login: 'root',
      kubernetes_cluster: 'dev-kube',
      host_user: 'alice',
      initial_command: ['sh', '-c', 'echo started; sleep 4'],
    });
    const text = await cli('alice', ['kube', 'sessions']);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+State\s+Created\s+Hostname\s+Address\s+Login\s+Reason\s*$/);
    expect(lines[2]).toMatch(
      new RegExp(
        `^${t!.metadata.name}\\s+SessionStateRunning\\s+\\S+Z\\s+default/web-0\\s+root\\s+debugging\\s*$`,
      ),
    );
    // Another user cannot see (join) alice's session.
    const other = await cli('erin', ['kube', 'sessions', '-f', 'yaml']);
    expect(other.stdout).toBe('null\n\n');
    const done = await running;
    expect(done.stdout).toBe('started\n');
    expect(done.code).toBe(0);
    const after = await cli('alice', ['kube', 'sessions', '-f', 'json']);
    expect(after.stdout).toBe('null\n');
  });

  it('refuses unknown kube clusters, a broken kubeconfig, and roles without kube groups', async () => {
    const unknown = await cli('alice', ['kube', 'login', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      `ERROR: kubernetes cluster "nope" not found, check 'tsh kube ls' for a list of known clusters\n`,
    );
    const none = await cli('alice', ['kube', 'login']);
    expect(none.stderr).toBe(
      "ERROR: kube-cluster name is required. Check 'tsh kube ls' for a list of available clusters.\n",
    );

    const broken = path.join(work, 'broken-config');
    fs.writeFileSync(broken, 'clusters: [\n  oops');
    const bad = await tshjsProcess(['kube', 'login', 'dev-kube'], {
      home: homeOf('alice'),
      env: { KUBECONFIG: broken, HOME: work },
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^ERROR: failed to parse existing kubeconfig ".*broken-config"/);
    expect(bad.stderr.split('\n')).toHaveLength(2);
    expect(fs.readFileSync(broken, 'utf8')).toBe('clusters: [\n  oops');

    const nora = await cli('nora', [
      'kube',
      'credentials',
      '--kube-cluster=dev-kube',
      `--teleport-cluster=${CLUSTER}`,
    ]);
    expect(nora.code).toBe(1);
    expect(nora.stderr).toMatch(/Kubernetes access|kubernetes_groups and kubernetes_users/);
  });

  it('RBAC refusal shows kubectl Forbidden line', async () => {
    expect((await cli('erin', ['kube', 'login', 'dev-kube'])).code).toBe(0);
    const r = await kubectl('erin', ['get', 'pod', 'db-0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Error from server (Forbidden): pods "db-0" is forbidden: User "erin" cannot get resource "pods" in API group "" in the namespace "default"',
    );
  });

  it('login --kube-cluster writes and selects that cluster', async () => {
    const r = await cli('nora', [...loginArgs(cluster, 'nora'), '--kube-cluster=dev-kube'], 'nora-pw\n');
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(kubeconfigOf('nora'), 'utf8')).toContain(`current-context: ${CLUSTER}-dev-kube\n`);
    const bad = await cli('nora', [...loginArgs(cluster, 'nora'), '--kube-cluster=nope'], 'nora-pw\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      `Kubernetes cluster "nope" is not registered in this Teleport cluster; you can list registered Kubernetes clusters using 'tsh kube ls'.`,
    );
  });

  it('logout removes only tshjs entries and restores the previous context', async () => {
    const r = await cli('alice', ['logout']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(kubeconfigOf('alice'), 'utf8')).toBe(OTHER);
  });
});
