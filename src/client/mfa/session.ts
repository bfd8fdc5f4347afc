// Per-session MFA (upstream lib/client ClusterClient PerformSessionMFACeremony + lib/client/mfa):
// answer an MFAAuthenticateChallenge from the Auth service with the user's WebAuthn authenticator
// (or OTP on a cluster that still takes it), and, for SSH, the single-use certificate the node
// asks for (IssueUserCertsWithMFA with Usage SSH, NodeName and SSHLogin).
import { type KeyObject } from 'node:crypto';
import { generateKey, normalizeSuite, userKeyAlgorithms } from '../../auth/keygen.js';
import { parseSshCertificateLine } from '../../auth/ssh/cert.js';
import { marshalAuthorizedKey } from '../../auth/ssh/keys.js';
import {
  MFARequired,
  UserCertsRequest,
  UserCertsRequest_CertPurpose,
  UserCertsRequest_CertUsage,
  type MFAAuthenticateChallenge,
  type MFAAuthenticateResponse,
} from '../../gen/teleport/legacy/client/proto/authservice.js';
import { ChallengeScope } from '../../gen/teleport/mfa/v1/mfa.js';
import type { Prompter } from '../../term/prompt.js';
import { TshError } from '../../util/errors.js';
import type { ClusterClient } from '../cluster.js';
import { requestFromProto, resultToProto, webauthnOrigin, type Authenticator } from '../webauthn/types.js';
import { runMfaPrompt } from './prompt.js';

export interface SessionMfaOptions {
  /** `MFA is required to access <kind> "<name>"`, printed before the prompt. */
  reason: string;
  /** The proxy's web address: the WebAuthn origin. */
  webProxyAddr: string;
  env: NodeJS.ProcessEnv;
  mfaMode?: string;
  prompter?: Prompter;
  out?: (text: string) => void;
  authenticator?: Authenticator;
}

/**
 * The answer to a per-session challenge that carries a WebAuthn assertion. TOTP is left out: a
 * Teleport 18 cluster no longer accepts it for per-session MFA, and WebAuthn is the stronger method.
 */
export async function answerSessionWebauthn(
  challenge: MFAAuthenticateChallenge,
  o: SessionMfaOptions,
): Promise<MFAAuthenticateResponse> {
  if (!challenge.WebauthnChallenge) {
    throw new TshError(`${o.reason}, but the cluster sent no WebAuthn challenge`, 'access-denied');
  }
  const answer = await runMfaPrompt(
    {
      totp: false,
      webauthn: requestFromProto(challenge.WebauthnChallenge, webauthnOrigin(o.webProxyAddr)),
    },
    {
      mode: o.mfaMode,
      env: o.env,
      prompter: o.prompter,
      out: o.out ?? (() => {}),
      reason: o.reason,
      authenticator: o.authenticator,
    },
  );
  if (answer.kind !== 'webauthn')
    throw new TshError(`${o.reason}, but no MFA answer was given`, 'access-denied');
  return { Response: { $case: 'Webauthn', value: resultToProto(answer.result) } };
}

export interface SshMfaCert {
  key: KeyObject;
  /** authorized_keys-style certificate line. */
  cert: string;
}

/**
 * `tshjs ssh` to a node whose access needs per-session MFA: IsMFARequired for the node and login;
 * when required, the ceremony and a single-use SSH certificate for a fresh key (undefined when not).
 */
export async function sessionMfaSshCert(
  cc: ClusterClient,
  target: { host: string; login: string },
  o: Omit<SessionMfaOptions, 'reason' | 'webProxyAddr'>,
): Promise<SshMfaCert | undefined> {
  const id = cc.identity;
  const auth = cc.auth;
  const node = { $case: 'Node' as const, value: { Node: target.host, Login: target.login } };
  // Asked after the node refused us: if the question itself fails, the refusal is what the person
  // should see, so a failed check counts as "not required".
  const required = await cc
    .call(auth, auth.isMfaRequired, { Target: node }, 'check whether MFA is required')
    .catch(() => ({ Required: false }));
  if (!required.Required) return undefined;
  const challenge = await cc.call(
    auth,
    auth.createAuthenticateChallenge,
    {
      Request: { $case: 'ContextUser', value: {} },
      MFARequiredCheck: { Target: node },
      ChallengeExtensions: { scope: ChallengeScope.CHALLENGE_SCOPE_USER_SESSION, allowReuse: 0 },
    },
    'create an MFA challenge',
  );
  if (challenge.MFARequired === MFARequired.MFA_REQUIRED_NO) return undefined;
  // mfa.WithPromptReasonSessionMFA("node", host).
  const reason = `MFA is required to access node "${target.host}"`;
  if (!challenge.WebauthnChallenge) {
    throw new TshError(
      challenge.TOTP
        ? `${reason}: per-session MFA is not satisfied by OTP devices; register a WebAuthn device`
        : "MFA is required to access this resource but user has no MFA devices; use 'tsh mfa add' to register MFA devices",
      'access-denied',
    );
  }
  const mfa = await answerSessionWebauthn(challenge, { ...o, reason, webProxyAddr: id.webProxyAddr });
  const ping = await cc.call(auth, auth.ping, {}, 'ping the auth server');
  const key = generateKey(userKeyAlgorithms(normalizeSuite(ping.signatureAlgorithmSuite)).ssh);
  const request = UserCertsRequest.fromPartial({
    SSHPublicKey: Buffer.from(marshalAuthorizedKey(key)),
    Username: id.username,
    Expires: id.tls.expires,
    RouteToCluster: id.cluster,
    NodeName: target.host,
    SSHLogin: target.login,
    Usage: UserCertsRequest_CertUsage.SSH,
    Purpose: UserCertsRequest_CertPurpose.CERT_PURPOSE_SINGLE_USE_CERTS,
    MFAResponse: mfa,
  });
  const certs = await cc.call(auth, auth.generateUserCerts, request, 'issue a certificate');
  const cert = certs.SSH.toString('utf8').trim();
  if (!cert) throw new TshError('the cluster returned no SSH certificate', 'internal');
  parseSshCertificateLine(cert);
  return { key, cert: `${cert}\n` };
}
