// `tshjs daemon start` end to end, as Teleport Connect drives it: the real daemon process (node
// bin/tshjs.js, TELEPORT_HOME in a temp dir) on a unix socket, called only through the independent
// test client (test/daemon/client.ts: its own proto text from upstream's field numbers). Against one
// dev cluster with a real PostgreSQL and a real RDP desktop (FreeRDP shadow server on Xvfb): add the
// cluster, log in, list resources, a database gateway used by the real psql, a desktop session that
// gets frames (the test writes TDP as Connect does), an access request approved by another user
// and assumed, log out; then per-session MFA for a desktop answered (and cancelled) through the
// app's PromptMFA, and desktop streams that fail (bad requests, an unknown desktop) without
// harming the daemon or another session.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { status, type StatusObject } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import { loadOrCreateAuthority } from '../../src/devcluster/authority.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { textKeyEvents } from '../../src/tdp/scancodes.js';
import { decodeMessage } from '../../src/wire/tdp/parser.js';
import { serialize } from '../../src/wire/tdp/serializer.js';
import type { TdpKind, TdpMessage } from '../../src/wire/tdp/messages.js';
import { startCluster, TOTP_SECRET, TSHJS_BIN, tempHome, tshjs } from '../helpers/cluster.js';
import { postgresMissing, startPostgresForCluster, type Postgres } from '../helpers/postgres.js';
import { rdpMissing, startRdpServer, type RdpServer } from '../helpers/rdp.js';
import {
  DaemonClient,
  startEventsServer,
  type ConnectToDesktopRequest,
  type EventsServer,
  type Gateway,
  type PromptMfaRequest,
} from '../daemon/client.js';

const missing = rdpMissing() ?? postgresMissing();
if (missing) console.warn(`skipping the daemon end-to-end test: ${missing}`);

/** What Connect's TDP client reads as a frame: a PNG or an RDP fast-path update. */
const FRAME_KINDS = new Set<TdpKind>(['pngFrame', 'png2Frame', 'rdpFastPathPdu']);

