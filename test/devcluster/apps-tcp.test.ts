// TCP apps over ALPN teleport-tcp and teleport-tcp-ping on the dev cluster's web port, with real
// echo servers: single-port and multi-port apps, target ports, refusals.
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
import type { TeleportClient } from '../../src/client/teleport.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { PingFrameDecoder, encodeFrame } from '../../src/wire/pingconn.js';
import { startCluster } from '../helpers/cluster.js';
import { appCert, closeServer, login, splitAddr, startEchoApp, type AppCert } from './apps-helpers.js';

const CLUSTER = 'test.localhost';

function dial(cluster: DevCluster, cert: AppCert | undefined, alpn: string): Promise<tls.TLSSocket> {
  const [host, port] = splitAddr(cluster.proxyAddr);
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host,
      port,
      servername: 'localhost',
      cert: cert?.certPem,
      key: cert?.keyPem,
      rejectUnauthorized: false,
      ALPNProtocols: [alpn],
    });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `text` and reads until `want` bytes arrived (or the connection closed). */
function roundTrip(s: tls.TLSSocket, text: string, want: number, ping = false): Promise<string> {
  return new Promise((resolve) => {
    const decoder = new PingFrameDecoder();
    let got = '';
    const done = () => {
      s.off('data', onData);
      resolve(got);
    };
    const onData = (d: Buffer) => {
      for (const piece of ping ? decoder.push(d) : [d]) got += piece.toString();
      if (got.length >= want) done();
    };
    s.on('data', onData);
    s.once('close', done);
    s.write(ping ? encodeFrame(Buffer.from(text)) : text);
  });
}

describe('app service: TCP apps', () => {
  let cluster: DevCluster;
  let echo1: Awaited<ReturnType<typeof startEchoApp>>;
  let echo2: Awaited<ReturnType<typeof startEchoApp>>;
  let alice: TeleportClient;

  beforeAll(async () => {
    [echo1, echo2] = await Promise.all([startEchoApp(), startEchoApp()]);
    cluster = await startCluster({
      users: [{ name: 'alice', password: 'alice-pw', roles: ['apps'] }],
      roles: [{ name: 'apps', logins: [], node_labels: {}, app_labels: { '*': '*' } }],
      apps: [
        { name: 'echo', uri: `tcp://127.0.0.1:${echo1.port}`, labels: {} },
        {
          name: 'multi',
          uri: 'tcp://127.0.0.1',
          tcp_ports: [{ port: echo1.port }, { port: echo2.port }],
          labels: {},
        },
      ],
    });
    alice = await login(cluster, 'alice');
  }, 60_000);

  afterAll(async () => {
    alice?.close();
    await cluster?.stop();
    await Promise.all([closeServer(echo1?.server), closeServer(echo2?.server)]);
  });

  it('relays a teleport-tcp connection to the app', async () => {
    const c = await appCert(alice, { Name: 'echo' }, CLUSTER);
    const s = await dial(cluster, c, 'teleport-tcp');
    expect(s.alpnProtocol).toBe('teleport-tcp');
    const want = `${echo1.port}:hello`;
    expect(await roundTrip(s, 'hello', want.length)).toBe(want);
    s.destroy();
  });

  it('relays a teleport-tcp-ping connection with framing', async () => {
    const c = await appCert(alice, { Name: 'echo' }, CLUSTER);
    const s = await dial(cluster, c, 'teleport-tcp-ping');
    expect(s.alpnProtocol).toBe('teleport-tcp-ping');
    const want = `${echo1.port}:framed`;
    expect(await roundTrip(s, 'framed', want.length, true)).toBe(want);
    s.destroy();
  });

  it('dials the target port of a multi-port app, else its first port', async () => {
    const c2 = await appCert(alice, { Name: 'multi', TargetPort: echo2.port }, CLUSTER);
    const sid = decodeTlsIdentity(c2.certPem).routeToApp!.sessionId;
    expect(cluster.appService.sessions.get(sid)?.targetPort).toBe(echo2.port);
    const s2 = await dial(cluster, c2, 'teleport-tcp');
    expect(await roundTrip(s2, 'x', `${echo2.port}:x`.length)).toBe(`${echo2.port}:x`);
    s2.destroy();
    const c1 = await appCert(alice, { Name: 'multi' }, CLUSTER);
    const s1 = await dial(cluster, c1, 'teleport-tcp');
    expect(await roundTrip(s1, 'y', `${echo1.port}:y`.length)).toBe(`${echo1.port}:y`);
    s1.destroy();
  });

  it('refuses target ports the app does not have at certificate issue', async () => {
    await expect(appCert(alice, { Name: 'multi', TargetPort: 1 }, CLUSTER)).rejects.toThrow(
      /port 1 is not included in target ports of app "multi"; valid ports: /,
    );
    await expect(appCert(alice, { Name: 'echo', TargetPort: 1 }, CLUSTER)).rejects.toThrow(
      /cannot specify target port 1 because app "echo" does not provide access to multiple ports/,
    );
  });

  it('closes teleport-tcp connections without an app certificate', async () => {
    const s = await dial(cluster, undefined, 'teleport-tcp');
    expect(await roundTrip(s, 'hello', 1)).toBe('');
  });
});
