// One desktop session after the TLS handshake (which verified the client certificate): check its
// usage and authorize it, find the desktop named by SNI, read the hello, check per-session MFA and
// access for the Windows login, connect to the
// desktop over RDP, then relay: fast-path output to the client (TDP 29 / TDPB FastPathPDU; slow-path
// bitmap and palette updates re-framed as fast-path), the client's input as fast-path input, its
// RDP responses (frame acknowledgements, …) as raw PDUs. A server-initiated reactivation (e.g. a
// new desktop size) reaches the client as a new ConnectionActivated / ServerHello, as upstream's
// service sends one after each Deactivation-Reactivation.
// Every refusal and failure reaches the client as an error Alert with upstream's wording before
// the connection closes; nothing here may throw past runDesktopSession.
import { once } from 'node:events';
import { RdpClient, RdpConnectionError, type RdpActivation } from '../../rdp/conn/index.js';
import { PDUTYPE2_UPDATE, updateAsFastPath } from '../../rdp/conn/share.js';
import { CLIPRDR_CHANNEL } from '../../rdp/cliprdr.js';
import { CliprdrClient } from '../../rdp/cliprdr-client.js';
import type { RoleConfig } from '../config.js';
import type { Catalog, CatalogEntry } from '../resources.js';
import type { DevClusterConfig } from '../config.js';
import {
  authenticate,
  authorize,
  desktopAccessAllowed,
  sessionMfaMissing,
  type DesktopUser,
} from './access.js';
import type { DesktopConn, Received } from './conn.js';
import { readHello, type Hello } from './handshake.js';
import { InputTranslator } from './input.js';
import { DesktopRecorder } from './recording.js';
import {
  DESKTOP_SNI_SUFFIX,
  MAX_RDP_SCREEN,
  MSG_ACCESS_DENIED,
  MSG_MFA_REQUIRED,
  msgDesktopNotFound,
  msgRdpError,
  msgRdpExited,
  msgScreenTooLarge,
} from './texts.js';
import { resourceAllowed } from '../access/resources.js';

export interface SessionDeps {
  config: DevClusterConfig;
  /** The desktops (for IsMFARequired). */
  catalog: Catalog;
  serviceId: string;
  recordingsDir: () => string;
  findDesktop: (name: string) => CatalogEntry | undefined;
  /** The desktop's config entry (for rdp_fingerprint256). */
  desktopConfig: (name: string) => Record<string, unknown> | undefined;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  /** RDP timeouts (tests shorten them). */
  rdpTimeouts?: { connect?: number; phase?: number; close?: number };
}

/**
 * The role option desktop_clipboard (default true): the clipboard is shared only when no role of
 * the user turns it off, as upstream's RoleSet.DesktopClipboard decides.
 */
export function clipboardAllowed(roles: RoleConfig[]): boolean {
  return roles.every((r) => r.desktop_clipboard !== false);
}

/** Fast-path frames the service lets the server send before the client acknowledges them. */
const FRAME_ACKNOWLEDGE = 2;

/** Sends an error Alert, then closes the connection once it is written. */
function refuse(conn: DesktopConn, message: string, record?: (b: Buffer) => void): void {
  const alert = conn.alert(message);
  record?.(alert);
  conn.write(alert);
  conn.socket.end();
}

export async function runDesktopSession(
  conn: DesktopConn,
  deps: SessionDeps,
  remoteAddr: string,
): Promise<void> {
  const log = deps.log;
  const authn = authenticate(conn.socket);
  if (!authn.ok) {
    log('desktop: mTLS authentication failed', { remoteAddr });
    return refuse(conn, authn.message);
  }
  const authz = authorize(deps.config, authn.value);
  if (!authz.ok) {
    log('desktop: authorization failed', { user: authn.value.username });
    return refuse(conn, authz.message);
  }
  const sni = conn.socket.servername || '';
  const name = sni.endsWith(DESKTOP_SNI_SUFFIX) ? sni.slice(0, -DESKTOP_SNI_SUFFIX.length) : sni;
  const desktop = deps.findDesktop(name);
  if (!desktop) {
    log('desktop: not found', { name });
    return refuse(conn, msgDesktopNotFound(name));
  }
  const recorder = new DesktopRecorder(
    deps.recordingsDir(),
    {
      clusterName: deps.config.cluster_name,
      user: authz.value.identity.username,
      roles: authz.value.identity.groups,
      serviceId: deps.serviceId,
      desktopName: desktop.metadataName,
      desktopAddr: desktop.addr ?? '',
      domain: String(deps.desktopConfig(name)?.domain ?? ''),
      labels: desktop.labels,
      remoteAddr,
      dialect: conn.dialect,
    },
    (err) => log('desktop: recording failed', { level: 'error', error: err.message }),
  );
  try {
    await session(conn, deps, authz.value, desktop, recorder);
  } finally {
    await recorder.close();
  }
}

