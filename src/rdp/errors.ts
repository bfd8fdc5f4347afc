// Typed errors for malformed or unsupported RDP graphics input: everything a hostile or broken peer
// can send ends in an RdpDecodeError (one line, kind connection-problem), never a RangeError.
import { TshError } from '../util/errors.js';

export class RdpDecodeError extends TshError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'connection-problem', 1, options);
    this.name = 'RdpDecodeError';
  }
}

/** `what` names the structure, e.g. "fast-path update", "RemoteFX tileset". */
export const malformed = (what: string, detail: string) => new RdpDecodeError(`malformed ${what}: ${detail}`);
export const unsupported = (what: string) => new RdpDecodeError(`unsupported RDP graphics: ${what}`);
