// Client-side desktop protocol negotiation as upstream does it, as a state machine without IO.
//
// The dialect comes from the inner TLS ALPN result (the client offers teleport-tdpb-1.0):
//   "" (nothing selected)  -> legacy TDP: ClientUsername, ClientScreenSpec, then a third message
//                             the service waits for: ClientKeyboardLayout when the service is
//                             >= 18.0.0 and the layout is not 0, else a repeated ClientScreenSpec
//                             (a v17 service fails on type 37; a v18 one blocks until a third
//                             message arrives). Then wait for ConnectionActivated (31).
//   teleport-tdpb-1.0      -> TDPB: one ClientHello; wait for ServerHello.
// Input before activation is dropped by the service, so canSendInput stays false until then.
// An error Alert (or a legacy Error message) ends the session; a Ping is answered with itself.
import { DesktopAlertError, DesktopProtocolError } from '../wire/tdp/errors.js';
import { AlertSeverity } from '../gen/teleport/desktop/v1/tdpb.js';
import type { TdpMessage } from '../wire/tdp/messages.js';
import { buildInput, type ClientInput, type Dialect, type Outgoing } from './outgoing.js';
import { tdpb, TDPB_PROTOCOL, type TdpbMessage } from '../wire/tdp/tdpb.js';

/** ALPN protocols to offer on the inner TLS connection to the Windows Desktop Service. */
export const DESKTOP_ALPN_OFFER = [TDPB_PROTOCOL];

/** The dialect for a negotiated ALPN protocol; anything but "" or TDPB is refused. */
export function dialectForAlpn(negotiated: string | false | null | undefined): Dialect {
  if (!negotiated) return 'tdp';
  if (negotiated === TDPB_PROTOCOL) return 'tdpb';
  throw new DesktopProtocolError(
    `desktop service selected unsupported protocol ${JSON.stringify(negotiated)}`,
    'negotiation',
  );
}

/** Whether a Teleport version string ("18.1.0", "v17.5.2-dev") is at least `major`. */
export function versionAtLeast(version: string | undefined, major: number): boolean {
  const m = /^v?(\d+)\./.exec(version ?? '');
  return m !== null && Number(m[1]) >= major;
}

export interface HandshakeOptions {
  dialect: Dialect;
  /** Windows login. */
  username: string;
  width: number;
  height: number;
  /** TDPB only: display scale in percent (100 = 1x, 0 = unset). */
  scale?: number;
  /** Windows keyboard layout id (KLID); 0 or unset = the desktop's default. */
  keyboardLayout?: number;
  /** Teleport version of the Windows Desktop Service, when known (legacy TDP only). */
  serverVersion?: string;
}

export type AlertLevel = 'info' | 'warning' | 'error';

export type DesktopEvent =
  | {
      type: 'activated';
      ioChannelId: number;
      userChannelId: number;
      width: number;
      height: number;
      /** TDPB: the server's ServerHello flag; legacy TDP: always true. */
      clipboardEnabled: boolean;
      /** A second or later activation (Deactivation-Reactivation, e.g. after a resize). */
      reactivation: boolean;
    }
  | { type: 'fastPath'; pdu: Buffer }
  | { type: 'png'; left: number; top: number; right: number; bottom: number; png: Buffer }
  | { type: 'alert'; level: AlertLevel; message: string }
  | { type: 'clipboard'; data: Buffer }
  | { type: 'latency'; clientMs: number; serverMs: number }
  /** Anything else (shared directory requests, MFA, …) for a higher layer. */
  | { type: 'other'; message: TdpMessage | TdpbMessage };

export interface Step {
  send: Outgoing[];
  events: DesktopEvent[];
  /** Set when the message ended the session; the handshake is then closed. */
  fatal?: DesktopAlertError;
}

export type HandshakeState = 'awaiting-activation' | 'active' | 'closed';

export class DesktopHandshake {
  private stateValue: HandshakeState = 'awaiting-activation';
  private started = false;
  private activations = 0;

  constructor(private readonly opts: HandshakeOptions) {}

  get state(): HandshakeState {
    return this.stateValue;
  }
  get dialect(): Dialect {
    return this.opts.dialect;
  }
  /** The service drops input until the RDP connection is active. */
  get canSendInput(): boolean {
    return this.stateValue === 'active';
  }

