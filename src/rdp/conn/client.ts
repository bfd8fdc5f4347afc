// An RDP client for one session: TCP → X.224 negotiation (TLS only) → TLS → MCS/GCC → Client
// Info → licensing → capability exchange → finalization (MS-RDPBCGR 1.3.1.1), then a stream of
// output (fast-path PDUs untouched, slow-path updates, reactivations) and methods for input,
// frame acknowledgements and display control. Every failure is an RdpConnectionError with one
// line naming the server; the connection phases each have a timeout.
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { hex } from './bytes.js';
import { clientCapabilities, readServerCapabilities, type ServerCapabilities } from './capabilities.js';
import { errorInfoIsDenial, errorInfoText } from './errinfo.js';
import { badParameter } from '../../util/errors.js';
import { RdpConnectionError, RdpPduError, type RdpFailure } from './errors.js';
import type { Frame } from './framer.js';
import { FrameSource } from './source.js';
import {
  CONNECTION_TYPE_LAN,
  KEYBOARD_TYPE_IBM_ENHANCED,
  RDP_VERSION_10_7,
  RNS_UD_16BPP_SUPPORT,
  RNS_UD_24BPP_SUPPORT,
  RNS_UD_32BPP_SUPPORT,
  RNS_UD_CS_SUPPORT_ERRINFO_PDU,
  RNS_UD_CS_VALID_CONNECTION_TYPE,
  RNS_UD_CS_WANT_32BPP_SESSION,
  CHANNEL_OPTION_INITIALIZED,
  decodeConferenceCreateResponse,
  decodeServerData,
  encodeClientClusterData,
  encodeClientCoreData,
  encodeClientNetworkData,
  encodeClientSecurityData,
  encodeConferenceCreateRequest,
  encodeUserDataBlocks,
  type ServerData,
} from './gcc.js';
import {
  encodeNewLicenseRequest,
  INFO_AUTOLOGON,
  LICENSE_REQUEST,
  SEC_LICENSE_PKT,
  ST_NO_TRANSITION,
  STATUS_VALID_CLIENT,
  decodeLicensePdu,
  defaultClientInfo,
  encodeClientInfoPdu,
  licenseErrorText,
} from './info.js';
import { encodeFastPathInput, encodeSlowPathInput, type InputEvent } from './input.js';
import {
  RN_USER_REQUESTED,
  decodeConnectResponse,
  decodeDomainPdu,
  encodeAttachUserRequest,
  encodeChannelJoinRequest,
  encodeConnectInitial,
  encodeDisconnectProviderUltimatum,
  encodeErectDomainRequest,
  encodeSendDataRequest,
  mcsReasonName,
  mcsResultName,
} from './mcs.js';
import { EventQueue } from './queue.js';
import {
  CTRLACTION_COOPERATE,
  CTRLACTION_REQUEST_CONTROL,
  PDUTYPE2_CONTROL,
  PDUTYPE2_FONTLIST,
  PDUTYPE2_FONTMAP,
  PDUTYPE2_FRAME_ACKNOWLEDGE,
  PDUTYPE2_INPUT,
  PDUTYPE2_REFRESH_RECT,
  PDUTYPE2_SET_ERROR_INFO_PDU,
  PDUTYPE2_SUPPRESS_OUTPUT,
  PDUTYPE2_SYNCHRONIZE,
  PDUTYPE_DATAPDU,
  PDUTYPE_DEACTIVATEALLPDU,
  PDUTYPE_DEMANDACTIVEPDU,
  PDUTYPE_SERVER_REDIR_PKT,
  SERVER_CHANNEL_ID,
  controlBody,
  decodeDemandActive,
  decodeErrorInfo,
  decodeShareControlPdus,
  decodeShareData,
  encodeConfirmActive,
  encodeShareData,
  fontListBody,
  frameAcknowledgeBody,
  refreshRectBody,
  suppressOutputBody,
  synchronizeBody,
  type Rect16,
} from './share.js';
import {
  PROTOCOL_SSL,
  decodeConnectionConfirm,
  decodeX224,
  encodeConnectionRequest,
  encodeX224Data,
  negotiationFailureText,
  protocolName,
} from './tpkt.js';

/** How the server's TLS certificate is checked. RDP servers almost always present a self-signed
 * certificate, so there is no CA to verify against: either pin it, or accept any certificate. */
export type ServerCertificateCheck =
  /** SHA-256 of the DER certificate, hex, colons and case ignored (as `openssl x509 -fingerprint -sha256`). */
  | { fingerprint256: string }
  /** Accept any certificate: only where the network path to the server is trusted. */
  | { insecure: true };

