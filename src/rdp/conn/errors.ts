// Typed errors of the RDP client: every failure is one line that names the server and what went
// wrong ("RDP server 127.0.0.1:3389 unreachable: …"), never a RangeError or a bare socket error.
import { TshError, type ErrorKind } from '../../util/errors.js';

/** Malformed or unexpected bytes in one PDU; the client wraps it with the server's address. */
export class RdpPduError extends TshError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'connection-problem', 1, options);
    this.name = 'RdpPduError';
  }
}

/** `what` names the structure, e.g. "X.224 Connection Confirm". */
export const malformed = (what: string, detail: string) => new RdpPduError(`malformed ${what}: ${detail}`);

export type RdpFailure =
  | 'unreachable' // TCP connect failed
  | 'timeout' // a connection phase took too long
  | 'negotiation' // X.224 negotiation failed (no TLS, NLA required, …)
  | 'tls' // TLS handshake failed or the certificate did not match
  | 'protocol' // malformed or unexpected PDU
  | 'licensing' // the server wants a licensing exchange this client does not do
  | 'denied' // the server refused the session (error info)
  | 'disconnected' // the server ended the session
  | 'closed'; // the connection dropped without a reason

/** A failure of an RDP connection; `failure` lets callers tell the cases apart. */
export class RdpConnectionError extends TshError {
  constructor(
    message: string,
    readonly failure: RdpFailure,
    kind: ErrorKind = 'connection-problem',
    options?: { cause?: unknown },
  ) {
    super(message, kind, 1, options);
    this.name = 'RdpConnectionError';
  }
}