  /** The messages to send first, right after the inner TLS handshake. */
  start(): Outgoing[] {
    if (this.started) throw new DesktopProtocolError('desktop handshake already started', 'negotiation');
    this.started = true;
    const { username, width, height } = this.opts;
    const layout = this.opts.keyboardLayout ?? 0;
    if (this.opts.dialect === 'tdpb') {
      const screenSpec = { width, height, scale: this.opts.scale ?? 0 };
      return [
        { dialect: 'tdpb', message: tdpb('clientHello', { username, screenSpec, keyboardLayout: layout }) },
      ];
    }
    const spec: TdpMessage = { kind: 'clientScreenSpec', width, height };
    const third: TdpMessage =
      layout !== 0 && versionAtLeast(this.opts.serverVersion, 18)
        ? { kind: 'clientKeyboardLayout', keyboardLayout: layout }
        : spec;
    return [
      { dialect: 'tdp', message: { kind: 'clientUsername', username } },
      { dialect: 'tdp', message: spec },
      { dialect: 'tdp', message: third },
    ];
  }

  /** Handles one message from the service. */
  receive(msg: TdpMessage | TdpbMessage): Step {
    if (!this.started) throw new DesktopProtocolError('desktop handshake not started', 'negotiation');
    if (this.stateValue === 'closed') {
      throw new DesktopProtocolError('desktop session already ended', 'negotiation');
    }
    return '$case' in msg ? this.receiveTdpb(msg) : this.receiveTdp(msg);
  }

  /** Builds an input message in the negotiated dialect; refused before activation. */
  input(i: ClientInput): Outgoing {
    if (!this.canSendInput && i.type !== 'screenSpec') {
      throw new DesktopProtocolError(
        `cannot send ${i.type} before the desktop session is active`,
        'negotiation',
      );
    }
    return buildInput(this.opts.dialect, i);
  }

  private activated(
    ioChannelId: number,
    userChannelId: number,
    width: number,
    height: number,
    clip: boolean,
  ): Step {
    this.stateValue = 'active';
    const reactivation = this.activations++ > 0;
    return {
      send: [],
      events: [
        {
          type: 'activated',
          ioChannelId,
          userChannelId,
          width,
          height,
          clipboardEnabled: clip,
          reactivation,
        },
      ],
    };
  }

  private alert(level: AlertLevel, message: string): Step {
    const step: Step = { send: [], events: [{ type: 'alert', level, message }] };
    if (level === 'error') {
      this.stateValue = 'closed';
      step.fatal = new DesktopAlertError(message);
    }
    return step;
  }

  private receiveTdp(m: TdpMessage): Step {
    const events = (e: DesktopEvent): Step => ({ send: [], events: [e] });
    switch (m.kind) {
      case 'connectionActivated':
        return this.activated(m.ioChannelId, m.userChannelId, m.screenWidth, m.screenHeight, true);
      case 'rdpFastPathPdu':
        return events({ type: 'fastPath', pdu: m.data });
      case 'png2Frame':
      case 'pngFrame':
        return events({
          type: 'png',
          left: m.left,
          top: m.top,
          right: m.right,
          bottom: m.bottom,
          png: m.png,
        });
      case 'alert':
        return this.alert(m.severity === 2 ? 'error' : m.severity === 1 ? 'warning' : 'info', m.message);
      case 'error':
        return this.alert('error', m.message);
      case 'clipboardData':
        return events({ type: 'clipboard', data: m.data });
      case 'latencyStats':
        return events({ type: 'latency', clientMs: m.clientLatency, serverMs: m.serverLatency });
      case 'ping':
        return { send: [{ dialect: 'tdp', message: m }], events: [] };
      default:
        return events({ type: 'other', message: m });
    }
  }

  private receiveTdpb(m: TdpbMessage): Step {
    const events = (e: DesktopEvent): Step => ({ send: [], events: [e] });
    switch (m.$case) {
      case 'serverHello': {
        const a = m.value.activationSpec;
        return this.activated(
          a?.ioChannelId ?? 0,
          a?.userChannelId ?? 0,
          a?.screenWidth ?? 0,
          a?.screenHeight ?? 0,
          m.value.clipboardEnabled,
        );
      }
      case 'fastPathPdu':
        return events({ type: 'fastPath', pdu: m.value.pdu });
      case 'pngFrame': {
        const c = m.value.coordinates;
        return events({
          type: 'png',
          left: c?.left ?? 0,
          top: c?.top ?? 0,
          right: c?.right ?? 0,
          bottom: c?.bottom ?? 0,
          png: m.value.data,
        });
      }
      case 'alert': {
        const s = m.value.severity;
        const level: AlertLevel =
          s === AlertSeverity.ALERT_SEVERITY_ERROR
            ? 'error'
            : s === AlertSeverity.ALERT_SEVERITY_WARNING
              ? 'warning'
              : 'info';
        return this.alert(level, m.value.message);
      }
      case 'clipboardData':
        return events({ type: 'clipboard', data: m.value.data });
      case 'latencyStats':
        return events({
          type: 'latency',
          clientMs: m.value.clientLatencyMs,
          serverMs: m.value.serverLatencyMs,
        });
      case 'ping':
        return { send: [{ dialect: 'tdpb', message: m }], events: [] };
      default:
        return events({ type: 'other', message: m });
    }
  }
}
