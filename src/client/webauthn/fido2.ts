// Hardware security keys. Node has no well-kept FIDO2/CTAP library that works headless (the
// candidates need a desktop browser, or native HID bindings that are unmaintained), so tshjs says
// so in one line instead of trying: OTP, or another client, is the way with a real key today.
import { TshError } from '../../util/errors.js';
import type { AssertionRequest, AssertionResult, Authenticator } from './types.js';

export const MSG_NO_SECURITY_KEY =
  'no security key available: tshjs cannot use FIDO2 security keys on this system yet (no FIDO2/CTAP support); use an OTP device';

export class Fido2Authenticator implements Authenticator {
  readonly kind = 'security key';
  readonly attachment = 'cross-platform' as const;

  assert(_req: AssertionRequest, _touch: () => void): Promise<AssertionResult> {
    return Promise.reject(new TshError(MSG_NO_SECURITY_KEY, 'bad-parameter'));
  }
}
