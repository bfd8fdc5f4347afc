// A scripted RDP server for the client's unit tests, built from the same codecs' server halves:
// real sockets and real TLS, with the connection sequence of MS-RDPBCGR 1.3.1.1 and hooks to
// make it misbehave. The end-to-end tests use the real FreeRDP server instead.
import { generateKeyPairSync } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { createTlsCa } from '../../../../src/devcluster/tlsca.js';
import { Framer, type Frame } from '../../../../src/rdp/conn/framer.js';
import {
  decodeConferenceCreateRequest,
  decodeUserDataBlocks,
  encodeConferenceCreateResponse,
  encodeServerData,
} from '../../../../src/rdp/conn/gcc.js';
import {
  STATUS_VALID_CLIENT,
  ST_NO_TRANSITION,
  decodeClientInfoPdu,
  encodeLicenseErrorPdu,
  type ClientInfo,
} from '../../../../src/rdp/conn/info.js';
import { decodeFastPathInput, type InputEvent } from '../../../../src/rdp/conn/input.js';
import {
  TARGET_PARAMETERS,
  decodeConnectInitial,
  decodeDomainPdu,
  encodeAttachUserConfirm,
  encodeChannelJoinConfirm,
  encodeConnectResponse,
  encodeDisconnectProviderUltimatum,
  encodeSendDataIndication,
} from '../../../../src/rdp/conn/mcs.js';
import {
  CTRLACTION_COOPERATE,
  CTRLACTION_GRANTED_CONTROL,
  PDUTYPE2_CONTROL,
  PDUTYPE2_FONTLIST,
  PDUTYPE2_FONTMAP,
  PDUTYPE2_SET_ERROR_INFO_PDU,
  PDUTYPE2_SYNCHRONIZE,
  PDUTYPE_CONFIRMACTIVEPDU,
  PDUTYPE_DATAPDU,
  controlBody,
  decodeConfirmActive,
  decodeShareControlPdus,
  decodeShareData,
  encodeDeactivateAll,
  encodeDemandActive,
  encodeShareData,
  errorInfoBody,
  fontMapBody,
  synchronizeBody,
  type ConfirmActive,
  type ShareDataPdu,
} from '../../../../src/rdp/conn/share.js';
import {
  PROTOCOL_SSL,
  decodeConnectionRequest,
  decodeX224,
  encodeConnectionConfirm,
  encodeX224Data,
  type ConnectionConfirm,
} from '../../../../src/rdp/conn/tpkt.js';

const IO_CHANNEL = 1003;
const USER_ID = 1007;
export const SHARE_ID = 0x000103ea;

let certPromise: Promise<{ key: string; cert: string }> | undefined;
/** One self-signed certificate for all peers of a test file. */
export function peerCertificate(): Promise<{ key: string; cert: string }> {
  certPromise ??= (async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cert = await createTlsCa({ clusterName: 'rdp-peer', key });
    return { key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert };
  })();
  return certPromise;
}

export interface PeerOptions {
  /** What to answer the X.224 Connection Request with; 'silent' answers nothing, 'close' hangs up,
   * 'garbage' sends an HTTP error. */
  negotiation?: ConnectionConfirm | 'silent' | 'close' | 'garbage';
  /** The license PDU to send; default: valid client. */
  license?: Buffer;
  width?: number;
  height?: number;
  /** Input capability flags in the Demand Active (default: fast-path input allowed). */
  inputFlags?: number;
  /** Called instead of the normal finalization reply, e.g. to refuse the session. */
  onConfirmActive?: (s: PeerSession) => void;
  /** Called once the peer has sent the Font Map. */
  onActive?: (s: PeerSession) => void;
}

/** The server side of one connection, as seen by a test. */
export class PeerSession {
  clientInfo?: ClientInfo;
  confirmActive: ConfirmActive[] = [];
  /** Share data PDUs from the client after each Confirm Active, in order. */
  data: ShareDataPdu[] = [];
  input: InputEvent[] = [];
  disconnectReason?: number;
  /** Resolves when the client hangs up. */
  readonly ended: Promise<void>;
  private endedResolve!: () => void;
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(readonly socket: tls.TLSSocket) {
    this.ended = new Promise((r) => (this.endedResolve = r));
    socket.on('close', () => this.endedResolve());
  }

  sendIo(data: Buffer): void {
    this.socket.write(encodeX224Data(encodeSendDataIndication(1002, IO_CHANNEL, data)));
  }
  sendShareData(pduType2: number, body: Buffer): void {
    this.sendIo(encodeShareData(SHARE_ID, 1002, pduType2, body));
  }
  sendErrorInfo(code: number): void {
    this.sendShareData(PDUTYPE2_SET_ERROR_INFO_PDU, errorInfoBody(code));
  }
  sendDemandActive(width: number, height: number, inputFlags = 0x29): void {
    const bitmap = Buffer.alloc(24);
    bitmap.writeUInt16LE(32, 0);
    bitmap.writeUInt16LE(width, 8);
    bitmap.writeUInt16LE(height, 10);
    const input = Buffer.alloc(84);
    input.writeUInt16LE(inputFlags, 0);
    const general = Buffer.alloc(20);
    general.writeUInt16LE(0x0401, 10); // extraFlags: fast-path output
    this.sendIo(
      encodeDemandActive({
        shareId: SHARE_ID,
        sourceDescriptor: 'RDP',
        capabilities: [
          { type: 1, data: general },
          { type: 2, data: bitmap },
          { type: 13, data: input },
        ],
        sessionId: 0,
      }),
    );
  }
  sendDeactivateAll(): void {
    this.sendIo(encodeDeactivateAll(SHARE_ID));
  }
  sendDisconnect(reason = 1): void {
    this.socket.write(encodeX224Data(encodeDisconnectProviderUltimatum(reason)));
  }
  finalize(): void {
    this.sendShareData(PDUTYPE2_SYNCHRONIZE, synchronizeBody(USER_ID));
    this.sendShareData(
      PDUTYPE2_CONTROL,
      controlBody({ action: CTRLACTION_COOPERATE, grantId: 0, controlId: 0 }),
    );
    this.sendShareData(
      PDUTYPE2_CONTROL,
      controlBody({ action: CTRLACTION_GRANTED_CONTROL, grantId: USER_ID, controlId: 1002 }),
    );
    this.sendShareData(PDUTYPE2_FONTMAP, fontMapBody());
  }
  /** Resolves once `test` holds (checked after every PDU from the client). */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
  notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve();
      return false;
    });
  }
}

