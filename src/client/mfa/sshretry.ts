// The hook `tshjs ssh` (src/ssh/session.ts connectNode) calls when a node refused its certificate:
// if the node needs per-session MFA, run the ceremony and hand back a single-use certificate;
// otherwise rethrow the refusal unchanged. Upstream tsh likewise tries the plain certificate first.
import { TshError } from '../../util/errors.js';
import type { TeleportClient } from '../teleport.js';
import type { SshMfaCert } from './session.js';
import type { Prompter } from '../../term/prompt.js';

export type { SshMfaCert } from './session.js';

export interface SshMfaPromptOptions {
  out?: (text: string) => void;
  prompter?: Prompter;
  mfaMode?: string;
}

export async function sshSessionMfaRetry(
  tc: TeleportClient,
  target: { host: string; login: string },
  refusal: unknown,
  o: SshMfaPromptOptions = {},
): Promise<SshMfaCert> {
  if (!(refusal instanceof TshError) || refusal.kind !== 'access-denied') throw refusal;
  const cc = await tc.cluster();
  // Loaded only when a node refused us: plain ssh never pays for the MFA code.
  const { sessionMfaSshCert } = await import('./session.js');
  const cert = await sessionMfaSshCert(cc, target, { ...o, env: tc.config.env ?? process.env });
  if (!cert) throw refusal;
  return cert;
}