export interface RdpClientOptions {
  host: string;
  port?: number;
  /** An already-connected stream to speak RDP over instead of dialing host:port. */
  stream?: Duplex;
  username: string;
  domain?: string;
  /** Sent in the Client Info PDU; empty by default. */
  password?: string;
  /** The desktop size asked for; the server may choose another (see RdpActivation). */
  width?: number;
  height?: number;
  serverCertificate: ServerCertificateCheck;
  /** 'remotefx' (default) advertises RemoteFX surface bits; 'none' asks for plain bitmap updates. */
  codecs?: 'remotefx' | 'none';
  /** Advertise frame acknowledgement with this many unacknowledged frames allowed (default: off). */
  frameAcknowledge?: number;
  /** The largest fragmented fast-path update the consumer reassembles (default 8 MiB). */
  multifragMaxRequestSize?: number;
  /** Up to 15 characters (default "tshjs"). */
  clientName?: string;
  /** A Windows keyboard layout id (default 0x409, US English). */
  keyboardLayout?: number;
  /** The X.224 routing cookie ("mstshash"), for load balancers; none by default. */
  cookie?: string;
  /**
   * Answer a server's License Request with a New License Request (without a real key exchange),
   * for servers that then grant any client (xrdp); by default such a server is refused.
   */
  answerLicenseRequest?: boolean;
  /** Static virtual channels to join (at most 7 ASCII characters each); their data arrives as events. */
  channels?: string[];
  /** Milliseconds: TCP connect, each later connection phase (a reactivation too), and close()
   * waiting for the server. */
  timeouts?: { connect?: number; phase?: number; close?: number };
  /** Receives one line per connection step and per slow-path PDU (not per fast-path PDU), for --debug. */
  log?: (line: string) => void;
}

export interface RdpActivation {
  /** The desktop size the server chose. */
  width: number;
  height: number;
  ioChannelId: number;
  userChannelId: number;
  shareId: number;
  /** Whether the client may send fast-path input (else input goes slow-path). */
  fastPathInput: boolean;
  server: ServerCapabilities;
}

export type RdpEvent =
  /** A whole fast-path output PDU, header included, exactly as the server sent it. */
  | { type: 'fastpath'; pdu: Buffer }
  /** A slow-path share data PDU other than the ones the client handles itself (updates,
   * pointer, keyboard indicators, save session info, …); `raw` is its whole TPKT PDU. */
  | { type: 'slowpath'; pduType2: number; body: Buffer; raw: Buffer }
  /** The server sent Deactivate All (or a new Demand Active): output is held back until the next
   * 'activated', input is held and sent after it. */
  | { type: 'deactivated' }
  /** A reactivation finished (e.g. after a desktop resize); the output held meanwhile follows. */
  | { type: 'activated'; activation: RdpActivation }
  | { type: 'error-info'; code: number; text: string }
  | { type: 'channel'; name: string; channelId: number; data: Buffer }
  /** The server ended the session; the last event. */
  | { type: 'disconnected'; reason: string; errorInfo?: number };

const DEFAULT_TIMEOUTS = { connect: 10_000, phase: 10_000, close: 2_000 };
/** Events held for a slow consumer before the client stops reading frames. */
const EVENT_HIGH_WATER = 256;
/** Output PDUs held during a reactivation before the server counts as misbehaving. */
const MAX_HELD_OUTPUT = 4096;
/** Input events held during a reactivation; later ones are dropped (as a server drops input then). */
const MAX_HELD_INPUT = 1024;

type State = 'connecting' | 'active' | 'deactivated' | 'closing' | 'closed';

/** Connects, runs the connection sequence to activation and returns the active client. */
export async function connectRdp(options: RdpClientOptions): Promise<RdpClient> {
  const client = new RdpClient(options);
  await client.start();
  return client;
}

/** The transport closed; what that means depends on the state (see RdpClient.ended). */
class Eof extends Error {}

/** Thrown inside the client to end the connection with a given failure. */
class Stop extends Error {
  constructor(
    message: string,
    readonly failure: RdpFailure,
    readonly kind: 'connection-problem' | 'bad-tls' | 'access-denied' = 'connection-problem',
  ) {
    super(message);
  }
}