/** The real daemon process. */
class Daemon {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(home: string, socket: string, certsDir: string) {
    this.child = spawn(
      process.execPath,
      [
        TSHJS_BIN,
        'daemon',
        'start',
        `--addr=unix://${socket}`,
        `--certs-dir=${certsDir}`,
        '--insecure',
        '--debug',
      ],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TELEPORT_HOME: home } },
    );
    this.child.stdout.on('data', (c: Buffer) => (this.stdout += c));
    this.child.stderr.on('data', (c: Buffer) => (this.stderr += c));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Resolves once the socket answers a call (the daemon listens). */
  async ready(client: DaemonClient): Promise<void> {
    const until = Date.now() + 20_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`daemon exited: ${this.stderr}`);
      try {
        await client.call('ListRootClusters', {}, 2_000);
        return;
      } catch (err) {
        if (Date.now() > until) throw new Error(`daemon did not answer: ${String(err)}\n${this.stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** A ConnectToDesktop stream as Connect's TDP client uses it: the messages it got, in order. */
interface DesktopStream {
  messages: TdpMessage[];
  /** Resolves with the first frame message. */
  frame: Promise<TdpMessage>;
  /** The stream's final status (code and details). */
  status: Promise<{ code: number; details: string }>;
  /** Whether the status carried Connect's re-login hint (the is-resolvable-with-relogin trailer). */
  relogin: Promise<boolean>;
  send(msg: TdpMessage): void;
  end(): void;
}

function openDesktop(client: DaemonClient, desktopUri: string, login: string): DesktopStream {
  const s = client.connectToDesktop();
  const messages: TdpMessage[] = [];
  let gotFrame!: (m: TdpMessage) => void;
  let failed!: (e: Error) => void;
  const frame = new Promise<TdpMessage>((resolve, reject) => {
    gotFrame = resolve;
    failed = reject;
  });
  frame.catch(() => undefined);
  const end = new Promise<StatusObject>((resolve) =>
    s.on('status', (x: StatusObject) => {
      failed(new Error(`the stream ended before a frame: ${x.code} ${x.details}`));
      resolve(x);
    }),
  );
  s.on('error', () => undefined); // the status says it
  s.on('data', (r: { data: Buffer }) => {
    const m = decodeMessage(r.data); // one whole TDP message per response
    messages.push(m);
    if (FRAME_KINDS.has(m.kind)) gotFrame(m);
  });
  s.write({ targetDesktop: { desktopUri, login } });
  // Connect's TdpClient.connect: the screen spec, then the keyboard layout (the daemon sent the username).
  s.write({ data: serialize({ kind: 'clientScreenSpec', width: 1024, height: 768 }) });
  s.write({ data: serialize({ kind: 'clientKeyboardLayout', keyboardLayout: 0 }) });
  return {
    messages,
    frame,
    status: end.then((x) => ({ code: x.code, details: x.details })),
    relogin: end.then((x) => x.metadata.get('is-resolvable-with-relogin')[0] === '1'),
    send: (msg) => s.write({ data: serialize(msg) }),
    end: () => s.end(),
  };
}

/** Writes `requests` on a fresh ConnectToDesktop stream (then half-closes it); resolves with its status. */
function rawDesktop(
  client: DaemonClient,
  requests: ConnectToDesktopRequest[],
): Promise<{ code: number; details: string }> {
  const s = client.connectToDesktop();
  s.on('error', () => undefined);
  s.on('data', () => undefined);
  const st = new Promise<{ code: number; details: string }>((resolve) =>
    s.on('status', (x: { code: number; details: string }) => resolve({ code: x.code, details: x.details })),
  );
  for (const r of requests) s.write(r);
  return st;
}

/** Waits for a file the shell in the desktop's xterm writes (typing is asynchronous). */
async function fileText(file: string, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      if (text.endsWith('\n')) return text;
    }
    if (Date.now() > until) throw new Error(`${file} was not written`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the gateway's CLI command as the app would (path, args after the program, env), plus `extra`. */
function runCli(g: Gateway, extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = g.gatewayCliCommand!;
  const env = Object.fromEntries(c.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  return new Promise((resolve, reject) => {
    const child = spawn(c.path, [...c.args.slice(1), ...extra], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe.skipIf(missing)('tshjs daemon end to end through an independent gRPC client', () => {
  let rdp: RdpServer;
  let pg: Postgres;
  let cluster: DevCluster;
  let dataDir: string;
  let daemon: Daemon;
  let client: DaemonClient;
  let events: EventsServer;
  let dir: string;
  let bobHome: string;
  let clusterUri: string;
  const mfaPrompts: PromptMfaRequest[] = [];
  let cancelMfa = false;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-daemon-e2e-'));
    dataDir = path.join(dir, 'cluster');
    fs.mkdirSync(dataDir);
    const authority = await loadOrCreateAuthority(dataDir, 'test.localhost', 'balanced-v1');
    [rdp, pg] = await Promise.all([
      startRdpServer(),
      startPostgresForCluster(authority, { users: ['alice'] }),
    ]);
    const desk = {
      logins: ['alice'],
      node_labels: {},
      windows_desktop_labels: { env: 'dev' },
      windows_desktop_logins: ['alice'],
    };
    cluster = await startCluster(
      {
        // OTP answers per-session MFA only before v18 (reissue.ts); the app's PromptMFA returns a TOTP code.
        server_version: '17.5.0',
        second_factor: 'otp',
        users: [
          {
            name: 'alice',
            password: 'alice-pw',
            totp_secret: TOTP_SECRET,
            roles: ['desk', 'dbaccess', 'requester'],
          },
          { name: 'bob', password: 'bob-pw', totp_secret: TOTP_SECRET, roles: ['reviewer'] },
          { name: 'mia', password: 'mia-pw', totp_secret: TOTP_SECRET, roles: ['desk-mfa'] },
        ],
        roles: [
          { name: 'desk', ...desk },
          { name: 'desk-mfa', ...desk, require_session_mfa: true },
          {
            name: 'dbaccess',
            logins: [],
            node_labels: {},
            db_labels: { '*': '*' },
            db_users: ['alice'],
            db_names: ['postgres'],
          },
          {
            name: 'requester',
            logins: ['alice'],
            node_labels: {},
            request: { roles: ['prod-access'], suggested_reviewers: ['bob'] },
          },
          { name: 'reviewer', logins: ['bob'], node_labels: {}, review_requests: { roles: ['prod-access'] } },
          { name: 'prod-access', logins: ['root'], node_labels: { env: 'prod' } },
        ],
        databases: [
          { name: 'pg', protocol: 'postgres', uri: `127.0.0.1:${pg.port}`, labels: { env: 'dev' } },
        ],
        desktops: [
          {
            name: 'shadow',
            addr: `127.0.0.1:${rdp.port}`,
            labels: { env: 'dev' },
            rdp_fingerprint256: rdp.fingerprint256,
          },
        ],
      },
      dataDir,
    );
    bobHome = tempHome();
    const r = await tshjs(['login', `--proxy=${cluster.proxyAddr}`, '--user=bob', '--insecure'], {
      home: bobHome,
      stdin: `bob-pw\n${totp(TOTP_SECRET)}\n`,
    });
    expect(r.code, r.stderr).toBe(0);

    const home = path.join(dir, 'home');
    const certs = path.join(dir, 'certs');
    fs.mkdirSync(home);
    fs.mkdirSync(certs);
    const sockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshd-'));
    daemon = new Daemon(home, path.join(sockDir, 'tshd.sock'), certs);
    client = new DaemonClient(path.join(sockDir, 'tshd.sock'));
    await daemon.ready(client);
    // The app's events service, first of all (upstream: before any other RPC).
    events = await startEventsServer(path.join(dir, 'events.sock'), {
      promptMfa: async (req) => {
        mfaPrompts.push(req);
        // The user closing Connect's MFA modal: the app answers Aborted.
        if (cancelMfa) throw Object.assign(new Error('user closed the modal'), { code: status.ABORTED });
        return totp(TOTP_SECRET);
      },
    });
    await client.call('UpdateTshdEventsServerAddress', { address: events.address });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    const code = await daemon?.stop();
    if (code !== 0 && daemon) console.warn(`daemon exited with ${code}: ${daemon.stderr}`);
    await events?.close();
    await cluster?.stop();
    await Promise.all([rdp?.stop(), pg?.stop()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const desktopUri = () => `${clusterUri}/windows_desktops/shadow`;

  it('AddCluster adds the dev cluster (no login yet) and ListRootClusters lists it', async () => {
    const c = await client.call('AddCluster', { name: cluster.proxyAddr });
    const host = cluster.proxyAddr.replace(/:\d+$/, '');
    clusterUri = `/clusters/${host}`;
    expect(c).toMatchObject({ uri: clusterUri, proxyHost: cluster.proxyAddr, connected: false, leaf: false });
    const { clusters } = await client.call('ListRootClusters', {});
    expect(clusters.map((x) => x.uri)).toEqual([clusterUri]);
  });

  it('Login with a local user, password and OTP: the cluster is connected as alice', async () => {
    await client.call('Login', {
      clusterUri,
      local: { user: 'alice', password: 'alice-pw', token: totp(TOTP_SECRET) },
    });
    const c = await client.call('GetCluster', { clusterUri });
    expect(c.connected).toBe(true);
    expect(c.name).toBe('test.localhost');
    expect(c.loggedInUser).toMatchObject({ name: 'alice', userType: 'USER_TYPE_LOCAL' });
    expect(c.loggedInUser!.roles.sort()).toEqual(['dbaccess', 'desk', 'requester']);
  });

  it('ListUnifiedResources lists the database and the desktop with their URIs', async () => {
    const { resources } = await client.call('ListUnifiedResources', {
      clusterUri,
      kinds: ['db', 'windows_desktop'],
      limit: 50,
      sortBy: { isDesc: false, field: 'name' },
    });
    const db = resources.find((r) => r.resource === 'database')?.database;
    expect(db).toMatchObject({ uri: `${clusterUri}/dbs/pg`, name: 'pg', protocol: 'postgres' });
    const desk = resources.find((r) => r.resource === 'windowsDesktop')?.windowsDesktop;
    expect(desk).toMatchObject({ uri: desktopUri(), name: 'shadow', logins: ['alice'] });
    expect(desk!.labels).toContainEqual({ name: 'env', value: 'dev' });
  });

  it('CreateGateway for the database: the real psql runs through it with the command it names', async () => {
    const g = await client.call('CreateGateway', {
      targetUri: `${clusterUri}/dbs/pg`,
      targetUser: 'alice',
      targetSubresourceName: 'postgres',
    });
    expect(g).toMatchObject({ targetUri: `${clusterUri}/dbs/pg`, targetUser: 'alice', targetName: 'pg' });
    expect(g.uri).toMatch(/^\/gateways\/[0-9a-f-]{36}$/);
    expect(g.gatewayCliCommand!.args[0]).toBe('psql');
    const r = await runCli(g, ['-At', '-c', 'SELECT current_user, current_database()']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('alice|postgres\n');
    expect((await client.call('ListGateways', {})).gateways.map((x) => x.uri)).toEqual([g.uri]);
    await client.call('RemoveGateway', { gatewayUri: g.uri });
    expect((await client.call('ListGateways', {})).gateways).toEqual([]);
  });

  it('ConnectToDesktop: the daemon relays TDP both ways, one message per response: the screen arrives, typing works', async () => {
    const d = openDesktop(client, desktopUri(), 'alice');
    const frame = await d.frame;
    expect(FRAME_KINDS.has(frame.kind)).toBe(true);
    // The service's first answer is the activation (the username came from the daemon).
    expect(d.messages[0]).toMatchObject({
      kind: 'connectionActivated',
      screenWidth: 1024,
      screenHeight: 768,
    });
    // Input goes through too: typed into the desktop's xterm (no window manager: focus follows the
    // pointer), the shell there writes the file.
    const area = rdp.xtermArea;
    d.send({ kind: 'mouseMove', x: area.x + 50, y: area.y + 50 });
    for (const k of textKeyEvents('echo daemon-$((2+3)) > daemon.txt\n')) {
      d.send({ kind: 'keyboardButton', keyCode: k.scancode, pressed: k.pressed });
    }
    expect(await fileText(path.join(rdp.dir, 'daemon.txt'))).toBe('daemon-5\n');
    // The app closing its side ends the stream with OK.
    d.end();
    expect(await d.status).toMatchObject({ code: status.OK });
  });

  it('a bad first request ends the stream with upstream status and text', async () => {
    expect(await rawDesktop(client, [{ targetDesktop: { desktopUri: desktopUri(), login: '' } }])).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'first message must contain a target desktop',
    });
    expect(await rawDesktop(client, [{ data: serialize({ kind: 'mouseMove', x: 1, y: 1 }) }])).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'first message must contain a target desktop',
    });
    const withData = { targetDesktop: { desktopUri: desktopUri(), login: 'alice' }, data: Buffer.from([1]) };
    expect(await rawDesktop(client, [withData])).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'first message must not contain data',
    });
    expect(
      await rawDesktop(client, [{ targetDesktop: { desktopUri: '/gateways/x', login: 'alice' } }]),
    ).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'missing root cluster name',
    });
    const notDesktop = `${clusterUri}/dbs/pg`;
    expect(await rawDesktop(client, [{ targetDesktop: { desktopUri: notDesktop, login: 'alice' } }])).toEqual(
      {
        code: status.INVALID_ARGUMENT,
        details: `invalid desktop URI "${notDesktop}"`,
      },
    );
  });

  it('later requests are checked as upstream does: a second target, undecodable data, file system answers', async () => {
    const target = { targetDesktop: { desktopUri: desktopUri(), login: 'alice' } };
    const spec = { data: serialize({ kind: 'clientScreenSpec', width: 800, height: 600 }) };
    expect(await rawDesktop(client, [target, spec, target])).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'target desktop can be send only in the first message',
    });
    const bad = await rawDesktop(client, [target, spec, { data: Buffer.from([0xfe, 0, 0]) }]);
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.details).toMatch(/^could not decode desktop message: /);
    const fsAnswer = {
      data: serialize({ kind: 'sharedDirectoryDeleteResponse', completionId: 1, errCode: 0 }),
    };
    expect(await rawDesktop(client, [target, spec, fsAnswer])).toEqual({
      code: status.PERMISSION_DENIED,
      details: 'disallowed desktop message: file system messages are not allowed from the renderer process',
    });
  });

  it('an unknown desktop fails its stream alone: a session beside it and the daemon go on', async () => {
    const ok = openDesktop(client, desktopUri(), 'alice');
    const gone = openDesktop(client, `${clusterUri}/windows_desktops/nope`, 'alice');
    expect(await gone.status).toEqual({
      code: status.NOT_FOUND,
      details:
        'desktop "nope" not found: cannot connect to Windows Desktop Service: no Windows desktops were found',
    });
    await ok.frame;
    ok.end();
    expect((await ok.status).code).toBe(status.OK);
    expect(daemon.child.exitCode).toBeNull();
    expect((await client.call('ListRootClusters', {})).clusters).toHaveLength(1);
  });

  it('CreateAccessRequest, approved by bob with the CLI, then AssumeRole gives alice the role', async () => {
    const { request } = await client.call('CreateAccessRequest', {
      rootClusterUri: clusterUri,
      roles: ['prod-access'],
      reason: 'on call',
      suggestedReviewers: ['bob'],
    });
    expect(request).toMatchObject({ user: 'alice', roles: ['prod-access'], state: 'PENDING' });
    const id = request!.id;
    const listed = await client.call('GetAccessRequests', { clusterUri });
    expect(listed.requests.map((x) => x.id)).toContain(id);

    const r = await tshjs(['request', 'review', '--approve', '--reason=ok', id], { home: bobHome });
    expect(r.code, r.stderr).toBe(0);

    await client.call('AssumeRole', { rootClusterUri: clusterUri, accessRequestIds: [id] });
    const c = await client.call('GetCluster', { clusterUri });
    expect(c.loggedInUser!.roles).toContain('prod-access');
    expect(c.loggedInUser!.activeRequests).toEqual([id]);
  });

  it('Logout: the cluster stays listed, not connected; a desktop then asks the app to log in again', async () => {
    await client.call('Logout', { clusterUri });
    const { clusters } = await client.call('ListRootClusters', {});
    expect(clusters).toHaveLength(1);
    expect(clusters[0]).toMatchObject({ uri: clusterUri, connected: false });
    const d = openDesktop(client, desktopUri(), 'alice');
    expect((await d.status).code).not.toBe(status.OK);
    expect(await d.relogin).toBe(true);
  });

  it('per-session MFA for a desktop goes to the app as PromptMFA; its TOTP answer opens the session', async () => {
    await client.call('Login', {
      clusterUri,
      local: { user: 'mia', password: 'mia-pw', token: totp(TOTP_SECRET) },
    });
    const before = mfaPrompts.length;
    const d = openDesktop(client, desktopUri(), 'alice');
    await d.frame;
    expect(mfaPrompts.slice(before)).toEqual([
      {
        reason: 'MFA is required to access Windows desktop "shadow"',
        totp: true,
        webauthn: false,
        clusterUri,
      },
    ]);
    d.end();
    expect((await d.status).code).toBe(status.OK);
  });

  it('a cancelled MFA prompt ends that stream with Aborted', async () => {
    cancelMfa = true;
    try {
      const d = openDesktop(client, desktopUri(), 'alice');
      expect(await d.status).toEqual({ code: status.ABORTED, details: 'MFA prompt was cancelled' });
    } finally {
      cancelMfa = false;
    }
    await client.call('Logout', { clusterUri, removeProfile: true });
    expect((await client.call('ListRootClusters', {})).clusters).toEqual([]);
  });
});
