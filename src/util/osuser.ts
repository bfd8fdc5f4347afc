// The local OS user's name: tsh's default Teleport user (login) and default node login (ssh, scp).
import { userInfo } from 'node:os';

/** The local user name, or '' where the OS cannot tell (no passwd entry). */
export function localUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}