export class RdpClient implements AsyncIterable<RdpEvent> {
  /** "host:port", as messages name the server. */
  readonly target: string;
  private readonly opts: RdpClientOptions;
  private readonly timeouts: typeof DEFAULT_TIMEOUTS;
  private readonly events = new EventQueue<RdpEvent>();
  private readonly source = new FrameSource();
  private raw?: Duplex;
  private secure?: tls.TLSSocket;
  private state: State = 'connecting';
  private phase = 'TCP connect';
  private phaseTimer?: NodeJS.Timeout;
  private everActive = false;
  private onActivated?: { resolve: () => void; reject: (e: unknown) => void };
  private closedResolve!: () => void;
  /** Resolves when the connection is gone, however it ended; never rejects. */
  readonly closed: Promise<void> = new Promise((r) => (this.closedResolve = r));
  private abortReject!: (e: unknown) => void;
  private readonly aborted: Promise<never> = new Promise((_, reject) => (this.abortReject = reject));
  private finished = false;
  private readonly watched = new Set<Duplex>();
  private serverData?: ServerData;
  private userChannelId = 0;
  private channelNames = new Map<number, string>();
  private licensed = false;
  private licenseRequested = false;
  private errorInfo = 0;
  private serverDisconnect?: string;
  private current?: RdpActivation;
  /** Output and input held while deactivated (MS-RDPBCGR 1.3.1.3), released on reactivation. */
  private heldOutput: RdpEvent[] = [];
  private heldInput: InputEvent[] = [];
  private droppedInput = 0;

  constructor(options: RdpClientOptions) {
    this.opts = options;
    this.target = `${options.host}:${options.port ?? 3389}`;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.aborted.catch(() => undefined);
    const check = options.serverCertificate as
      Partial<{ fingerprint256: string; insecure: boolean }> | undefined;
    const pinned = typeof check?.fingerprint256 === 'string';
    if (pinned ? !/^([0-9a-f]{2}:?){32}$/i.test(check.fingerprint256!) : check?.insecure !== true) {
      throw badParameter(
        'RDP client: serverCertificate must be { fingerprint256: "<64 hex digits>" } or { insecure: true }',
      );
    }
  }

