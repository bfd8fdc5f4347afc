// Proxies without TransportService.ProxySSH: tshjs falls back to SSH to the proxy and the
// `proxy:<host>:<port>@<cluster>` subsystem — inside TLS with ALPN teleport-proxy-ssh on the web
// port (TLS routing), or on the proxy SSH port (separate ports).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProxySubsystem } from '../../src/devcluster/proxysshserver.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs, tshjsProcess } from '../helpers/cluster.js';

describe('proxy subsystem request parsing', () => {
  it('accepts the upstream forms', () => {
    expect(parseProxySubsystem('proxy:web:22')).toEqual({ host: 'web', port: '22', cluster: '' });
    expect(parseProxySubsystem('proxy:web:0@leaf')).toEqual({ host: 'web', port: '0', cluster: 'leaf' });
    expect(parseProxySubsystem('proxy:web:0@default@leaf')).toEqual({
      host: 'web',
      port: '0',
      cluster: 'leaf',
    });
    expect(parseProxySubsystem('proxy:@root')).toEqual({ host: '', port: '', cluster: 'root' });
    expect(parseProxySubsystem('proxy:[::1]:22@c')).toEqual({ host: '::1', port: '22', cluster: 'c' });
    expect(() => parseProxySubsystem('nope:web:22')).toThrow(
      'invalid format for proxy request: "nope:web:22", expected \'proxy:host:port@cluster\'',
    );
    expect(() => parseProxySubsystem('proxy:web')).toThrow(/invalid format/);
  });
});

for (const tlsRouting of [true, false]) {
  describe(`legacy proxy SSH path (tls_routing: ${tlsRouting})`, () => {
    let cluster: DevCluster;
    let home: string;

    beforeAll(async () => {
      cluster = await startCluster({
        tls_routing: tlsRouting,
        grpc_proxy_ssh: false,
        users: [{ name: 'alice', password: 'alice-pw', roles: ['access'] }],
        roles: [{ name: 'access', logins: ['root'], node_labels: { '*': '*' } }],
        nodes: [{ name: 'old-1', labels: {} }],
      });
      home = tempHome();
      expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
    });
    afterAll(async () => {
      await cluster.stop();
      fs.rmSync(home, { recursive: true, force: true });
    });

    it('tshjs ssh reaches the node', async () => {
      const r = await tshjsProcess(['ssh', 'root@old-1', 'echo legacy; exit 2'], { home });
      expect(r.stdout).toBe('legacy\n');
      expect(r.code).toBe(2);
    });

    it('an unknown node is one clear line', async () => {
      const r = await tshjsProcess(['ssh', 'root@ghost', 'true'], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^ERROR: target host ghost is offline or does not exist/);
    });

    it('OpenSSH through tshjs config (proxy ssh falls back too)', async () => {
      const cfg = path.join(home, 'ssh_config');
      fs.writeFileSync(cfg, (await tshjs(['config'], { home })).stdout);
      const r = await new Promise<{ code: number; out: string }>((resolve) => {
        const c = spawn('ssh', ['-F', cfg, '-o', 'BatchMode=yes', 'root@old-1.test.localhost', 'echo ok'], {
          env: { PATH: process.env.PATH ?? '', HOME: home, TELEPORT_HOME: home },
        });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.stdin.end();
        c.on('close', (code) => resolve({ code: code ?? -1, out }));
      });
      expect(r).toEqual({ code: 0, out: 'ok\n' });
    });
  });
}
