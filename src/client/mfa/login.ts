// The MFA part of `tshjs login` against /webapi/mfa/login/{begin,finish} (lib/client/weblogin.go
// SSHAgentMFALogin and SSHAgentPasswordlessLogin): password + the challenge the cluster sends
// (OTP or WebAuthn), or passwordless — a discoverable credential, user verification required,
// and the user carried in the assertion's user handle.
import type { Prompter } from '../../term/prompt.js';
import { TshError } from '../../util/errors.js';
import { authenticatorFromEnv } from '../webauthn/index.js';
import { requestFromJSON, resultToJSON, webauthnOrigin, type Authenticator } from '../webauthn/types.js';
import type { PingResponse, WebClient } from '../webapi.js';
import { DETECTED_TAP, runMfaPrompt, TAP_YOUR_KEY } from './prompt.js';

export interface MfaLoginOptions {
  user: string;
  /** --auth: "passwordless" selects the passwordless flow. */
  authConnector?: string;
  /** --otp */
  otp?: string;
  mfaMode?: string;
  env: NodeJS.ProcessEnv;
  prompter: Prompter;
  out: (text: string) => void;
  authenticator?: Authenticator;
}

/** The credentials part of the finish body. */
export interface MfaLoginAnswer {
  user: string;
  password: string;
  totp_code: string;
  webauthn_challenge_response: Record<string, unknown> | null;
}

/** constants.PasswordlessConnector, chosen by --auth or as the cluster's default connector. */
export function isPasswordless(authConnector: string | undefined, ping: PingResponse): boolean {
  if (authConnector) return authConnector === 'passwordless';
  return ping.auth.local?.name === 'passwordless';
}

export async function mfaLoginAnswer(
  web: WebClient,
  ping: PingResponse,
  o: MfaLoginOptions,
): Promise<MfaLoginAnswer> {
  const origin = webauthnOrigin(web.proxyAddr);
  if (isPasswordless(o.authConnector, ping)) return passwordless(web, origin, o);
  const password = await o.prompter.password(`Enter password for Teleport user ${o.user}:`);
  const chal = await web.mfaLoginBegin({ user: o.user, pass: password, passwordless: false });
  if (chal.sso_challenge && !chal.totp_challenge && !chal.webauthn_challenge) {
    throw new TshError('the cluster asks for SSO MFA, which tshjs does not support yet', 'bad-parameter');
  }
  const answer = await runMfaPrompt(
    {
      totp: !!chal.totp_challenge,
      webauthn: chal.webauthn_challenge ? requestFromJSON(chal.webauthn_challenge, origin) : undefined,
    },
    {
      mode: o.mfaMode,
      env: o.env,
      prompter: o.prompter,
      out: o.out,
      otp: o.otp,
      authenticator: o.authenticator,
    },
  );
  return {
    user: o.user,
    password,
    totp_code: answer.kind === 'totp' ? answer.code : '',
    webauthn_challenge_response: answer.kind === 'webauthn' ? resultToJSON(answer.result) : null,
  };
}

async function passwordless(web: WebClient, origin: string, o: MfaLoginOptions): Promise<MfaLoginAnswer> {
  const chal = await web.mfaLoginBegin({ user: '', pass: '', passwordless: true });
  if (!chal.webauthn_challenge)
    throw new TshError('passwordless: webauthn challenge missing', 'bad-parameter');
  const req = requestFromJSON(chal.webauthn_challenge, origin);
  if (req.userVerification === 'discouraged') {
    throw new TshError(
      `passwordless: user verification requirement too lax (${req.userVerification})`,
      'bad-parameter',
    );
  }
  const auth = o.authenticator ?? authenticatorFromEnv(o.env);
  o.out(`${TAP_YOUR_KEY}\n`);
  const result = await auth.assert({ ...req, user: o.user || undefined }, () => o.out(`${DETECTED_TAP}\n`));
  return { user: '', password: '', totp_code: '', webauthn_challenge_response: resultToJSON(result) };
}
