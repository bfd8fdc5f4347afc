// The dev cluster's Windows Desktop Service behind TransportService/ProxyWindowsDesktopSession,
// against the real FreeRDP shadow server (test/helpers/rdp.ts): a client made of a grpc-js
// TransportService client, the frame duplex, node:tls and the desktop protocol codecs, with a
// user certificate issued by the cluster's own authority. Covers TDPB and legacy handshakes to
// activation and fast-path output, client certificate verification in the TLS handshake, the
// upstream refusal texts, per-session MFA, the proxy's status errors, an unreachable RDP server,
// the session recording and its listing (`tshjs recordings ls`), and `desktops[].shadow`.
import { createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, marshalTLSPrivateKey } from '../../src/auth/keygen.js';
import { AlpnChannelCredentials } from '../../src/wire/alpncredentials.js';
import { issueUserCerts } from '../../src/devcluster/certs.js';
import { accessInfo } from '../../src/devcluster/rbac.js';
import {
  MSG_ACCESS_DENIED,
  MSG_AUTHENTICATION_FAILED,
  MSG_MFA_REQUIRED,
} from '../../src/devcluster/desktop/texts.js';
import { MSG_NO_DESKTOP, MSG_NO_DIAL_TARGET, msgNoCluster } from '../../src/devcluster/transportservice.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { AlertSeverity } from '../../src/gen/teleport/desktop/v1/tdpb.js';
import {
  TransportServiceClient,
  type ProxyWindowsDesktopSessionResponse,
} from '../../src/gen/teleport/transport/v1/transport_service.js';
import { encodeFrameAcknowledge } from '../../src/rdp/share.js';
import { RecordingReader } from '../../src/recording/reader.js';
import { ALPN_PROXY_SSH_GRPC, encodeClusterName } from '../../src/wire/alpn.js';
import { frameDuplex } from '../../src/wire/framestream.js';
import { TdpParser } from '../../src/wire/tdp/parser.js';
import { serialize } from '../../src/wire/tdp/serializer.js';
import { TdpType, type TdpMessage } from '../../src/wire/tdp/messages.js';
import { encodeTdpb, tdpb, TDPB_PROTOCOL, TdpbParser, type TdpbMessage } from '../../src/wire/tdp/tdpb.js';
import { loginArgs, startCluster, tshjs } from '../helpers/cluster.js';
import { rdpMissing, startRdpServer, type RdpServer } from '../helpers/rdp.js';

const missing = rdpMissing();
if (missing) console.warn(`skipping the desktop service tests: ${missing}`);

type Msg = { dialect: 'tdpb'; m: TdpbMessage } | { dialect: 'tdp'; m: TdpMessage };

/** A desktop session as a client sees it: the TLS socket and the messages it has received. */
interface Client {
  socket: tls.TLSSocket;
  dialect: 'tdpb' | 'tdp';
  next(ms?: number): Promise<Msg | null>;
  send(bytes: Buffer): void;
}