/** What a recording keeps of the client's messages (upstream's receive hook). */
function recordable(r: Received): boolean {
  return r.msg.kind === 'screenSpec' || r.msg.kind === 'mouseMove' || r.msg.kind === 'mouseButton';
}

async function session(
  conn: DesktopConn,
  deps: SessionDeps,
  who: DesktopUser,
  desktop: CatalogEntry,
  recorder: DesktopRecorder,
): Promise<void> {
  const log = deps.log;
  const record = (b: Buffer) => recorder.message(b);
  let hello: Hello | null;
  try {
    hello = await readHello(conn, (r) => recordable(r) && record(r.encoded()));
  } catch (err) {
    return refuse(conn, (err as Error).message, record);
  }
  if (!hello) return;
  const login = hello.username;
  // Upstream checks MFA inside checkAccess: the cluster-wide setting before any rule, a role's
  // once it grants the access (a denied login is denied, whatever the MFA).
  if (sessionMfaMissing(deps.config, deps.catalog, who, desktop.metadataName, login)) {
    log('desktop: per-session MFA required', { user: who.identity.username, login, desktop: desktop.name });
    recorder.start(login, MSG_MFA_REQUIRED);
    return refuse(conn, MSG_MFA_REQUIRED, record);
  }
  if (
    !desktopAccessAllowed(who.roles, who.identity.traits, desktop.labels, login) ||
    !resourceAllowed(
      who.identity.allowedResourceIds,
      deps.config.cluster_name,
      'windows_desktop',
      desktop.metadataName,
    )
  ) {
    log('desktop: access denied', { user: who.identity.username, login, desktop: desktop.name });
    recorder.start(login, MSG_ACCESS_DENIED);
    return refuse(conn, MSG_ACCESS_DENIED, record);
  }
  const scale = hello.scale > 100 ? hello.scale : 100;
  const width = Math.floor((hello.width * scale) / 100);
  const height = Math.floor((hello.height * scale) / 100);
  if (width > MAX_RDP_SCREEN || height > MAX_RDP_SCREEN) {
    recorder.start(login, msgScreenTooLarge(width, height));
    return refuse(conn, msgScreenTooLarge(width, height), record);
  }
  recorder.start(login);

  const [host, portText] = splitAddr(desktop.addr ?? '');
  const fingerprint = deps.desktopConfig(desktop.name)?.rdp_fingerprint256;
  const clipboard = clipboardAllowed(who.roles);
  // Dev cluster only: a password for RDP servers that log on automatically and license any
  // client (xrdp's autorun); upstream's service logs on with a smart card certificate instead.
  const password = deps.desktopConfig(desktop.name)?.rdp_password;
  const rdp = new RdpClient({
    host,
    port: Number(portText) || 3389,
    username: login,
    password: typeof password === 'string' ? password : undefined,
    answerLicenseRequest: typeof password === 'string',
    width: width || undefined,
    height: height || undefined,
    keyboardLayout: hello.keyboardLayout || undefined,
    serverCertificate: typeof fingerprint === 'string' ? { fingerprint256: fingerprint } : { insecure: true },
    codecs: 'remotefx',
    frameAcknowledge: FRAME_ACKNOWLEDGE,
    channels: clipboard ? [CLIPRDR_CHANNEL] : [],
    timeouts: deps.rdpTimeouts,
    log: (line) => log(`desktop rdp: ${line}`, { desktop: desktop.name }),
  });
  // The client going away cancels a connection attempt still under way.
  const onClose = () => void rdp.close();
  conn.socket.once('close', onClose);
  try {
    await rdp.start();
  } catch (err) {
    conn.socket.off('close', onClose);
    const why = err instanceof RdpConnectionError ? err.message : String((err as Error)?.message ?? err);
    log('desktop: RDP connection failed', { desktop: desktop.name, error: why });
    refuse(conn, msgRdpError(why), record);
    await recorder.end();
    return;
  }
  conn.socket.off('close', onClose);
  try {
    await relay(conn, rdp, recorder, hello.pending, log, clipboard);
  } finally {
    await rdp.close();
    await recorder.end();
  }
}

function splitAddr(addr: string): [string, string] {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]+):(\d+)$/.exec(addr);
  return m ? [m[1], m[2]] : [addr, '3389'];
}

