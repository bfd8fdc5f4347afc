// The desktop certificate a session presents to the Windows Desktop Service, issued by the client
// core's reissue path (TeleportClient.issueDesktopCert, src/client/reissue.ts).
import type { Prompter } from '../term/prompt.js';

export type { DesktopCert } from '../client/reissue.js';

export interface DesktopCertRequest {
  desktop: string;
  login: string;
  cluster?: string;
  /** Answers a per-session MFA challenge; without one, required MFA fails with one line. */
  prompter?: Prompter;
  /** Where the MFA prompt's reason and warnings go (stderr in the CLI). */
  warn?: (text: string) => void;
}