interface Creds {
  cert: string;
  key: string;
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The frame-marker-end ids in a fast-path PDU (surface commands only), to acknowledge them. */
function frameEnds(pdu: Buffer): number[] {
  const ids: number[] = [];
  let p = pdu[1] & 0x80 ? 3 : 2;
  while (p + 3 <= pdu.length) {
    const header = pdu[p++];
    if ((header >> 6) & 0x2) p++;
    const size = pdu.readUInt16LE(p);
    p += 2;
    const data = pdu.subarray(p, p + size);
    p += size;
    // Only whole (single) surface-command updates: markers sit at the start of one.
    if ((header & 0xf) !== 4 || ((header >> 4) & 0x3) !== 0) continue;
    for (let q = 0; q + 8 <= data.length;) {
      const type = data.readUInt16LE(q);
      if (type === 4) {
        if (data.readUInt16LE(q + 2) === 1) ids.push(data.readUInt32LE(q + 4));
        q += 8;
      } else if (type === 1 || type === 6) q += 22 + data.readUInt32LE(q + 18);
      else break;
    }
  }
  return ids;
}

describe.skipIf(missing)('dev cluster Windows Desktop Service', () => {
  let rdp: RdpServer;
  let cluster: DevCluster;
  let legacyOnly: DevCluster;
  let downPort: number;
  /** The session id of the first test's recording. */
  let sessionId = '';
  const creds = new Map<DevCluster, Creds>();
  const open: Client[] = [];

  const config = () => ({
    users: [
      { name: 'alice', password: 'alice-pw', roles: ['desk', 'desk-mfa'], traits: { logins: ['alice'] } },
    ],
    roles: [
      {
        name: 'desk',
        logins: ['alice'],
        node_labels: {},
        windows_desktop_labels: { env: 'dev' },
        windows_desktop_logins: ['{{internal.logins}}'],
      },
      {
        // Grants the "mfa" desktops only, after a per-session MFA ceremony.
        name: 'desk-mfa',
        logins: [],
        node_labels: {},
        windows_desktop_labels: { env: 'mfa' },
        windows_desktop_logins: ['{{internal.logins}}'],
        require_session_mfa: true,
      },
    ],
    desktops: [
      {
        name: 'win-1',
        addr: `127.0.0.1:${rdp.port}`,
        labels: { env: 'dev' },
        rdp_fingerprint256: rdp.fingerprint256,
      },
      { name: 'win-prod', addr: `127.0.0.1:${rdp.port}`, labels: { env: 'prod' } },
      { name: 'win-down', addr: `127.0.0.1:${downPort}`, labels: { env: 'dev' } },
      { name: 'win-mfa', addr: `127.0.0.1:${rdp.port}`, labels: { env: 'mfa' } },
    ],
  });

  async function issue(
    c: DevCluster,
    extra: { usage?: string[]; mfaVerified?: string; now?: Date } = {},
  ): Promise<Creds> {
    const key = generateKey('ecdsa-p256');
    const user = c.config.users[0];
    const certs = await issueUserCerts(c.authority, {
      username: user.name,
      access: accessInfo(c.config, user),
      tlsPublicKey: createPublicKey(key),
      ttlMs: 3600_000,
      ...extra,
    });
    return { cert: certs.tls!, key: marshalTLSPrivateKey(key) };
  }

  beforeAll(async () => {
    rdp = await startRdpServer();
    downPort = await closedPort();
    cluster = await startCluster(config());
    legacyOnly = await startCluster({ ...config(), windows_desktop_service: { tdpb: false } });
    creds.set(cluster, await issue(cluster));
    creds.set(legacyOnly, await issue(legacyOnly));
  }, 30_000);
  afterAll(async () => {
    for (const c of open) c.socket.destroy();
    await cluster?.stop();
    await legacyOnly?.stop();
    await rdp?.stop();
  });

  function transport(c: DevCluster): TransportServiceClient {
    const cr = creds.get(c)!;
    return new TransportServiceClient(
      c.proxyAddr,
      new AlpnChannelCredentials({
        alpn: [ALPN_PROXY_SSH_GRPC, 'h2'],
        servername: encodeClusterName(c.config.cluster_name),
        ca: [c.authority.hostTLS.certPem],
        cert: cr.cert,
        key: cr.key,
        rejectUnauthorized: true,
      }),
    );
  }

  /** Opens ProxyWindowsDesktopSession; `first` is the first request. */
  function stream(c: DevCluster, first: object) {
    const call = transport(c).proxyWindowsDesktopSession();
    const failed = new Promise<{ code: number; details: string }>((resolve) => call.on('error', resolve));
    call.write({ data: Buffer.alloc(0), ...first } as never);
    const duplex: Duplex = frameDuplex(
      call,
      (data) => ({ data, dialTarget: undefined }),
      (m: ProxyWindowsDesktopSessionResponse) => m.data,
    );
    duplex.on('error', () => {});
    return { call, duplex, failed };
  }

  async function connect(
    c: DevCluster,
    desktop: string,
    opts: { alpn?: boolean; sni?: string; creds?: Creds } = {},
  ): Promise<Client> {
    const socket = dialDesktop(c, desktop, { ...opts, creds: opts.creds ?? creds.get(c)! });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', () => {});
    const dialect = socket.alpnProtocol === TDPB_PROTOCOL ? 'tdpb' : 'tdp';
    const legacy = new TdpParser();
    const modern = new TdpbParser();
    const queue: Msg[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    socket.on('data', (chunk: Buffer) => {
      if (dialect === 'tdp') for (const m of legacy.parse(chunk)) queue.push({ dialect, m });
      else for (const m of modern.parse(chunk)) queue.push({ dialect, m });
      wake?.();
    });
    const onEnd = () => {
      ended = true;
      wake?.();
    };
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    const client: Client = {
      socket,
      dialect,
      async next(ms = 15_000) {
        const until = Date.now() + ms;
        while (!queue.length && !ended && Date.now() < until) {
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, Math.max(0, until - Date.now()));
          });
        }
        return queue.shift() ?? null;
      },
      send: (b) => socket.write(b),
    };
    open.push(client);
    return client;
  }

