// The kube local proxy's server names (lib/srv/alpnproxy/common/kube.go): hex of the kube name's
// UTF-8 bytes, a dot, the Teleport cluster; and the SNI sent to the Teleport proxy.
import { describe, expect, it } from 'vitest';
import {
  kubeClusterFromSNI,
  kubeLocalProxySNI,
  kubeLocalProxyWildcardDomain,
  kubeTlsServerName,
  teleportClusterFromSNI,
} from '../../../src/proxy/kubesni.js';

describe('kube local proxy SNI', () => {
  it('hex-encodes the kube name byte by byte, so its dots do not reach the DNS name', () => {
    expect(kubeLocalProxySNI('test.localhost', 'dev-kube')).toBe('6465762d6b756265.test.localhost');
    const sni = kubeLocalProxySNI('teleport.example.com', 'prod.eu-west.k8s');
    expect(sni).toBe(`${Buffer.from('prod.eu-west.k8s').toString('hex')}.teleport.example.com`);
    expect(sni.split('.')[0]).toMatch(/^[0-9a-f]+$/);
    // Non-ASCII names: their UTF-8 bytes, lowercase hex.
    expect(kubeLocalProxySNI('c', 'ö')).toBe('c3b6.c');
    expect(kubeLocalProxySNI('c', '')).toBe('.c');
  });

  it('decodes the kube and Teleport cluster back, splitting on the first dot', () => {
    for (const [tc, kube] of [
      ['test.localhost', 'dev-kube'],
      ['a.b.c', 'x.y.z'],
      ['root', 'ö.ü'],
    ] as const) {
      const sni = kubeLocalProxySNI(tc, kube);
      expect(teleportClusterFromSNI(sni)).toBe(tc);
      expect(kubeClusterFromSNI(sni)).toBe(kube);
    }
    expect(teleportClusterFromSNI('nodots')).toBe('');
    expect(kubeClusterFromSNI('6B756265.c')).toBe('kube'); // uppercase hex decodes too
  });

  it('refuses a first label that is not hex (odd length, other letters)', () => {
    expect(kubeClusterFromSNI('abc.cluster')).toBeUndefined();
    expect(kubeClusterFromSNI('zz.cluster')).toBeUndefined();
    expect(kubeClusterFromSNI('dev-kube.cluster')).toBeUndefined();
  });

  it('the local CA covers every kube cluster of a Teleport cluster with one wildcard', () => {
    expect(kubeLocalProxyWildcardDomain('test.localhost')).toBe('*.test.localhost');
  });

  it('sends kube-teleport-proxy-alpn.<host> upstream, or the API domain for IPs and localhost', () => {
    expect(kubeTlsServerName('proxy.example.com')).toBe('kube-teleport-proxy-alpn.proxy.example.com');
    expect(kubeTlsServerName('127.0.0.1')).toBe('kube-teleport-proxy-alpn.teleport.cluster.local');
    expect(kubeTlsServerName('::1')).toBe('kube-teleport-proxy-alpn.teleport.cluster.local');
    expect(kubeTlsServerName('[::1]')).toBe('kube-teleport-proxy-alpn.teleport.cluster.local');
    expect(kubeTlsServerName('localhost')).toBe('kube-teleport-proxy-alpn.teleport.cluster.local');
    expect(kubeTlsServerName('')).toBe('kube-teleport-proxy-alpn.teleport.cluster.local');
  });
});
