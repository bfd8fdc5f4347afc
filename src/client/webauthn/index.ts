// Which authenticator answers WebAuthn challenges: the software key a test names in
// TSHJS_WEBAUTHN_SOFTWARE_KEY (explicit, never found on its own), else FIDO2 security keys.
import { Fido2Authenticator } from './fido2.js';
import { SoftwareAuthenticator } from './software.js';
import type { Authenticator } from './types.js';

/** The test seam: the path of a software key file (docs/webauthn.md). */
export const SOFTWARE_KEY_ENV = 'TSHJS_WEBAUTHN_SOFTWARE_KEY';

export function authenticatorFromEnv(env: NodeJS.ProcessEnv): Authenticator {
  const file = env[SOFTWARE_KEY_ENV];
  return file ? new SoftwareAuthenticator(file) : new Fido2Authenticator();
}

/** Whether a WebAuthn challenge can be answered at all (upstream WebauthnSupported). */
export function webauthnSupported(a: Authenticator): boolean {
  return a instanceof SoftwareAuthenticator;
}

export type { Authenticator, AssertionRequest, AssertionResult } from './types.js';
