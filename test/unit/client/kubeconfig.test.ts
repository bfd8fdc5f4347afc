import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyKubeconfigValues,
  currentNamespace,
  executeContextTemplate,
  kubeTlsServerName,
  kubeconfigPath,
  parseKubeconfig,
  removeFromKubeconfigFile,
  removeTeleportCluster,
  selectedKubeClusterOf,
  updateKubeconfigFile,
  type KubeconfigValues,
} from '../../../src/client/kubeconfig.js';

const USER_CONFIG = `# my config: keep this comment
apiVersion: v1
clusters:
- cluster:
    server: https://other:6443 # and this one
    x-unknown-field: 1
  name: other
contexts:
- context:
    cluster: other
    user: other-user
  name: other-ctx
current-context: other-ctx
kind: Config
preferences: {}
users:
- name: other-user
  user:
    token: abc
`;

const values = (o: Partial<KubeconfigValues> = {}): KubeconfigValues => ({
  teleportCluster: 'test.localhost',
  clusterAddr: 'https://127.0.0.1:3080',
  caPem: '-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n',
  tlsServerName: 'kube-teleport-proxy-alpn.teleport.cluster.local',
  proxyAddr: '127.0.0.1:3080',
  exec: { command: '/usr/bin/tshjs' },
  kubeClusters: ['dev'],
  selectCluster: 'dev',
  ...o,
});

const str = (d: ReturnType<typeof parseKubeconfig>) => d.toString({ lineWidth: 0, indentSeq: false });