  /** The activation in force (undefined while deactivated or before the first activation). */
  get activation(): RdpActivation | undefined {
    return this.state === 'active' ? this.current : undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<RdpEvent> {
    return this.events;
  }

  /** Runs the connection sequence; rejects with an RdpConnectionError. Called by connectRdp. */
  async start(): Promise<void> {
    try {
      await this.sequence();
    } catch (err) {
      const e = this.toError(err);
      this.finish(e);
      throw e;
    }
  }

  // ---------------- connection sequence ----------------

  private async sequence(): Promise<void> {
    const o = this.opts;
    this.enterPhase('TCP connect', this.timeouts.connect);
    const raw = o.stream ?? (await this.race(this.dial()));
    this.raw = raw;
    this.watch(raw);
    this.source.attach(raw);

    this.enterPhase('X.224 negotiation');
    this.source.expectTpkt = (first) =>
      new Stop(
        `RDP server ${this.target} did not answer as an RDP server (reply starts with ${hex(first)}, not a TPKT header)`,
        'protocol',
      );
    raw.write(encodeConnectionRequest({ requestedProtocols: PROTOCOL_SSL, cookie: o.cookie }));
    const cc = await this.nextFrame();
    if (cc.kind !== 'x224')
      throw new Stop(`RDP server ${this.target} answered X.224 negotiation with fast-path data`, 'protocol');
    this.source.expectTpkt = undefined;
    const confirm = decodeConnectionConfirm(cc.tpdu);
    if (confirm.type === 'failure') {
      throw this.refusedTls(negotiationFailureText(confirm.failureCode));
    }
    if (confirm.type === 'none') throw this.refusedTls('it supports only standard RDP security');
    if (confirm.selectedProtocol !== PROTOCOL_SSL) {
      throw this.refusedTls(`it selected ${protocolName(confirm.selectedProtocol)}`);
    }
    if (this.source.pendingBytes > 0) {
      throw new Stop(`RDP server ${this.target} sent data before the TLS handshake`, 'protocol');
    }

    this.enterPhase('TLS handshake');
    this.source.detach();
    const secure = await this.race(this.upgrade(raw));
    this.source.attach(secure);

    this.enterPhase('MCS connect');
    await this.mcsConnect(confirm.selectedProtocol);

    this.enterPhase('licensing');
    const base = defaultClientInfo(o.username, o.domain ?? '');
    // A password is for automatic logon (xrdp's autorun needs the flag too).
    const flags = o.password ? base.flags | INFO_AUTOLOGON : base.flags;
    const info = { ...base, flags, password: o.password ?? '' };
    this.sendIo(encodeClientInfoPdu(info));
    const activated = new Promise<void>((resolve, reject) => (this.onActivated = { resolve, reject }));
    void this.pump();
    await this.race(activated);
  }

  /** Error and close listeners, attached as soon as a transport exists so nothing goes unhandled. */
  private watch(s: Duplex): void {
    if (this.watched.has(s)) return;
    this.watched.add(s);
    s.on('error', (err) => this.source.fail(this.transportError(err)));
    // After the TLS upgrade only the TLS socket's close counts: it comes after its last data.
    s.on('close', () => {
      if (s === this.secure || !this.secure) this.source.fail(new Eof());
    });
  }

  private dial(): Promise<net.Socket> {
    const port = this.opts.port ?? 3389;
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.opts.host, port });
      this.raw = s; // so a timeout can destroy it
      this.watch(s);
      const fail = (err: Error) =>
        reject(new Stop(`RDP server ${this.target} unreachable: ${err.message}`, 'unreachable'));
      s.once('error', fail);
      s.once('connect', () => {
        s.off('error', fail);
        s.setNoDelay(true);
        resolve(s);
      });
    });
  }

  private upgrade(raw: Duplex): Promise<tls.TLSSocket> {
    const check = this.opts.serverCertificate;
    return new Promise((resolve, reject) => {
      const s = tls.connect({
        socket: raw,
        // Verification is by the pinned fingerprint below (or deliberately off): RDP servers
        // present self-signed certificates that no CA store would accept.
        rejectUnauthorized: false,
        servername: net.isIP(this.opts.host) ? undefined : this.opts.host,
      });
      this.secure = s;
      this.watch(s);
      const fail = (err: Error) =>
        reject(new Stop(`RDP server ${this.target} TLS handshake failed: ${err.message}`, 'tls', 'bad-tls'));
      s.once('error', fail);
      s.once('secureConnect', () => {
        s.off('error', fail);
        if ('fingerprint256' in check) {
          const der = s.getPeerCertificate().raw;
          const got = der ? new X509Certificate(der).fingerprint256 : '(none)';
          const want = normalizeFingerprint(check.fingerprint256);
          if (normalizeFingerprint(got) !== want) {
            reject(
              new Stop(
                `RDP server ${this.target} presented a TLS certificate with SHA-256 fingerprint ${got}, not the pinned ${formatFingerprint(want)}`,
                'tls',
                'bad-tls',
              ),
            );
            return;
          }
        }
        resolve(s);
      });
    });
  }

  private async mcsConnect(selectedProtocol: number): Promise<void> {
    const o = this.opts;
    const channels = (o.channels ?? []).map((name) => ({ name, options: CHANNEL_OPTION_INITIALIZED }));
    const userData = encodeUserDataBlocks([
      encodeClientCoreData({
        version: RDP_VERSION_10_7,
        desktopWidth: o.width ?? 1024,
        desktopHeight: o.height ?? 768,
        keyboardLayout: o.keyboardLayout ?? 0x409,
        clientBuild: 2600,
        clientName: o.clientName ?? 'tshjs',
        keyboardType: KEYBOARD_TYPE_IBM_ENHANCED,
        keyboardSubType: 0,
        keyboardFunctionKey: 12,
        highColorDepth: 24,
        supportedColorDepths: RNS_UD_24BPP_SUPPORT | RNS_UD_16BPP_SUPPORT | RNS_UD_32BPP_SUPPORT,
        earlyCapabilityFlags:
          RNS_UD_CS_SUPPORT_ERRINFO_PDU | RNS_UD_CS_WANT_32BPP_SESSION | RNS_UD_CS_VALID_CONNECTION_TYPE,
        connectionType: CONNECTION_TYPE_LAN,
        serverSelectedProtocol: selectedProtocol,
      }),
      encodeClientClusterData(),
      encodeClientSecurityData(),
      encodeClientNetworkData(channels),
    ]);
    this.write(encodeX224Data(encodeConnectInitial({ userData: encodeConferenceCreateRequest(userData) })));
    const response = decodeConnectResponse(await this.nextData('MCS Connect Response'));
    if (response.result !== 0) {
      throw new Stop(
        `RDP server ${this.target} refused the MCS connection: ${mcsResultName(response.result)}`,
        'protocol',
      );
    }
    const sd = decodeServerData(decodeConferenceCreateResponse(response.userData));
    if (sd.encryptionMethod !== 0) {
      throw new Stop(
        `RDP server ${this.target} wants standard RDP encryption (method ${hex(sd.encryptionMethod, 8)}) inside TLS, which is not supported`,
        'negotiation',
      );
    }
    this.serverData = sd;
    this.opts.log?.(
      `RDP ${this.target}: <- server data version ${hex(sd.version, 8)}, I/O channel ${sd.ioChannelId}, ` +
        `static channels [${sd.channelIds.join(', ')}], message channel ${sd.messageChannelId ?? 'none'}`,
    );

    this.enterPhase('MCS channel connection');
    this.write(encodeX224Data(encodeErectDomainRequest()));
    this.write(encodeX224Data(encodeAttachUserRequest()));
    const attach = decodeDomainPdu(await this.nextData('MCS Attach User Confirm'));
    if (attach.type !== 'attach-user-confirm') throw this.unexpected(attach.type, 'Attach User Confirm');
    if (attach.result !== 0 || attach.userId === undefined) {
      throw new Stop(
        `RDP server ${this.target} refused the MCS user: ${mcsResultName(attach.result)}`,
        'protocol',
      );
    }
    this.userChannelId = attach.userId;
    const joins = [attach.userId, sd.ioChannelId];
    if (sd.messageChannelId) joins.push(sd.messageChannelId);
    (o.channels ?? []).forEach((name, i) => {
      const id = sd.channelIds[i];
      if (id) {
        joins.push(id);
        this.channelNames.set(id, name);
      }
    });
    // One request at a time: some servers do not queue joins.
    for (const id of joins) {
      this.write(encodeX224Data(encodeChannelJoinRequest(attach.userId, id)));
      const join = decodeDomainPdu(await this.nextData('MCS Channel Join Confirm'));
      if (join.type !== 'channel-join-confirm') throw this.unexpected(join.type, 'Channel Join Confirm');
      if (join.result !== 0 || join.requested !== id) {
        throw new Stop(
          `RDP server ${this.target} refused to join channel ${id}: ${mcsResultName(join.result)}`,
          'protocol',
        );
      }
    }
  }

  /** The next TPKT frame's MCS payload, during the MCS phases. */
  private async nextData(what: string): Promise<Buffer> {
    const f = await this.nextFrame();
    if (f.kind !== 'x224')
      throw new Stop(`RDP server ${this.target} sent fast-path data before ${what}`, 'protocol');
    const tpdu = decodeX224(f.tpdu);
    if (tpdu.type === 'disconnect') throw new Stop(this.disconnectedDuring(), 'disconnected');
    return tpdu.payload;
  }

  private nextFrame(): Promise<Frame> {
    return this.race(this.source.next());
  }

  // ---------------- after Client Info: the PDU pump ----------------

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const frame = await this.source.next();
        this.handleFrame(frame);
        if (this.events.size > EVENT_HIGH_WATER) await this.events.drained();
      }
    } catch (err) {
      this.ended(err);
    }
  }

  /** The pump stopped: the transport closed (Eof) after its last frame was handled, or an error. */
  private ended(err: unknown): void {
    if (!(err instanceof Eof)) {
      this.finish(this.toError(err));
      return;
    }
    if (this.state === 'closing') {
      this.finish();
      return;
    }
    if (this.everActive && (this.serverDisconnect !== undefined || this.errorInfo !== 0)) {
      const reason = this.errorInfo
        ? errorInfoText(this.errorInfo)
        : `the server ended the session (${this.serverDisconnect})`;
      const ev: RdpEvent = { type: 'disconnected', reason };
      if (this.errorInfo) ev.errorInfo = this.errorInfo;
      this.events.push(ev);
      this.finish();
      return;
    }
    this.finish(this.toError(err));
  }

  /** Output for the consumer: held while deactivated, so that it follows the new activation
   * (xrdp sends the redraw at the new size before its Font Map). */
  private output(ev: RdpEvent): void {
    if (this.state !== 'deactivated') {
      this.events.push(ev);
      return;
    }
    if (this.heldOutput.length >= MAX_HELD_OUTPUT) {
      throw new Stop(
        `RDP server ${this.target} sent more than ${MAX_HELD_OUTPUT} updates during a reactivation`,
        'protocol',
      );
    }
    this.heldOutput.push(ev);
  }

  private handleFrame(frame: Frame): void {
    if (frame.kind === 'fastpath') {
      this.output({ type: 'fastpath', pdu: frame.raw });
      return;
    }
    const tpdu = decodeX224(frame.tpdu);
    if (tpdu.type === 'disconnect') {
      this.serverDisconnect ??= 'X.224 disconnect request';
      return;
    }
    const pdu = decodeDomainPdu(tpdu.payload);
    if (pdu.type === 'disconnect-provider-ultimatum') {
      this.serverDisconnect ??= mcsReasonName(pdu.reason);
      return;
    }
    if (pdu.type !== 'send-data-indication') return; // nothing else is expected; tolerate it
    const sd = this.serverData!;
    if (pdu.channelId === sd.ioChannelId || pdu.channelId === this.userChannelId) {
      this.handleIo(pdu.data, frame.raw);
      return;
    }
    const name = this.channelNames.get(pdu.channelId);
    if (name !== undefined)
      this.events.push({ type: 'channel', name, channelId: pdu.channelId, data: pdu.data });
    // The message channel carries auto-detect and heartbeat PDUs, which this client did not ask for.
  }

  private handleIo(data: Buffer, raw: Buffer): void {
    // License PDUs keep the basic security header; share control PDUs start with their length.
    const first = data.length >= 4 ? data.readUInt16LE(0) : 0;
    if (first & SEC_LICENSE_PKT && first !== data.length) {
      this.handleLicense(data);
      return;
    }
    if (!this.licensed) {
      // A server may skip licensing and go straight to the capability exchange.
      this.licensed = true;
    }
    for (const sc of decodeShareControlPdus(data)) {
      if (sc.pduType !== PDUTYPE_DATAPDU)
        this.opts.log?.(`RDP ${this.target}: <- share control PDU type ${sc.pduType}`);
      switch (sc.pduType) {
        case PDUTYPE_DEMANDACTIVEPDU:
          this.handleDemandActive(sc.body);
          break;
        case PDUTYPE_DEACTIVATEALLPDU:
          this.deactivate();
          break;
        case PDUTYPE_DATAPDU:
          this.handleData(sc.body, raw);
          break;
        case PDUTYPE_SERVER_REDIR_PKT:
          throw new Stop(
            `RDP server ${this.target} redirected the client to another server, which is not supported`,
            'protocol',
          );
        default:
          break;
      }
    }
  }

  private handleLicense(data: Buffer): void {
    if (this.licensed) return;
    const lic = decodeLicensePdu(data);
    this.opts.log?.(`RDP ${this.target}: <- license PDU ${JSON.stringify(lic)}`);
    if (lic.type === 'error-alert' && lic.stateTransition === ST_NO_TRANSITION) {
      // STATUS_VALID_CLIENT, or an error the server chose to let pass: licensing is over.
      this.licensed = true;
      this.enterPhase('capability exchange');
      return;
    }
    if (lic.type === 'error-alert') {
      const text = lic.errorCode === STATUS_VALID_CLIENT ? 'aborted' : licenseErrorText(lic.errorCode);
      throw new Stop(`RDP server ${this.target} licensing failed: ${text}`, 'licensing');
    }
    if (
      lic.type === 'other' &&
      lic.msgType === LICENSE_REQUEST &&
      this.opts.answerLicenseRequest &&
      !this.licenseRequested
    ) {
      // Answered once with a New License Request: enough for servers that grant any client (xrdp).
      this.licenseRequested = true;
      this.sendIo(encodeNewLicenseRequest(this.opts.username, this.opts.clientName ?? 'tshjs'));
      return;
    }
    throw new Stop(
      `RDP server ${this.target} requires a client license exchange (MS-RDPELE message ${hex(lic.msgType)}), which is not supported`,
      'licensing',
    );
  }

  private handleDemandActive(body: Buffer): void {
    const o = this.opts;
    const demand = decodeDemandActive(body);
    const server = readServerCapabilities(demand.capabilities);
    const width = server.desktopWidth || (o.width ?? 1024);
    const height = server.desktopHeight || (o.height ?? 768);
    const sd = this.serverData!;
    this.current = {
      width,
      height,
      ioChannelId: sd.ioChannelId,
      userChannelId: this.userChannelId,
      shareId: demand.shareId,
      fastPathInput: server.fastPathInput,
      server,
    };
    this.deactivate(); // a Demand Active without Deactivate All (when active) counts as one
    if (!this.everActive) this.enterPhase('finalization');
    const caps = clientCapabilities({
      desktopWidth: width,
      desktopHeight: height,
      codecs: o.codecs ?? 'remotefx',
      keyboardLayout: o.keyboardLayout ?? 0x409,
      multifragMaxRequestSize: o.multifragMaxRequestSize ?? 8 * 1024 * 1024,
      frameAcknowledge: o.frameAcknowledge ?? 0,
    });
    const user = this.userChannelId;
    this.sendIo(
      encodeConfirmActive({ shareId: demand.shareId, sourceDescriptor: 'MSTSC', capabilities: caps }, user),
    );
    this.sendShareData(PDUTYPE2_SYNCHRONIZE, synchronizeBody(SERVER_CHANNEL_ID));
    this.sendShareData(
      PDUTYPE2_CONTROL,
      controlBody({ action: CTRLACTION_COOPERATE, grantId: 0, controlId: 0 }),
    );
    this.sendShareData(
      PDUTYPE2_CONTROL,
      controlBody({ action: CTRLACTION_REQUEST_CONTROL, grantId: 0, controlId: 0 }),
    );
    this.sendShareData(PDUTYPE2_FONTLIST, fontListBody());
  }

  private handleData(body: Buffer, raw: Buffer): void {
    const d = decodeShareData(body);
    this.opts.log?.(`RDP ${this.target}: <- share data PDU type ${hex(d.pduType2)} (${d.body.length} bytes)`);
    switch (d.pduType2) {
      case PDUTYPE2_SYNCHRONIZE:
      case PDUTYPE2_CONTROL:
        return; // the server's half of finalization; the Font Map ends it
      case PDUTYPE2_FONTMAP:
        this.activated();
        return;
      case PDUTYPE2_SET_ERROR_INFO_PDU: {
        const code = decodeErrorInfo(d.body);
        if (code === 0) return;
        this.errorInfo = code;
        this.events.push({ type: 'error-info', code, text: errorInfoText(code) });
        return;
      }
      default:
        this.output({ type: 'slowpath', pduType2: d.pduType2, body: d.body, raw });
    }
  }

  /** Deactivation (MS-RDPBCGR 1.3.1.3): output and input wait for the new activation, which
   * must finish within the phase timeout. */
  private deactivate(): void {
    if (this.state !== 'active') return;
    this.state = 'deactivated';
    this.enterPhase('reactivation');
    this.events.push({ type: 'deactivated' });
  }

  private activated(): void {
    if (this.state !== 'connecting' && this.state !== 'deactivated') return;
    this.state = 'active';
    this.enterPhase('active', 0);
    if (!this.everActive) {
      this.everActive = true;
      this.onActivated?.resolve();
      return;
    }
    this.events.push({ type: 'activated', activation: this.current! });
    for (const ev of this.heldOutput.splice(0)) this.events.push(ev);
    const input = this.heldInput.splice(0);
    if (this.droppedInput > 0) {
      this.opts.log?.(
        `RDP ${this.target}: dropped ${this.droppedInput} input events during the reactivation`,
      );
      this.droppedInput = 0;
    }
    this.sendInput(input);
  }

  // ---------------- sending ----------------

  private write(buf: Buffer): boolean {
    const s = this.secure ?? this.raw;
    if (!s || s.destroyed || this.finished) return false;
    s.write(buf);
    return true;
  }

  private sendIo(data: Buffer): boolean {
    const sd = this.serverData!;
    return this.write(encodeX224Data(encodeSendDataRequest(this.userChannelId, sd.ioChannelId, data)));
  }

  private sendShareData(pduType2: number, body: Buffer): boolean {
    const shareId = this.current?.shareId ?? 0;
    return this.sendIo(encodeShareData(shareId, this.userChannelId, pduType2, body));
  }

  /** Sends input events; while deactivated they are held (up to a limit) and sent once the
   * reactivation finishes. False (nothing sent or held) before activation and after the end. */
  sendInput(events: InputEvent[]): boolean {
    if (this.state === 'deactivated') {
      const room = Math.max(0, MAX_HELD_INPUT - this.heldInput.length);
      this.heldInput.push(...events.slice(0, room));
      this.droppedInput += Math.max(0, events.length - room);
      return events.length > 0;
    }
    if (this.state !== 'active' || events.length === 0) return false;
    for (let i = 0; i < events.length; i += 255) {
      const batch = events.slice(i, i + 255);
      if (this.current!.fastPathInput) this.write(encodeFastPathInput(batch));
      else this.sendShareData(PDUTYPE2_INPUT, encodeSlowPathInput(batch));
    }
    return true;
  }

  /** TS_FRAME_ACKNOWLEDGE_PDU for a surface frame id (only meaningful with `frameAcknowledge`). */
  acknowledgeFrame(frameId: number): boolean {
    if (this.state !== 'active') return false;
    return this.sendShareData(PDUTYPE2_FRAME_ACKNOWLEDGE, frameAcknowledgeBody(frameId));
  }

  /** Asks the server to redraw inclusive rectangles (the whole desktop by default). */
  refreshRect(rects?: Rect16[]): boolean {
    if (this.state !== 'active') return false;
    const a = this.current!;
    rects ??= [{ left: 0, top: 0, right: a.width - 1, bottom: a.height - 1 }];
    return this.sendShareData(PDUTYPE2_REFRESH_RECT, refreshRectBody(rects));
  }

  /** Stops (false) or resumes (true) display updates. */
  setDisplayUpdates(allow: boolean): boolean {
    if (this.state !== 'active') return false;
    const a = this.current!;
    const rect = allow ? { left: 0, top: 0, right: a.width - 1, bottom: a.height - 1 } : undefined;
    return this.sendShareData(PDUTYPE2_SUPPRESS_OUTPUT, suppressOutputBody(rect));
  }

  /** Sends a whole PDU as is (e.g. a response built by a fast-path decoder). */
  sendRaw(pdu: Buffer): boolean {
    if (this.state !== 'active' && this.state !== 'deactivated') return false;
    return this.write(pdu);
  }

  /** Sends data on a joined static virtual channel (`data` carries its CHANNEL_PDU_HEADER);
   * channels stay joined through a reactivation. */
  sendChannel(name: string, data: Buffer): boolean {
    if (this.state !== 'active' && this.state !== 'deactivated') return false;
    for (const [id, n] of this.channelNames) {
      if (n === name) return this.write(encodeX224Data(encodeSendDataRequest(this.userChannelId, id, data)));
    }
    throw new RangeError(`RDP channel ${name} was not joined`);
  }

  /** Ends the session: MCS Disconnect Provider Ultimatum, TLS close, then waits for the server to
   * close (at most the close timeout). The event iterator ends without an error. */
  async close(): Promise<void> {
    if (this.finished) return this.closed;
    if (this.state === 'connecting') {
      this.finish(new Stop(`RDP connection to ${this.target} closed before activation`, 'closed'));
      return this.closed;
    }
    this.state = 'closing';
    this.enterPhase('close', 0);
    this.events.end(); // the consumer gets what is queued, then done
    const s = this.secure;
    if (s && !s.destroyed) {
      s.write(encodeX224Data(encodeDisconnectProviderUltimatum(RN_USER_REQUESTED)));
      s.end();
    }
    const timer = setTimeout(() => this.finish(), this.timeouts.close);
    await this.closed;
    clearTimeout(timer);
  }

  // ---------------- ending ----------------

  private closedDuring(): string {
    if (this.errorInfo) return this.disconnectedDuring();
    if (this.serverDisconnect !== undefined) return this.disconnectedDuring();
    return this.everActive
      ? `RDP server ${this.target} closed the connection`
      : `RDP server ${this.target} closed the connection during ${this.phase}`;
  }

  private disconnectedDuring(): string {
    const why = this.errorInfo ? errorInfoText(this.errorInfo) : (this.serverDisconnect ?? 'no reason given');
    return this.everActive
      ? `RDP server ${this.target} disconnected: ${why}`
      : `RDP server ${this.target} disconnected during ${this.phase}: ${why}`;
  }

  private errorKind(): 'connection-problem' | 'access-denied' {
    return this.errorInfo && errorInfoIsDenial(this.errorInfo) ? 'access-denied' : 'connection-problem';
  }

  /** Tears everything down once; `error` ends the event stream (or the pending connect) with it. */
  private finish(error?: RdpConnectionError | Stop): void {
    if (this.finished) return;
    this.finished = true;
    const err = error === undefined ? undefined : this.toError(error);
    this.state = 'closed';
    clearTimeout(this.phaseTimer);
    if (err) {
      this.source.fail(err);
      this.abortReject(err);
      this.onActivated?.reject(err);
    }
    this.events.end(this.everActive ? err : undefined);
    this.secure?.destroy();
    this.raw?.destroy();
    this.closedResolve();
  }

  private race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.aborted]);
  }

  /** Starts a phase with its own timeout (0: none). */
  private enterPhase(phase: string, ms = this.timeouts.phase): void {
    this.phase = phase;
    this.opts.log?.(`RDP ${this.target}: ${phase}`);
    clearTimeout(this.phaseTimer);
    this.phaseTimer = undefined;
    if (ms > 0) {
      this.phaseTimer = setTimeout(() => {
        this.finish(new Stop(`RDP server ${this.target} timed out during ${phase} (${ms} ms)`, 'timeout'));
      }, ms);
      this.phaseTimer.unref?.();
    }
  }

  private refusedTls(why: string): Stop {
    return new Stop(`RDP server ${this.target} refused TLS: ${why}`, 'negotiation', 'bad-tls');
  }

  private unexpected(got: string, want: string): Stop {
    return new Stop(`RDP server ${this.target} sent ${got} instead of ${want}`, 'protocol');
  }

  private transportError(err: Error): Stop {
    const code = (err as NodeJS.ErrnoException).code;
    if (!this.secure && this.phase === 'X.224 negotiation' && code === 'ECONNRESET') {
      return new Stop(
        `RDP server ${this.target} reset the connection during X.224 negotiation (not an RDP server?)`,
        'closed',
      );
    }
    return new Stop(
      `RDP server ${this.target} connection failed during ${this.phase}: ${err.message}`,
      'closed',
    );
  }

  private toError(err: unknown): RdpConnectionError {
    if (err instanceof RdpConnectionError) return err;
    if (err instanceof Eof) {
      const failure = this.errorInfo
        ? 'denied'
        : this.serverDisconnect !== undefined
          ? 'disconnected'
          : 'closed';
      return new RdpConnectionError(this.closedDuring(), failure, this.errorKind());
    }
    if (err instanceof Stop) return new RdpConnectionError(err.message, err.failure, err.kind);
    if (err instanceof RdpPduError) {
      return new RdpConnectionError(
        `RDP server ${this.target} sent a ${err.message}`,
        'protocol',
        'connection-problem',
        {
          cause: err,
        },
      );
    }
    const msg = err instanceof Error ? err.message : String(err);
    return new RdpConnectionError(`RDP connection to ${this.target} failed: ${msg}`, 'protocol', 'internal', {
      cause: err,
    });
  }
}

function normalizeFingerprint(s: string): string {
  return s.replace(/[^0-9a-f]/gi, '').toLowerCase();
}

function formatFingerprint(hexDigits: string): string {
  return (hexDigits.toUpperCase().match(/../g) ?? []).join(':');
}
