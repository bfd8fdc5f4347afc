// The ALPN dialer against the dev cluster's router: the right ALPN, CA, SNI and client cert
// get through; each wrong one fails loudly with one clear error.
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClient } from '../../src/client/cluster.js';
import { authAlpn, decodeClusterName, encodeClusterName } from '../../src/wire/alpn.js';
import { AlpnChannelCredentials } from '../../src/wire/alpncredentials.js';
import { loadClientIdentity, type ClientIdentity } from '../../src/client/identity.js';
import { AuthServiceClient } from '../../src/gen/teleport/legacy/client/proto/authservice.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';
import { TELEPORT_COMPAT_VERSION } from '../../src/version.js';

function ping(id: ClientIdentity, creds: AlpnChannelCredentials): Promise<string> {
  const c = new AuthServiceClient(id.webProxyAddr, creds);
  return new Promise((resolve, reject) => {
    c.ping({}, { deadline: new Date(Date.now() + 5000) } as never, (err, res) => {
      c.close();
      if (err) reject(err);
      else resolve(res.ClusterName);
    });
  });
}

describe('ALPN dialer', () => {
  let cluster: DevCluster;
  let other: DevCluster;
  let id: ClientIdentity;
  let home: string;

  beforeAll(async () => {
    cluster = await startCluster();
    other = await startCluster({ cluster_name: 'other.localhost' });
    home = tempHome();
    expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
    id = loadClientIdentity({ home: home });
  });
  afterAll(async () => {
    await cluster.stop();
    await other.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const good = () => ({
    alpn: [authAlpn('test.localhost'), 'h2'],
    servername: encodeClusterName(id.rootCluster),
    ca: id.trustedCAs,
    cert: id.tlsCertPem,
    key: id.tlsKeyPem,
    rejectUnauthorized: true,
  });

  it('encodes cluster names as upstream (hex + .teleport.cluster.local)', () => {
    expect(encodeClusterName('root')).toBe('726f6f74.teleport.cluster.local');
    expect(authAlpn('leaf')).toBe('teleport-auth@6c656166.teleport.cluster.local');
    expect(decodeClusterName('726f6f74.teleport.cluster.local')).toBe('root');
    expect(decodeClusterName('teleport.cluster.local')).toBeUndefined();
  });

  it('reaches the Auth service with the right ALPN, CA, SNI and client cert', async () => {
    expect(await ping(id, new AlpnChannelCredentials(good()))).toBe('test.localhost');
  });

  it('the proxy gRPC service names its cluster in its certificate', async () => {
    const cc = new ClusterClient(id);
    const res = await cc.call(cc.transport, cc.transport.getClusterDetails, {}, 'details');
    cc.close();
    expect(res.details?.fipsEnabled).toBe(false);
    expect(cc.proxyClusterName).toBe('test.localhost');
  });

  it('fails with a wrong CA', async () => {
    await expect(
      ping(id, new AlpnChannelCredentials({ ...good(), ca: [other.authority.hostTLS.certPem] })),
    ).rejects.toThrow(/certificate|UNAVAILABLE/i);
  });

  it('fails with a wrong SNI', async () => {
    await expect(
      ping(id, new AlpnChannelCredentials({ ...good(), servername: 'example.com' })),
    ).rejects.toThrow(/altname|does not match|UNAVAILABLE/i);
  });

  it('fails with a wrong ALPN (plain h2 is not routed to Auth)', async () => {
    await expect(ping(id, new AlpnChannelCredentials({ ...good(), alpn: ['h2'] }))).rejects.toThrow(
      /UNAVAILABLE|alpn|protocol/i,
    );
  });

  it('fails for a cluster the proxy does not serve', async () => {
    await expect(
      ping(id, new AlpnChannelCredentials({ ...good(), alpn: [authAlpn('nope'), 'h2'] })),
    ).rejects.toThrow(/UNAVAILABLE/);
  });

  it('fails without a client certificate', async () => {
    await expect(
      ping(id, new AlpnChannelCredentials({ ...good(), cert: undefined, key: undefined })),
    ).rejects.toThrow(/UNAVAILABLE|certificate|alert/i);
  });

  it('fails with a user cert from another cluster', async () => {
    const h = tempHome();
    expect((await tshjs(loginArgs(other, 'alice'), { home: h, stdin: 'alice-pw\n' })).code).toBe(0);
    const otherId = loadClientIdentity({ home: h });
    await expect(
      ping(id, new AlpnChannelCredentials({ ...good(), cert: otherId.tlsCertPem, key: otherId.tlsKeyPem })),
    ).rejects.toThrow(/UNAVAILABLE|certificate|alert/i);
  });

  it('sends the version metadata on every call', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const { DevCluster } = await import('../../src/devcluster/server.js');
    const { testConfig } = await import('../helpers/cluster.js');
    const dc = await DevCluster.start({
      config: testConfig(),
      listen: '127.0.0.1:0',
      log: (msg, f) => {
        if (msg === 'rpc') seen.push(f ?? {});
      },
    });
    const h = tempHome();
    expect((await tshjs(loginArgs(dc, 'alice'), { home: h, stdin: 'alice-pw\n' })).code).toBe(0);
    // Login asks for the user's access capabilities, as tsh's onLogin does.
    expect(seen).toEqual([
      { service: 'proto.AuthService', method: 'getAccessCapabilities', version: TELEPORT_COMPAT_VERSION },
    ]);
    seen.length = 0;
    const r = await tshjs(['ls', '-f', 'names'], { home: h });
    await dc.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toEqual({
      service: 'proto.AuthService',
      method: 'listUnifiedResources',
      version: TELEPORT_COMPAT_VERSION,
    });
  });

  it('expired credentials: one clear line asking for a new login', async () => {
    const h = tempHome();
    expect((await tshjs(loginArgs(cluster, 'alice'), { home: h, stdin: 'alice-pw\n' })).code).toBe(0);
    const realNow = Date.now;
    Date.now = () => realNow() + 13 * 3600_000;
    try {
      const r = await tshjs(['ls'], { home: h });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^ERROR: your credentials for 127\.0\.0\.1:\d+ expired at .*; run "tshjs login"\n$/,
      );
    } finally {
      Date.now = realNow;
    }
  });

  it('a CLI error for a wrong CA is one clear line', async () => {
    // Replace the stored CA with another cluster's: gRPC must refuse the proxy.
    const casDir = `${home}/keys/127.0.0.1/cas`;
    const saved = fs.readFileSync(`${casDir}/test.localhost.pem`, 'utf8');
    fs.writeFileSync(`${casDir}/test.localhost.pem`, other.authority.hostTLS.certPem);
    const r = await tshjs(['ls'], { home });
    fs.writeFileSync(`${casDir}/test.localhost.pem`, saved);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^ERROR: list resources: the cluster's TLS identity could not be verified .*\n$/,
    );
  });
});