async function relay(
  conn: DesktopConn,
  rdp: RdpClient,
  recorder: DesktopRecorder,
  pending: Received | undefined,
  log: SessionDeps['log'],
  clipboard: boolean,
): Promise<void> {
  let done = false;
  // Backpressure both ways: a slow client or a slow recording holds the RDP output back (the
  // RDP client then stops reading its socket).
  const send = async (bytes: Buffer, recorded: boolean) => {
    const caughtUp = recorded ? recorder.message(bytes) : true;
    if (!conn.write(bytes)) await conn.drained();
    if (!caughtUp) await once(recorder, 'drain');
  };
  const activated = (a: RdpActivation) =>
    send(
      conn.activated(
        {
          ioChannelId: a.ioChannelId,
          userChannelId: a.userChannelId,
          width: a.width,
          height: a.height,
        },
        clipboard,
      ),
      true,
    );

  // The clipboard channel (text only): what the desktop copied goes to the client as UTF-8
  // ClipboardData, never into the recording (only its length, as an audit event).
  const copied: string[] = [];
  const cliprdr = clipboard
    ? new CliprdrClient({
        onRemoteText: (text) => copied.push(text),
        log: (line) => log(`desktop rdp: ${line}`),
      })
    : undefined;
  const toChannel = (chunks: Buffer[]) => {
    for (const c of chunks) rdp.sendChannel(CLIPRDR_CHANNEL, c);
  };
  const channelData = async (data: Buffer) => {
    try {
      toChannel(cliprdr!.receive(data));
    } catch (err) {
      log('desktop rdp: clipboard channel error', { error: (err as Error).message });
      return;
    }
    for (const text of copied.splice(0)) {
      const bytes = Buffer.from(text, 'utf8');
      recorder.clipboard('receive', bytes.length);
      await send(conn.clipboard(bytes), false);
    }
  };

  // Slow-path bitmaps (xrdp draws only with them) go to the client as fast-path; upstream's
  // client forwards fast-path only, which is all a Windows server sends.
  const slowPath = async (pduType2: number, body: Buffer) => {
    if (pduType2 !== PDUTYPE2_UPDATE) return;
    for (const pdu of updateAsFastPath(body) ?? []) await send(conn.fastPath(pdu), true);
  };

  // Server → client.
  const output = (async () => {
    await activated(rdp.activation!);
    try {
      for await (const ev of rdp) {
        if (ev.type === 'fastpath') await send(conn.fastPath(ev.pdu), true);
        else if (ev.type === 'slowpath') await slowPath(ev.pduType2, ev.body);
        else if (ev.type === 'deactivated') log('desktop rdp: deactivated, waiting for the reactivation');
        else if (ev.type === 'activated') {
          log('desktop rdp: reactivated', { width: ev.activation.width, height: ev.activation.height });
          await activated(ev.activation);
        } else if (ev.type === 'channel' && ev.name === CLIPRDR_CHANNEL && cliprdr)
          await channelData(ev.data);
        else if (ev.type === 'disconnected') {
          if (!done) await send(conn.alert(msgRdpExited(ev.reason)), true);
        } else if (ev.type === 'error-info') log('desktop rdp: error info', { text: ev.text });
      }
    } catch (err) {
      if (!done) await send(conn.alert(msgRdpError((err as Error).message)), true);
    }
  })();

  // Client → server.
  const translator = new InputTranslator();
  const handle = async (r: Received, recorded = false) => {
    const m = r.msg;
    if (!recorded && recordable(r)) recorder.message(r.encoded());
    if (m.kind === 'rdpResponse') rdp.sendRaw(m.data);
    else if (m.kind === 'ping') await send(conn.ping(m.uuid), false);
    else if (m.kind === 'screenSpec') log('desktop: screen size change ignored (no display control channel)');
    else if (m.kind === 'clipboard') {
      if (!cliprdr) log('desktop: clipboard data ignored (clipboard sharing is disabled)');
      else {
        recorder.clipboard('send', m.data.length);
        toChannel(cliprdr.setLocalText(m.data.toString('utf8')));
      }
    } else {
      const events = translator.translate(m);
      if (events.length) rdp.sendInput(events);
    }
  };
  const input = (async () => {
    try {
      if (pending) await handle(pending, true); // recorded while the hello was read
      for (;;) {
        const r = await conn.next();
        if (!r) break;
        await handle(r);
      }
    } catch (err) {
      log('desktop: client protocol error', { error: (err as Error).message });
      if (!done) conn.write(conn.alert((err as Error).message));
    }
  })();

  await Promise.race([output, input]);
  done = true;
  conn.socket.end();
  await rdp.close();
  await Promise.allSettled([output, input]);
}
