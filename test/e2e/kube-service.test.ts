// The dev cluster's Kubernetes service against the real kubectl (v1.32): a kubeconfig written by
// hand (server = the dev cluster's web port, tls-server-name kube-teleport-proxy-alpn.<cluster>,
// the cluster's host CA, a user certificate with KubernetesCluster), then get ns / pods (Table) /
// pod -o json, logs, exec (exit code and stdin pass through), RBAC refusals as kubectl prints
// them, and the exec session's recording (read back and played by tshjs play).
import { spawn } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/auth/keygen.js';
import { issueUserCerts } from '../../src/devcluster/certs.js';
import { accessInfo } from '../../src/devcluster/rbac.js';
import { shellQuote } from '../../src/devcluster/kube/exec.js';
import { DevCluster } from '../../src/devcluster/server.js';
import type { OneOf, SessionEnd, SessionStart } from '../../src/gen/teleport/legacy/types/events/events.js';
import { RecordingReader } from '../../src/recording/reader.js';
import { loginArgs, tempHome, testConfig, tshjs } from '../helpers/cluster.js';

const KUBECTL = '/usr/bin/kubectl';
const CLUSTER = 'test.localhost';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(!fs.existsSync(KUBECTL))('dev cluster Kubernetes service with kubectl', () => {
  let cluster: DevCluster;
  let work: string;
  let key: KeyObject;

  /** A kubeconfig for `user` with a certificate routed to `kube` (usage:kube, as tsh asks for). */
  async function kubeconfig(name: string, user: string, kube: string): Promise<string> {
    const u = cluster.config.users.find((x) => x.name === user)!;
    const certs = await issueUserCerts(cluster.authority, {
      username: user,
      access: accessInfo(cluster.config, u),
      tlsPublicKey: createPublicKey(key),
      ttlMs: 3600_000,
      kubernetesCluster: kube,
      usage: ['usage:kube'],
    });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const file = path.join(work, `${name}.kubeconfig`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: CLUSTER,
            cluster: {
              server: `https://${cluster.proxyAddr}`,
              'tls-server-name': `kube-teleport-proxy-alpn.${CLUSTER}`,
              'certificate-authority-data': b64(cluster.authority.hostTLS.certPem),
            },
          },
        ],
        users: [
          {
            name: `${CLUSTER}-${kube}`,
            user: {
              'client-certificate-data': b64(certs.tls!),
              'client-key-data': b64(key.export({ type: 'pkcs8', format: 'pem' }) as string),
            },
          },
        ],
        contexts: [{ name: `${CLUSTER}-${kube}`, context: { cluster: CLUSTER, user: `${CLUSTER}-${kube}` } }],
        'current-context': `${CLUSTER}-${kube}`,
      }),
    );
    return file;
  }

  function kubectl(config: string, args: string[], stdin?: string): Promise<Run> {
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
      child.stdin.end(stdin ?? '');
    });
  }

  let alice: string;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-kube-'));
    key = generateKey('ecdsa-p256');
    const config = testConfig({
      users: [
        { name: 'alice', password: 'alice-pw', roles: ['kube-dev'] },
        { name: 'dave', password: 'dave-pw', roles: ['kube-dev', 'no-prod'] },
        { name: 'erin', password: 'erin-pw', roles: ['kube-web-only'] },
      ],
      roles: [
        {
          name: 'kube-dev',
          logins: [],
          node_labels: {},
          kubernetes_labels: { '*': '*' },
          kubernetes_groups: ['viewers', 'devs'],
        },
        { name: 'no-prod', logins: [], node_labels: {}, deny: { kubernetes_labels: { env: 'prod' } } },
        {
          name: 'kube-web-only',
          logins: [],
          node_labels: {},
          kubernetes_labels: { env: 'dev' },
          kubernetes_groups: ['viewers'],
          kubernetes_resources: [{ kind: 'pod', namespace: 'default', name: 'web-*', verbs: ['*'] }],
        },
      ],
      kube_clusters: [
        {
          name: 'dev-kube',
          labels: { env: 'dev' },
          namespaces: {
            default: {
              pods: [
                { name: 'web-0', containers: ['web'], labels: { app: 'web' }, log: 'line one\nline two\n' },
                { name: 'db-0', containers: [{ name: 'db', image: 'postgres:15' }] },
              ],
            },
            tools: { pods: [] },
          },
        },
        { name: 'prod-kube', labels: { env: 'prod' } },
      ],
    });
    cluster = await DevCluster.start({ config, listen: '127.0.0.1:0', dataDir: path.join(work, 'data') });
    alice = await kubeconfig('alice', 'alice', 'dev-kube');
  });

  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('lists namespaces and pods as tables, and a pod as JSON', async () => {
    const ns = await kubectl(alice, ['get', 'ns']);
    expect(ns.stderr).toBe('');
    expect(ns.code).toBe(0);
    expect(ns.stdout).toMatch(/^NAME\s+STATUS\s+AGE\n/);
    expect(ns.stdout).toMatch(/\ndefault\s+Active\s+\S+\n/);
    expect(ns.stdout).toMatch(/\ntools\s+Active\s+\S+\n/);

    const pods = await kubectl(alice, ['get', 'pods']);
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(pods.stdout).toMatch(/\nweb-0\s+1\/1\s+Running\s+0\s+\S+\n/);
    expect(pods.stdout).toMatch(/\ndb-0\s+1\/1\s+Running\s+0\s+\S+\n/);

    const pod = await kubectl(alice, ['get', 'pod', 'db-0', '-o', 'json']);
    expect(pod.code).toBe(0);
    const obj = JSON.parse(pod.stdout);
    expect(obj).toMatchObject({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'db-0', namespace: 'default' },
      spec: { containers: [{ name: 'db', image: 'postgres:15' }] },
      status: { phase: 'Running' },
    });

    const all = await kubectl(alice, ['get', 'pods', '-A']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(all.stdout).toMatch(/\ndefault\s+web-0\s+1\/1\s+Running/);

    const version = await kubectl(alice, ['version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toContain('Server Version: v1.32.0');

    const missing = await kubectl(alice, ['get', 'pod', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): pods "nope" not found');
  });

  it('prints pod logs', async () => {
    const logs = await kubectl(alice, ['logs', 'web-0']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('line one\nline two\n');
    const other = await kubectl(alice, ['logs', 'db-0']);
    expect(other.stdout).toContain('db-0/db: ready');
  });

  it('runs exec for real: output and exit code pass through, stdin reaches the command', async () => {
    const r = await kubectl(alice, ['exec', 'web-0', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toContain('oops\n');
    expect(r.code).toBe(3);

    const ok = await kubectl(alice, ['exec', 'web-0', '--', 'echo', 'hello', 'world']);
    expect(ok).toMatchObject({ code: 0, stdout: 'hello world\n' });

    const cat = await kubectl(alice, ['exec', '-i', 'web-0', '--', 'cat'], 'from stdin\nline 2\n');
    expect(cat).toMatchObject({ code: 0, stdout: 'from stdin\nline 2\n' });
  });

  it('runs exec with a TTY when kubectl has one (-it under a pseudo-terminal)', async () => {
    const cmd = [
      KUBECTL,
      '--kubeconfig',
      alice,
      '--cache-dir',
      path.join(work, 'cache'),
      'exec',
      '-it',
      'web-0',
      '--',
      'sh',
      '-c',
      'test -t 0 && echo stdin-is-a-tty; exit 4',
    ]
      .map(shellQuote)
      .join(' ');
    const r = await new Promise<Run>((resolve, reject) => {
      // util-linux script gives kubectl a terminal, and -e returns kubectl's exit status.
      const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
        env: { PATH: process.env.PATH ?? '', HOME: work },
      });
      let stdout = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr: '' }));
      child.stdin.end();
    });
    expect(r.stdout).toContain('stdin-is-a-tty');
    expect(r.code).toBe(4);
  });

  it('records the exec session as upstream records kube sessions, and tshjs play replays it', async () => {
    const listing = () => (fs.existsSync(cluster.recordingsDir) ? fs.readdirSync(cluster.recordingsDir) : []);
    const before = new Set(listing());
    const r = await kubectl(alice, ['exec', 'web-0', '--', 'sh', '-c', 'echo recorded-output']);
    expect(r.code).toBe(0);
    let file = '';
    let events: OneOf[] = [];
    for (let i = 0; i < 100 && !events.some((e) => e.Event?.$case === 'SessionEnd'); i++) {
      await new Promise((res) => setTimeout(res, 50));
      const fresh = listing().filter((f) => !before.has(f));
      if (!fresh.length) continue;
      file = path.join(cluster.recordingsDir, fresh[0]!);
      events = [];
      try {
        for await (const ev of new RecordingReader(fs.createReadStream(file))) events.push(ev);
      } catch {
        events = [];
      }
    }
    expect(events.map((e) => e.Event?.$case)).toEqual(['SessionStart', 'SessionPrint', 'SessionEnd']);
    const start = events[0]!.Event!.value as SessionStart;
    expect(start.Metadata).toMatchObject({ Type: 'session.start', Code: 'T2000I', ClusterName: CLUSTER });
    expect(start.Connection?.Protocol).toBe('kube');
    expect(start.User?.User).toBe('alice');
    expect(start.KubernetesCluster).toMatchObject({
      KubernetesCluster: 'dev-kube',
      KubernetesUsers: ['alice'],
      KubernetesLabels: { env: 'dev' },
    });
    expect(start.KubernetesCluster?.KubernetesGroups.sort()).toEqual([
      'devs',
      'system:authenticated',
      'viewers',
    ]);
    expect(start.KubernetesPod).toMatchObject({
      KubernetesPodName: 'web-0',
      KubernetesPodNamespace: 'default',
      KubernetesContainerName: 'web',
    });
    expect(start.InitialCommand).toEqual(['sh', '-c', 'echo recorded-output']);
    const end = events[2]!.Event!.value as SessionEnd;
    expect(end).toMatchObject({ Interactive: false, Participants: ['alice'] });
    expect(end.Metadata?.Type).toBe('session.end');

    const home = tempHome();
    const play = await tshjs(['play', file, '--speed', '8'], { home });
    expect(play.stdout).toContain('recorded-output');

    // tshjs recordings ls: Type kube, Target the kube cluster.
    expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
    const ls = await tshjs(['recordings', 'ls'], { home });
    expect(ls.code).toBe(0);
    const sid = path.basename(file, '.tar');
    expect(ls.stdout).toMatch(new RegExp(`${sid}\\s+kube\\s+alice\\s+dev-kube\\s`));
  });

  it('refuses what the roles do not allow, as kubectl shows it', async () => {
    // Impersonating a group the roles do not grant.
    const g = await kubectl(alice, ['get', 'pods', '--as', 'alice', '--as-group', 'system:masters']);
    expect(g.code).toBe(1);
    expect(g.stderr).toContain(
      'Error from server (Forbidden): impersonation request has been denied, group header "system:masters" value is not allowed in roles',
    );
    const u = await kubectl(alice, ['get', 'pods', '--as', 'root']);
    expect(u.stderr).toContain(
      'Error from server (Forbidden): impersonation request has been denied, user header "root" is not allowed in roles',
    );
    // An allowed group impersonation goes through.
    const ok = await kubectl(alice, ['get', 'pods', '--as', 'alice', '--as-group', 'viewers']);
    expect(ok.code).toBe(0);

    // A kube cluster a deny rule's labels match.
    const dave = await kubeconfig('dave', 'dave', 'prod-kube');
    const denied = await kubectl(dave, ['get', 'pods']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(
      'Error from server (Forbidden): kubernetes cluster "prod-kube" not found',
    );

    // No role's kubernetes_labels match: no Kubernetes principals at all (upstream's NotFound).
    const erinProd = await kubeconfig('erin-prod', 'erin', 'prod-kube');
    const none = await kubectl(erinProd, ['get', 'ns']);
    expect(none.code).toBe(1);
    // (kubectl words a NotFound on a list as "Unable to list …".)
    expect(none.stderr).toContain(
      `Error from server (NotFound): Unable to list "/v1, Resource=namespaces": Your user's Teleport role does not allow Kubernetes access.`,
    );

    // kubernetes_resources: web-* pods only; others are hidden from lists and refused by name.
    const erin = await kubeconfig('erin', 'erin', 'dev-kube');
    const list = await kubectl(erin, ['get', 'pods']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('web-0');
    expect(list.stdout).not.toContain('db-0');
    const db = await kubectl(erin, ['exec', 'db-0', '--', 'true']);
    expect(db.code).toBe(1);
    expect(db.stderr).toContain(
      'Error from server (Forbidden): pods "db-0" is forbidden: User "erin" cannot get resource "pods" in API group "" in the namespace "default"',
    );
  });

  it('refuses a certificate for an unknown kube cluster', async () => {
    const cfg = await kubeconfig('ghost', 'alice', 'ghost-kube');
    const r = await kubectl(cfg, ['get', 'pods']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Error from server (NotFound): Unable to list "/v1, Resource=pods": cluster "ghost-kube" not found',
    );
  });
});
