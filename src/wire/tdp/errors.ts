// Typed errors for the desktop protocol codecs (legacy TDP and TDPB). Each is one clear line.
import { TshError } from '../../util/errors.js';

export type DesktopProtocolErrorCode =
  | 'unknown-type' // a legacy type byte or TDPB envelope member this codec does not know
  | 'too-large' // a declared length above the codec's limit
  | 'truncated' // the stream or buffer ended inside a message
  | 'malformed' // bytes that cannot be the message they claim to be
  | 'encode' // a message object that cannot be put on the wire
  | 'negotiation'; // the peers cannot agree (ALPN, handshake order)

/** Base class: anything a TDP/TDPB codec or the negotiation refuses. */
export class DesktopProtocolError extends TshError {
  constructor(
    message: string,
    readonly code: DesktopProtocolErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, 'bad-parameter', 1, options);
    this.name = 'DesktopProtocolError';
  }
}

/** A legacy TDP type byte (or TDPB envelope field) that this codec cannot decode. */
export class UnknownMessageTypeError extends DesktopProtocolError {
  constructor(
    readonly protocol: 'TDP' | 'TDPB',
    /** The legacy type byte, or the TDPB envelope field number (undefined: empty envelope). */
    readonly messageType: number | undefined,
  ) {
    super(
      messageType === undefined
        ? `${protocol}: empty message envelope`
        : protocol === 'TDP'
          ? `unsupported desktop protocol message type ${messageType}`
          : `TDPB: unknown message (envelope field ${messageType})`,
      'unknown-type',
    );
    this.name = 'UnknownMessageTypeError';
  }
}

/**
 * A declared length above its limit. `skippable` says upstream's Go decoder would discard the
 * payload and keep the connection (clipboard, file data, MFA JSON, shared directory name);
 * every other over-limit length is fatal there too.
 */
export class MessageTooLargeError extends DesktopProtocolError {
  constructor(
    readonly field: string,
    readonly declared: number,
    readonly max: number,
    readonly skippable = false,
    hint = '',
  ) {
    super(
      `desktop protocol: ${field} of ${declared} bytes exceeds the limit of ${max} bytes${hint}`,
      'too-large',
    );
    this.name = 'MessageTooLargeError';
  }
}

/** The stream (or a buffer holding one message) ended inside a message. */
export class TruncatedMessageError extends DesktopProtocolError {
  constructor(what: string, have: number, need?: number) {
    super(
      `desktop protocol: ${what} truncated (${have} bytes${need === undefined ? '' : ` of at least ${need}`})`,
      'truncated',
    );
    this.name = 'TruncatedMessageError';
  }
}

export const malformed = (msg: string, cause?: unknown) =>
  new DesktopProtocolError(
    `desktop protocol: ${msg}`,
    'malformed',
    cause === undefined ? undefined : { cause },
  );

export const cannotEncode = (msg: string) =>
  new DesktopProtocolError(`desktop protocol: cannot encode ${msg}`, 'encode');

/**
 * The Windows Desktop Service ended the session with an error Alert (or a legacy Error
 * message). The text is the service's own, e.g. an "access denied" from its RBAC check.
 */
export class DesktopAlertError extends TshError {
  constructor(readonly serverMessage: string) {
    const line =
      serverMessage.split('\n').filter(Boolean).join('; ') || 'desktop session ended by the server';
    super(line, /access denied|access to \S+ denied/i.test(line) ? 'access-denied' : 'connection-problem');
    this.name = 'DesktopAlertError';
  }
}
