// A proxy without TLS routing: ping advertises a separate proxy port; tshjs dials the proxy's
// gRPC there and reaches Auth inside a TransportService/ProxyCluster stream, as upstream.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProfile } from '../../src/auth/profile.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

describe('separate ports (tls_routing: false)', () => {
  let cluster: DevCluster;
  let home: string;

  beforeAll(async () => {
    cluster = await startCluster({
      tls_routing: false,
      users: [{ name: 'alice', password: 'alice-pw', roles: ['access'] }],
      roles: [{ name: 'access', logins: ['root'], node_labels: { '*': '*' } }],
      nodes: [{ name: 'n1', addr: '10.1.1.1:3022', labels: { env: 'dev' } }],
    });
    home = tempHome();
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' });
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await cluster.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('the profile records the proxy port and no TLS routing', () => {
    const ready = cluster.readyInfo();
    expect(ready.ssh_proxy).toMatch(/^127\.0\.0\.1:\d+$/);
    const text = fs.readFileSync(path.join(home, '127.0.0.1.yaml'), 'utf8');
    // omitempty upstream: false is not written.
    expect(text).not.toContain('tls_routing_enabled');
    const p = decodeProfile(text);
    expect(p.tlsRoutingEnabled).toBeFalsy();
    expect(p.sshProxyAddr).toBe(ready.ssh_proxy);
    expect(p.kubeProxyAddr).toBeUndefined();
  });

  it('ls reaches Auth through ProxyCluster', async () => {
    const r = await tshjs(['ls', '-f', 'names'], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('n1\n');
  });

  it('clusters asks the proxy port', async () => {
    const r = await tshjs(['clusters', '-f', 'json'], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)[0].cluster_name).toBe('test.localhost');
  });

  it('the web port does not route Auth ALPN in this mode', async () => {
    // Pretend the profile says TLS routing: the Auth dial on the web port must fail, clearly.
    const file = path.join(home, '127.0.0.1.yaml');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(
      file,
      text.replace('missingclusterdetails', 'tls_routing_enabled: true\nmissingclusterdetails'),
    );
    const r = await tshjs(['ls'], { home });
    fs.writeFileSync(file, text);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
