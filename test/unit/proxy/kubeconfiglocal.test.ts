// The ephemeral kubeconfig of proxy kube (lib/kube/kubeconfig/localproxy.go): built from the
// default kubeconfig, Teleport entries replaced, other entries kept; and the clusters `kube login`
// left in the default kubeconfig.
import { describe, expect, it } from 'vitest';
import {
  checkContextOverrideTemplate,
  contextNameFromTemplate,
  createLocalProxyConfig,
  localProxyClustersFromDefaultConfig,
} from '../../../src/proxy/kubeconfiglocal.js';

const ADDR = 'https://proxy.example.com:443';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A default kubeconfig as `tsh kube login` leaves it, plus a user's own cluster. */
function defaultConfig() {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'example',
        cluster: { server: ADDR, 'tls-server-name': 'kube-teleport-proxy-alpn.proxy.example.com' },
      },
      { name: 'minikube', cluster: { server: 'https://192.168.49.2:8443', 'x-unknown': 1 } },
    ],
    users: [
      { name: 'example-dev', user: { exec: { command: 'tsh' }, as: 'alice', 'as-groups': ['devs'] } },
      { name: 'minikube', user: { token: 't' } },
    ],
    contexts: [
      {
        name: 'example-dev',
        context: {
          cluster: 'example',
          user: 'example-dev',
          namespace: 'apps',
          extensions: [{ name: 'teleport.kube.name', extension: 'dev' }],
        },
      },
      { name: 'minikube', context: { cluster: 'minikube', user: 'minikube' } },
    ],
    'current-context': 'example-dev',
  };
}

describe('proxy kube ephemeral kubeconfig', () => {
  it('finds the kube clusters kube login wrote (server = the Teleport kube address)', () => {
    expect(localProxyClustersFromDefaultConfig(defaultConfig(), ADDR)).toEqual([
      {
        teleportCluster: 'example',
        kubeCluster: 'dev',
        namespace: 'apps',
        impersonate: 'alice',
        impersonateGroups: ['devs'],
      },
    ]);
    expect(localProxyClustersFromDefaultConfig(defaultConfig(), 'https://other:443')).toEqual([]);
    expect(localProxyClustersFromDefaultConfig(undefined, ADDR)).toEqual([]);
  });

  it('replaces the Teleport entries, keeps the others, and points each context at the local proxy', () => {
    const original = defaultConfig();
    const doc = createLocalProxyConfig(original, {
      teleportKubeClusterAddr: ADDR,
      localProxyURL: 'http://127.0.0.1:8443',
      localProxyCAs: new Map([['example', 'CA PEM']]),
      clientKeyPem: 'KEY PEM',
      clusters: [
        {
          teleportCluster: 'example',
          kubeCluster: 'a.b',
          impersonate: 'bob',
          impersonateGroups: ['g'],
          namespace: 'ns',
        },
        { teleportCluster: 'example', kubeCluster: 'dev' },
      ],
      contextName: (tc, kube) => `${tc}-${kube}`,
    });
    // The original is not modified.
    expect(original).toEqual(defaultConfig());
    // Sorted by name, as clientcmd writes them.
    expect((doc.clusters as { name: string }[]).map((c) => c.name)).toEqual([
      'example-a.b',
      'example-dev',
      'minikube',
    ]);
    expect((doc.users as { name: string }[]).map((c) => c.name)).toEqual([
      'example-a.b',
      'example-dev',
      'minikube',
    ]);
    expect((doc.clusters as unknown[])[2]).toEqual(defaultConfig().clusters[1]);
    expect((doc.users as unknown[])[2]).toEqual(defaultConfig().users[1]);
    expect((doc.clusters as unknown[])[0]).toEqual({
      name: 'example-a.b',
      cluster: {
        'certificate-authority-data': b64('CA PEM'),
        'proxy-url': 'http://127.0.0.1:8443',
        server: ADDR,
        'tls-server-name': `${Buffer.from('a.b').toString('hex')}.example`,
      },
    });
    expect((doc.users as unknown[])[0]).toEqual({
      name: 'example-a.b',
      user: {
        'client-certificate-data': b64('CA PEM'),
        'client-key-data': b64('KEY PEM'),
        as: 'bob',
        'as-groups': ['g'],
      },
    });
    expect((doc.contexts as unknown[]).slice(0, 2)).toEqual([
      { name: 'example-a.b', context: { cluster: 'example-a.b', user: 'example-a.b', namespace: 'ns' } },
      { name: 'example-dev', context: { cluster: 'example-dev', user: 'example-dev' } },
    ]);
    // The previous current context's name is kept when it is among the new ones.
    expect(doc['current-context']).toBe('example-dev');
  });

  it('selects the first context when the previous one is not among them', () => {
    const doc = createLocalProxyConfig(undefined, {
      teleportKubeClusterAddr: ADDR,
      localProxyURL: 'http://127.0.0.1:1',
      localProxyCAs: new Map([['c', 'x']]),
      clientKeyPem: 'k',
      clusters: [
        { teleportCluster: 'c', kubeCluster: 'one' },
        { teleportCluster: 'c', kubeCluster: 'two' },
      ],
      contextName: (tc, kube) => `${tc}-${kube}`,
    });
    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': 'c-one' });
  });

  it('context names from --set-context-name templates', () => {
    expect(contextNameFromTemplate('{{.ClusterName}}-{{.KubeName}}', 'c', 'k')).toBe('c-k');
    expect(contextNameFromTemplate('kube-{{ .KubeName }}', 'c', 'k')).toBe('kube-k');
    expect(contextNameFromTemplate('', 'c', 'k')).toBe('c-k');
    expect(() => contextNameFromTemplate('{{.Nope}}', 'c', 'k')).toThrow(
      /failed to parse context override template/,
    );
    expect(() => checkContextOverrideTemplate('fixed')).toThrow(/not allowed/);
    expect(() => checkContextOverrideTemplate('{{.ClusterName}}-{{.KubeName}}')).not.toThrow();
  });
});
