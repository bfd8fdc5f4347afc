// The MFA prompt (upstream lib/client/mfa/cli.go CLIPrompt.Run): given what the cluster offers
// (TOTP, a WebAuthn assertion), choose as tsh does — --mfa-mode, the stronger method when stdin is
// not shared (no "tap or type" dual prompt), OTP when WebAuthn cannot be answered here — and answer.
import type { Prompter } from '../../term/prompt.js';
import { TshError } from '../../util/errors.js';
import { MSG_NO_SECURITY_KEY } from '../webauthn/fido2.js';
import { authenticatorFromEnv, webauthnSupported } from '../webauthn/index.js';
import type { AssertionRequest, AssertionResult, Authenticator } from '../webauthn/types.js';

/** tsh --mfa-mode values (tool/tsh/common/tsh.go; TELEPORT_MFA_MODE). */
export const MFA_MODES = ['auto', 'cross-platform', 'platform', 'otp', 'sso'] as const;
export type MfaMode = (typeof MFA_MODES)[number];
export const MFA_MODE_ENV = 'TELEPORT_MFA_MODE';

/** lib/client/mfa/cli.go prompt texts (no device-type prefix). */
export const OTP_CODE_PROMPT = 'Enter an OTP code from a device:';
export const TAP_ANY_KEY = 'Tap any security key';
/** lib/auth/webauthncli DefaultPrompt (passwordless and plain WebAuthn logins). */
export const TAP_YOUR_KEY = 'Tap your security key';
export const DETECTED_TAP = 'Detected security key tap';
/** CLIPrompt.Run when WebAuthn is the only method and cannot be used here. */
export const MSG_WEBAUTHN_UNSUPPORTED =
  'hardware device MFA not supported by your platform, please register an OTP device';

export function parseMfaMode(v: string | undefined): MfaMode {
  if (v === undefined || v === '') return 'auto';
  if ((MFA_MODES as readonly string[]).includes(v)) return v as MfaMode;
  throw new TshError(
    `invalid MFA mode: ${JSON.stringify(v)} (one of ${MFA_MODES.join(', ')})`,
    'bad-parameter',
  );
}

export interface MfaPromptOptions {
  /** --mfa-mode; undefined reads TELEPORT_MFA_MODE. */
  mode?: string;
  env: NodeJS.ProcessEnv;
  prompter?: Prompter;
  /** Prompt lines (stderr in the CLI). */
  out: (text: string) => void;
  /** A code given up front (--otp): answers an OTP challenge without prompting. */
  otp?: string;
  /** Printed first (mfa.WithPromptReason...). */
  reason?: string;
  /** Replaces the authenticator the environment names (library callers, tests). */
  authenticator?: Authenticator;
}

export interface MfaChallenge {
  totp: boolean;
  webauthn?: AssertionRequest;
}

export type MfaAnswer =
  { kind: 'none' } | { kind: 'totp'; code: string } | { kind: 'webauthn'; result: AssertionResult };

export async function runMfaPrompt(chal: MfaChallenge, o: MfaPromptOptions): Promise<MfaAnswer> {
  const mode = parseMfaMode(o.mode ?? o.env[MFA_MODE_ENV]);
  if (o.reason) o.out(`${o.reason}\n`);
  let otp = chal.totp;
  let webauthn = !!chal.webauthn;
  if (!otp && !webauthn) return { kind: 'none' };
  if (mode === 'sso') {
    throw new TshError('SSO MFA (--mfa-mode=sso) is not supported by tshjs yet', 'bad-parameter');
  }
  const auth = o.authenticator ?? authenticatorFromEnv(o.env);
  if (webauthn && !o.authenticator && !webauthnSupported(auth)) {
    webauthn = false;
    if (!otp)
      throw new TshError(mode === 'auto' ? MSG_WEBAUTHN_UNSUPPORTED : MSG_NO_SECURITY_KEY, 'bad-parameter');
  }
  // PreferOTP (--mfa-mode=otp, or a code on the command line).
  if ((mode === 'otp' || o.otp) && otp) webauthn = false;
  // No stdin hijack: the stronger method alone.
  if (webauthn) otp = false;
  if (otp) {
    const code = o.otp ?? (await requirePrompter(o).line(OTP_CODE_PROMPT));
    return { kind: 'totp', code: code.trim() };
  }
  if (mode === 'platform' && auth.attachment !== 'platform') {
    throw new TshError(
      'no platform authenticator (Touch ID, Windows Hello) is available to tshjs; use --mfa-mode=cross-platform',
      'bad-parameter',
    );
  }
  o.out(`${TAP_ANY_KEY}\n`);
  const result = await auth.assert(chal.webauthn!, () => o.out(`${DETECTED_TAP}\n`));
  return { kind: 'webauthn', result };
}

function requirePrompter(o: MfaPromptOptions): Prompter {
  if (!o.prompter) throw new TshError('there is no terminal to prompt for an OTP code', 'bad-parameter');
  return o.prompter;
}