describe('kubeconfig merging', () => {
  it('writes upstream entries into an empty kubeconfig', () => {
    const doc = parseKubeconfig('', 'x');
    applyKubeconfigValues(
      doc,
      values({ exec: { command: '/b/tshjs', insecure: true, env: { TELEPORT_HOME: '/h' } } }),
    );
    const out = parseKubeconfig(str(doc), 'x').toJS();
    expect(out.clusters).toEqual([
      {
        cluster: {
          'certificate-authority-data': Buffer.from(values().caPem).toString('base64'),
          server: 'https://127.0.0.1:3080',
          'tls-server-name': 'kube-teleport-proxy-alpn.teleport.cluster.local',
        },
        name: 'test.localhost',
      },
    ]);
    expect(out.users[0].name).toBe('test.localhost-dev');
    expect(out.users[0].user.exec).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      args: [
        'kube',
        'credentials',
        '--kube-cluster=dev',
        '--teleport-cluster=test.localhost',
        '--proxy=127.0.0.1:3080',
        '--insecure',
      ],
      command: '/b/tshjs',
      env: [{ name: 'TELEPORT_HOME', value: '/h' }],
      provideClusterInfo: false,
    });
    expect(out.contexts).toEqual([
      {
        context: {
          cluster: 'test.localhost',
          extensions: [{ extension: 'dev', name: 'teleport.kube.name' }],
          user: 'test.localhost-dev',
        },
        name: 'test.localhost-dev',
      },
    ]);
    expect(out['current-context']).toBe('test.localhost-dev');
    expect(Object.keys(out)).toEqual([
      'apiVersion',
      'clusters',
      'contexts',
      'current-context',
      'kind',
      'preferences',
      'users',
    ]);
  });

  it('keeps other entries and comments byte-for-byte, and logout restores the file', () => {
    const doc = parseKubeconfig(USER_CONFIG, 'x');
    applyKubeconfigValues(
      doc,
      values({
        kubeClusters: ['dev', 'prod'],
        namespace: 'ns1',
        impersonate: 'bob',
        impersonateGroups: ['g1'],
      }),
    );
    const text = str(doc);
    expect(text.startsWith('# my config: keep this comment\n')).toBe(true);
    expect(text).toContain('    server: https://other:6443 # and this one\n    x-unknown-field: 1\n');
    const js = parseKubeconfig(text, 'x').toJS();
    expect(js['current-context']).toBe('test.localhost-dev');
    expect(js.contexts[0].context.extensions).toEqual([{ extension: null, name: 'teleport-prev-selec-ctx' }]);
    expect(js.contexts[1].context.namespace).toBe('ns1');
    expect(js.users[1].user.as).toBe('bob');
    expect(js.users[1].user['as-groups']).toEqual(['g1']);
    const again = parseKubeconfig(text, 'x');
    expect(removeTeleportCluster(again, 'test.localhost')).toBe(true);
    expect(str(again)).toBe(USER_CONFIG);
  });

  it('login twice replaces entries in place; a context keeps its namespace', () => {
    const doc = parseKubeconfig(USER_CONFIG, 'x');
    applyKubeconfigValues(doc, values({ namespace: 'keep' }));
    applyKubeconfigValues(doc, values());
    const js = parseKubeconfig(str(doc), 'x').toJS();
    expect(js.contexts.map((c: { name: string }) => c.name)).toEqual(['other-ctx', 'test.localhost-dev']);
    expect(js.contexts[1].context.namespace).toBe('keep');
    expect(js.clusters).toHaveLength(2);
    expect(selectedKubeClusterOf(doc, 'test.localhost')).toBe('dev');
  });

  it('--set-context-name templates', () => {
    expect(executeContextTemplate('{{.KubeName}}', 'c', 'k')).toBe('k');
    expect(executeContextTemplate('x-{{ .ClusterName }}-{{.KubeName}}', 'c', 'k')).toBe('x-c-k');
    expect(() => executeContextTemplate('{{.Nope}}', 'c', 'k')).toThrow(/context override template/);
    const doc = parseKubeconfig('', 'x');
    applyKubeconfigValues(doc, values({ contextTemplate: 'my-{{.KubeName}}' }));
    const js = doc.toJS();
    expect(js.contexts[0].name).toBe('my-dev');
    expect(js.contexts[0].context.user).toBe('test.localhost-dev');
    expect(js['current-context']).toBe('my-dev');
    expect(selectedKubeClusterOf(doc, 'test.localhost')).toBe('dev');
  });

  it('refuses a kubeconfig that does not parse, with one line', () => {
    expect(() => parseKubeconfig('clusters: [\n  - a: b\n foo', '/k')).toThrow(
      /^failed to parse existing kubeconfig "\/k"/,
    );
    expect(() => parseKubeconfig('- a\n- b\n', '/k')).toThrow(/not a YAML mapping/);
  });

  it('files: never writes a file that does not parse; logout writes nothing when nothing is ours', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kc-'));
    const f = path.join(dir, 'config');
    fs.writeFileSync(f, 'a: [\n');
    expect(() => updateKubeconfigFile(f, values())).toThrow(/failed to parse/);
    expect(fs.readFileSync(f, 'utf8')).toBe('a: [\n');
    fs.writeFileSync(f, USER_CONFIG, { mode: 0o644 });
    expect(removeFromKubeconfigFile(f, 'test.localhost')).toBe(false);
    updateKubeconfigFile(f, values());
    expect(fs.statSync(f).mode & 0o777).toBe(0o644);
    expect(removeFromKubeconfigFile(f, 'test.localhost', 'https://127.0.0.1:3080')).toBe(true);
    expect(fs.readFileSync(f, 'utf8')).toBe(USER_CONFIG);
    const nf = path.join(dir, 'sub', 'new');
    updateKubeconfigFile(nf, values());
    expect(fs.statSync(nf).mode & 0o777).toBe(0o600);
  });

  it('paths and server names', () => {
    expect(kubeconfigPath({ KUBECONFIG: `/a${path.delimiter}/b`, HOME: '/h' })).toBe('/a');
    expect(kubeconfigPath({ HOME: '/h' })).toBe('/h/.kube/config');
    expect(kubeTlsServerName('proxy.example.com')).toBe('kube-teleport-proxy-alpn.proxy.example.com');
    expect(kubeTlsServerName('127.0.0.1')).toBe('kube-teleport-proxy-alpn.teleport.cluster.local');
    expect(kubeTlsServerName('localhost')).toBe('kube-teleport-proxy-alpn.teleport.cluster.local');
  });

  it('currentNamespace: the current context namespace, as kube exec defaults to it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubens-'));
    const file = path.join(dir, 'config');
    fs.writeFileSync(
      file,
      USER_CONFIG.replace('    user: other-user\n', '    user: other-user\n    namespace: tools\n'),
    );
    expect(currentNamespace(file)).toBe('tools');
    fs.writeFileSync(file, USER_CONFIG);
    expect(currentNamespace(file)).toBe('');
    expect(currentNamespace(path.join(dir, 'missing'))).toBe('');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