export interface Peer {
  port: number;
  /** Sessions in the order clients connected (after TLS). */
  sessions: PeerSession[];
  session(): Promise<PeerSession>;
  close(): Promise<void>;
}

export async function startPeer(opts: PeerOptions = {}): Promise<Peer> {
  const { key, cert } = await peerCertificate();
  const sessions: PeerSession[] = [];
  let sessionWaiter: ((s: PeerSession) => void) | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => undefined);
    const framer = new Framer();
    const onData = (chunk: Buffer) => {
      for (const f of framer.push(chunk)) {
        if (f.kind !== 'x224') continue;
        decodeConnectionRequest(f.tpdu);
        raw.off('data', onData);
        const neg = opts.negotiation ?? { type: 'response', flags: 0, selectedProtocol: PROTOCOL_SSL };
        if (neg === 'silent') return;
        if (neg === 'close') return void raw.destroy();
        if (neg === 'garbage') return void raw.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        raw.write(encodeConnectionConfirm(neg));
        if (neg.type !== 'response' || neg.selectedProtocol !== PROTOCOL_SSL) return void raw.end();
        const secure = new tls.TLSSocket(raw, { isServer: true, key, cert });
        secure.on('error', () => undefined);
        const s = new PeerSession(secure);
        sessions.push(s);
        sessionWaiter?.(s);
        serve(s, opts);
      }
    };
    raw.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions,
    session: () =>
      sessions.length > 0
        ? Promise.resolve(sessions[sessions.length - 1])
        : new Promise((r) => (sessionWaiter = r)),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function serve(s: PeerSession, opts: PeerOptions): void {
  const framer = new Framer();
  let state: 'mcs' | 'active' = 'mcs';
  const onFrame = (f: Frame) => {
    if (f.kind === 'fastpath') {
      s.input.push(...decodeFastPathInput(f.raw));
      return;
    }
    const t = decodeX224(f.tpdu);
    if (t.type === 'disconnect') return;
    if (state === 'mcs' && t.payload[0] === 0x7f) {
      const ci = decodeConnectInitial(t.payload);
      decodeUserDataBlocks(decodeConferenceCreateRequest(ci.userData), 'client data');
      const userData = encodeConferenceCreateResponse(
        encodeServerData({
          version: 0x00080004,
          clientRequestedProtocols: PROTOCOL_SSL,
          encryptionMethod: 0,
          encryptionLevel: 0,
          ioChannelId: IO_CHANNEL,
          channelIds: [],
        }),
      );
      s.socket.write(
        encodeX224Data(
          encodeConnectResponse({
            result: 0,
            calledConnectId: 0,
            domainParameters: TARGET_PARAMETERS,
            userData,
          }),
        ),
      );
      return;
    }
    const pdu = decodeDomainPdu(t.payload);
    switch (pdu.type) {
      case 'attach-user-request':
        s.socket.write(encodeX224Data(encodeAttachUserConfirm(0, USER_ID)));
        return;
      case 'channel-join-request':
        s.socket.write(encodeX224Data(encodeChannelJoinConfirm(0, pdu.userId, pdu.channelId, pdu.channelId)));
        return;
      case 'disconnect-provider-ultimatum':
        s.disconnectReason = pdu.reason;
        s.notify();
        return;
      case 'send-data-request':
        break;
      default:
        return;
    }
    if (!s.clientInfo) {
      s.clientInfo = decodeClientInfoPdu(pdu.data);
      s.sendIo(opts.license ?? encodeLicenseErrorPdu(STATUS_VALID_CLIENT, ST_NO_TRANSITION));
      s.sendDemandActive(opts.width ?? 800, opts.height ?? 600, opts.inputFlags);
      return;
    }
    for (const sc of decodeShareControlPdus(pdu.data)) {
      if (sc.pduType === PDUTYPE_CONFIRMACTIVEPDU) {
        s.confirmActive.push(decodeConfirmActive(sc.body));
        if (opts.onConfirmActive) opts.onConfirmActive(s);
      } else if (sc.pduType === PDUTYPE_DATAPDU) {
        const d = decodeShareData(sc.body);
        s.data.push(d);
        if (d.pduType2 === PDUTYPE2_FONTLIST && !opts.onConfirmActive) {
          s.finalize();
          if (state !== 'active') {
            state = 'active';
            opts.onActive?.(s);
          }
        }
      }
    }
    s.notify();
  };
  s.socket.on('data', (chunk: Buffer) => {
    for (const f of framer.push(chunk)) onFrame(f);
    s.notify();
  });
}