  /** The client TLS over ProxyWindowsDesktopSession; `creds: null` offers no certificate. */
  function dialDesktop(
    c: DevCluster,
    desktop: string,
    opts: { alpn?: boolean; sni?: string; creds: Creds | null },
  ): tls.TLSSocket {
    const { duplex } = stream(c, { dialTarget: { desktopName: desktop, cluster: c.config.cluster_name } });
    return tls.connect({
      socket: duplex,
      servername: `${opts.sni ?? desktop}.desktop.teleport.cluster.local`,
      ca: [c.authority.hostTLS.certPem],
      ...(opts.creds ? { cert: opts.creds.cert, key: opts.creds.key } : {}),
      ALPNProtocols: opts.alpn === false ? undefined : [TDPB_PROTOCOL],
    });
  }

  /**
   * What a client sees of a connection the service refuses in TLS: the error code, if any, and
   * the bytes received before the connection ended (a hello is sent once TLS 1.3 lets it).
   */
  function tlsOutcome(socket: tls.TLSSocket): Promise<{ error?: string; bytes: number }> {
    return new Promise((resolve) => {
      let bytes = 0;
      socket.on('data', (b: Buffer) => (bytes += b.length));
      socket.once('secureConnect', () => socket.write(helloTdpb('alice')));
      socket.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message, bytes }));
      socket.on('end', () => resolve({ bytes }));
      socket.on('close', () => resolve({ bytes }));
    });
  }

  const helloTdpb = (username: string) =>
    encodeTdpb(
      tdpb('clientHello', {
        username,
        screenSpec: { width: 1024, height: 768, scale: 0 },
        keyboardLayout: 0,
      }),
    );
  const helloLegacy = (username: string) =>
    Buffer.concat([
      serialize({ kind: 'clientUsername', username }),
      serialize({ kind: 'clientScreenSpec', width: 1024, height: 768 }),
      serialize({ kind: 'clientScreenSpec', width: 1024, height: 768 }),
    ]);

  /** The text of the next message, which must be an error Alert. */
  async function alertText(cl: Client): Promise<string> {
    const msg = await cl.next();
    if (msg?.dialect === 'tdpb' && msg.m.$case === 'alert') {
      expect(msg.m.value.severity).toBe(AlertSeverity.ALERT_SEVERITY_ERROR);
      return msg.m.value.message;
    }
    if (msg?.dialect === 'tdp' && msg.m.kind === 'alert') {
      expect(msg.m.severity).toBe(2);
      return msg.m.message;
    }
    throw new Error(`expected an Alert, got ${JSON.stringify(msg)}`);
  }

  /** The events of the user's finished desktop recording and the undeclared event fields in it. */
  async function waitForRecording(c: DevCluster, user: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      for (const f of fs.readdirSync(c.recordingsDir).filter((n) => n.endsWith('.tar'))) {
        const events = [];
        const unknown: number[] = [];
        try {
          const file = fs.createReadStream(path.join(c.recordingsDir, f));
          for await (const ev of new RecordingReader(file, { onUnknown: (u) => unknown.push(u.field) }))
            events.push(ev);
        } catch {
          continue; // still being written
        }
        const start = events[0]?.Event;
        const end = events[events.length - 1]?.Event;
        if (
          start?.$case === 'WindowsDesktopSessionStart' &&
          start.value.User?.User === user &&
          end?.$case === 'WindowsDesktopSessionEnd' &&
          unknown.length === 0
        )
          return events;
      }
      if (Date.now() > deadline) throw new Error('no finished desktop recording');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('TDPB: ServerHello with the channels and size, fast-path output, acknowledged frames, ping, recording', async () => {
    const cl = await connect(cluster, 'win-1');
    expect(cl.dialect).toBe('tdpb');
    cl.send(helloTdpb('alice'));
    const first = await cl.next();
    expect(first?.dialect === 'tdpb' && first.m.$case).toBe('serverHello');
    const hello = first?.dialect === 'tdpb' && first.m.$case === 'serverHello' ? first.m.value : undefined;
    const spec = hello!.activationSpec!;
    expect(spec.ioChannelId).toBe(1003);
    expect(spec.userChannelId).toBeGreaterThan(1001);
    expect([spec.screenWidth, spec.screenHeight]).toEqual([1024, 768]);
    cl.send(encodeTdpb(tdpb('mouseMove', { x: 600, y: 100 })));
    cl.send(encodeTdpb(tdpb('ping', { uuid: Buffer.alloc(16, 7) })));
    let pdus = 0;
    let acked = 0;
    let pong = false;
    while (pdus < 3 || !pong) {
      const msg = await cl.next();
      if (!msg || msg.dialect !== 'tdpb') throw new Error(`session ended early (${pdus} PDUs)`);
      if (msg.m.$case === 'ping') pong = msg.m.value.uuid.equals(Buffer.alloc(16, 7));
      if (msg.m.$case !== 'fastPathPdu') continue;
      pdus++;
      for (const id of frameEnds(msg.m.value.pdu)) {
        const ack = encodeFrameAcknowledge(spec, id);
        cl.send(encodeTdpb(tdpb('rdpResponsePdu', { response: Buffer.from(ack) })));
        acked++;
      }
    }
    expect(acked).toBeGreaterThan(0);
    cl.socket.end();
    const events = await waitForRecording(cluster, 'alice');
    const start = events[0].Event;
    expect(start?.$case === 'WindowsDesktopSessionStart' && start.value.WindowsUser).toBe('alice');
    expect(start?.$case === 'WindowsDesktopSessionStart' && start.value.Metadata?.Code).toBe('TDP00I');
    const recorded = events.flatMap((e) => (e.Event?.$case === 'DesktopRecording' ? [e.Event.value] : []));
    expect(recorded.length).toBeGreaterThan(3);
    expect(recorded.every((r) => r.TDPBMessage.length > 0 && r.Message.length === 0)).toBe(true);
    expect(recorded[0].DelayMilliseconds).toBe(0n);
    const end = events[events.length - 1].Event;
    expect(end?.$case === 'WindowsDesktopSessionEnd' && end.value).toMatchObject({
      Metadata: { Type: 'windows.desktop.session.end', Code: 'TDP01I' },
      DesktopName: 'win-1',
      WindowsUser: 'alice',
      Recorded: true,
      Participants: ['alice'],
    });
    sessionId = start?.$case === 'WindowsDesktopSessionStart' ? start.value.Session!.SessionID : '';
  }, 40_000);

  it('recordings ls lists the desktop session to its own user (no view_all_sessions)', async () => {
    expect(sessionId).not.toBe('');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-wds-'));
    try {
      const login = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' });
      expect(login.code, login.stderr).toBe(0);
      const ls = await tshjs(['recordings', 'ls', '--format', 'json'], { home });
      expect(ls.code, ls.stderr).toBe(0);
      const items = JSON.parse(ls.stdout) as Array<Record<string, unknown>>;
      const mine = items.find((e) => e.sid === sessionId);
      expect(mine).toMatchObject({
        event: 'windows.desktop.session.end',
        code: 'TDP01I',
        user: 'alice',
        desktop_name: 'win-1',
        desktop_addr: `127.0.0.1:${rdp.port}`,
        windows_user: 'alice',
        desktop_labels: { env: 'dev' },
        recorded: true,
        participants: ['alice'],
        proto: 'tdp',
      });
      expect(Object.keys(mine!)).toEqual(
        expect.arrayContaining(['session_start', 'session_stop', 'windows_domain']),
      );
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 30_000);

  it('legacy TDP (no ALPN offered): ConnectionActivated, then RDPFastPathPDU', async () => {
    const cl = await connect(cluster, 'win-1', { alpn: false });
    expect(cl.dialect).toBe('tdp');
    cl.send(helloLegacy('alice'));
    const first = await cl.next();
    expect(first?.dialect === 'tdp' && first.m.kind).toBe('connectionActivated');
    const second = await cl.next();
    expect(second?.dialect === 'tdp' && second.m.kind).toBe('rdpFastPathPdu');
    cl.socket.end();
  }, 30_000);

  it('windows_desktop_service.tdpb: false answers a TDPB offer with legacy TDP', async () => {
    const cl = await connect(legacyOnly, 'win-1');
    expect(cl.socket.alpnProtocol).toBe(false);
    cl.send(helloLegacy('alice'));
    const first = await cl.next();
    expect(first?.dialect === 'tdp' && first.m.kind).toBe('connectionActivated');
    expect(TdpType.connectionActivated).toBe(31);
    cl.socket.end();
  }, 30_000);

  it('RBAC: a login the role does not allow is denied with upstream words', async () => {
    const cl = await connect(cluster, 'win-1');
    cl.send(helloTdpb('Administrator'));
    expect(await alertText(cl)).toBe(MSG_ACCESS_DENIED);
    expect(await cl.next(5000)).toBeNull();
  });

  it('RBAC: a desktop whose labels the role does not match is denied (legacy Alert)', async () => {
    const cl = await connect(cluster, 'win-prod', { alpn: false });
    cl.send(helloLegacy('alice'));
    expect(await alertText(cl)).toBe(
      'access to windows_desktop denied. User does not have permissions. Confirm Windows user.',
    );
  });

  it('TLS: no client certificate fails the handshake; an untrusted or expired one is dropped after it', async () => {
    // Upstream: RequireAndVerifyClientCert against the user CA (lib/service/desktop.go).
    const anon = await tlsOutcome(dialDesktop(cluster, 'win-1', { creds: null }));
    expect(anon).toEqual({ error: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', bytes: 0 });
    // Another cluster's user CA, and this cluster's certificate expired an hour ago: the
    // handshake completes (TLS 1.3: the client finishes first), then the connection just ends.
    const foreign = await tlsOutcome(dialDesktop(cluster, 'win-1', { creds: creds.get(legacyOnly)! }));
    expect(foreign).toEqual({ bytes: 0 });
    const expired = await issue(cluster, { now: new Date(Date.now() - 2 * 3600_000) });
    expect(await tlsOutcome(dialDesktop(cluster, 'win-1', { creds: expired }))).toEqual({ bytes: 0 });
    // The service keeps serving.
    const ok = await connect(cluster, 'win-1');
    ok.send(helloTdpb('alice'));
    const msg = await ok.next();
    expect(msg?.dialect === 'tdpb' && msg.m.$case).toBe('serverHello');
    ok.socket.end();
  }, 30_000);

  it('a certificate restricted to another usage, and an SNI naming no desktop, are refused with an Alert', async () => {
    const kube = await connect(cluster, 'win-1', { creds: await issue(cluster, { usage: ['usage:kube'] }) });
    expect(await alertText(kube)).toBe(MSG_AUTHENTICATION_FAILED);
    const wrong = await connect(cluster, 'win-1', { sni: 'nosuch' });
    expect(await alertText(wrong)).toBe('Could not find desktop nosuch.');
  });

  it('per-session MFA: a role with require_session_mfa needs an MFA-verified certificate', async () => {
    const plain = await connect(cluster, 'win-mfa');
    plain.send(helloTdpb('alice'));
    expect(await alertText(plain)).toBe(MSG_MFA_REQUIRED);
    expect(MSG_MFA_REQUIRED).toBe('access to resource requires MFA');
    // A login no role grants stays "denied", not "requires MFA".
    const other = await connect(cluster, 'win-mfa');
    other.send(helloTdpb('Administrator'));
    expect(await alertText(other)).toBe(MSG_ACCESS_DENIED);
    // A single-use certificate (windows_desktop usage, MFA-verified extension) is let in.
    const mfa = await issue(cluster, {
      usage: ['usage:windows_desktop'],
      mfaVerified: 'f2d3a6c2-0000-4000-a000-000000000001',
    });
    const ok = await connect(cluster, 'win-mfa', { creds: mfa });
    ok.send(helloTdpb('alice'));
    const msg = await ok.next();
    expect(msg?.dialect === 'tdpb' && msg.m.$case).toBe('serverHello');
    ok.socket.end();
  }, 30_000);

  it('an unreachable RDP server ends the session with an error Alert', async () => {
    const cl = await connect(cluster, 'win-down');
    cl.send(helloTdpb('alice'));
    expect(await alertText(cl)).toMatch(
      new RegExp(`^RDP client exited with an error: RDP server 127\\.0\\.0\\.1:${downPort} unreachable`),
    );
    expect(await cl.next(5000)).toBeNull();
  }, 30_000);

  it('the proxy: no dial_target, an unknown desktop or cluster end the stream with a status', async () => {
    const none = stream(cluster, { data: Buffer.alloc(0) });
    expect(await none.failed).toMatchObject({ code: status.INVALID_ARGUMENT, details: MSG_NO_DIAL_TARGET });
    const unknown = stream(cluster, {
      dialTarget: { desktopName: 'nosuch', cluster: cluster.config.cluster_name },
    });
    expect(await unknown.failed).toMatchObject({ code: status.NOT_FOUND, details: MSG_NO_DESKTOP });
    expect(MSG_NO_DESKTOP).toBe(
      'failed to dial target desktop\n\tcannot connect to Windows Desktop Service\n\t\tno Windows desktops were found',
    );
    const elsewhere = stream(cluster, { dialTarget: { desktopName: 'win-1', cluster: 'leaf.example' } });
    expect(await elsewhere.failed).toMatchObject({
      code: status.NOT_FOUND,
      details: msgNoCluster('leaf.example'),
    });
  });

  it('a failed session leaves the dev cluster serving', async () => {
    const cl = await connect(cluster, 'win-1', { alpn: false });
    cl.send(Buffer.from([0xfe])); // not a TDP message type
    expect(await alertText(cl)).toBe('unsupported desktop protocol message type 254');
    const again = await connect(cluster, 'win-1');
    again.send(helloTdpb('alice'));
    const msg = await again.next();
    expect(msg?.dialect === 'tdpb' && msg.m.$case).toBe('serverHello');
    again.socket.end();
  }, 30_000);

  it('desktops[].shadow: the cluster runs the desktop itself, pins its certificate and stops it', async () => {
    const own = await startCluster({
      ...config(),
      desktops: [{ name: 'win-shadow', shadow: { width: 800, height: 600 }, labels: { env: 'dev' } }],
    });
    let port = 0;
    try {
      const d = own.config.desktops[0];
      expect(d.addr).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(d.rdp_fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      port = Number(String(d.addr).split(':')[1]);
      creds.set(own, await issue(own));
      const cl = await connect(own, 'win-shadow');
      cl.send(helloTdpb('alice'));
      const first = await cl.next();
      const hello = first?.dialect === 'tdpb' && first.m.$case === 'serverHello' ? first.m.value : undefined;
      expect(hello?.activationSpec).toMatchObject({ screenWidth: 800, screenHeight: 600 });
      const second = await cl.next();
      expect(second?.dialect === 'tdpb' && second.m.$case).toBe('fastPathPdu');
      cl.socket.end();
    } finally {
      await own.stop();
    }
    const refused = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(false);
      });
      sock.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  }, 40_000);
});
