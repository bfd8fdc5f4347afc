// tsh headless approve from a logged-in machine (lib/client/api.go HeadlessApprove): read the
// request from the root cluster's Auth service (GetHeadlessAuthentication), show where it comes
// from, ask to confirm unless skipped (a "no" denies it), then answer an MFA challenge of scope
// HEADLESS_LOGIN and set the request APPROVED with the answer (UpdateHeadlessAuthenticationState).
// The answer comes from the shared MFA prompt (src/client/mfa): WebAuthn when the user has a key
// (upstream accepts nothing else), else an OTP code, which only the dev cluster accepts.
import type { MFAAuthenticateResponse } from '../gen/teleport/legacy/client/proto/authservice.js';
import { HeadlessAuthenticationState } from '../gen/teleport/legacy/types/types.js';
import { ChallengeScope } from '../gen/teleport/mfa/v1/mfa.js';
import type { Prompter } from '../term/prompt.js';
import { TshError } from '../util/errors.js';
import type { ClusterClient } from './cluster.js';
import { runMfaPrompt } from './mfa/prompt.js';
import { requestFromProto, resultToProto, webauthnOrigin } from './webauthn/types.js';

export interface HeadlessApproveOptions {
  id: string;
  /** Ask "Approve?" first (tsh's default; --skip-confirm / TELEPORT_HEADLESS_SKIP_CONFIRM turn it off). */
  confirm: boolean;
  prompter: Prompter;
  /** The request details and prompts (stdout in tsh). */
  out: (text: string) => void;
  /** TELEPORT_MFA_MODE, and the authenticator the environment names. */
  env: NodeJS.ProcessEnv;
}

export type HeadlessDecision = 'approved' | 'denied';

/** types.HeadlessAuthenticationState.Stringify: the state without its prefix, lower case. */
export function stateName(s: HeadlessAuthenticationState): string {
  const name = HeadlessAuthenticationState[s] ?? String(s);
  return name.replace(/^HEADLESS_AUTHENTICATION_STATE_/, '').toLowerCase();
}

/** prompt.Confirmation: yes only for "y" or "yes", any case; anything else (or nothing) is no. */
export function isYes(answer: string): boolean {
  return ['y', 'yes'].includes(answer.trim().toLowerCase());
}

async function answerChallenge(
  cc: ClusterClient,
  o: HeadlessApproveOptions,
): Promise<MFAAuthenticateResponse> {
  const auth = cc.auth;
  const chal = await cc.call(
    auth,
    auth.createAuthenticateChallenge,
    {
      Request: { $case: 'ContextUser', value: {} },
      ChallengeExtensions: { scope: ChallengeScope.CHALLENGE_SCOPE_HEADLESS_LOGIN, allowReuse: 0 },
    },
    'create an MFA challenge',
  );
  const origin = webauthnOrigin(cc.identity.webProxyAddr);
  const answer = await runMfaPrompt(
    {
      totp: !!chal.TOTP,
      webauthn: chal.WebauthnChallenge ? requestFromProto(chal.WebauthnChallenge, origin) : undefined,
    },
    { env: o.env, prompter: o.prompter, out: o.out },
  );
  switch (answer.kind) {
    case 'totp':
      if (!answer.code) throw new TshError('no OTP code entered', 'bad-parameter');
      return { Response: { $case: 'TOTP', value: { Code: answer.code } } };
    case 'webauthn':
      return { Response: { $case: 'Webauthn', value: resultToProto(answer.result) } };
    default:
      // lib/auth/authclient ErrNoMFADevices.
      throw new TshError(
        "MFA is required to access this resource but user has no MFA devices; use 'tsh mfa add' to register MFA devices",
        'access-denied',
      );
  }
}

/** Runs the approval; resolves with what was decided. */
export async function headlessApprove(
  cc: ClusterClient,
  o: HeadlessApproveOptions,
): Promise<HeadlessDecision> {
  const auth = cc.auth;
  const ha = await cc.call(
    auth,
    auth.getHeadlessAuthentication,
    { id: o.id },
    'get the headless authentication',
  );
  if (ha.state !== HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_PENDING) {
    throw new TshError(
      `cannot approve a headless authentication from a non-pending state: ${stateName(ha.state)}`,
      'bad-parameter',
    );
  }
  o.out(
    `Headless login attempt from IP address ${JSON.stringify(ha.clientIpAddress)} requires approval.\n` +
      "Contact your administrator if you didn't initiate this login attempt.\n",
  );
  if (o.confirm && !isYes(await o.prompter.line('Approve? [y/N]:', { optional: true }))) {
    await cc.call(
      auth,
      auth.updateHeadlessAuthenticationState,
      {
        id: o.id,
        state: HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_DENIED,
        mfaResponse: undefined,
      },
      'deny the headless authentication',
    );
    return 'denied';
  }
  const mfa = await answerChallenge(cc, o);
  await cc.call(
    auth,
    auth.updateHeadlessAuthenticationState,
    { id: o.id, state: HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_APPROVED, mfaResponse: mfa },
    'approve the headless authentication',
  );
  return 'approved';
}
