// Who may talk to the viewer's local server (docs/desktop-viewer.md, "Security"). Two secrets:
//  - the link secret, in the URL tshjs opens or prints: spent by the first page load;
//  - the page token, made at that load and written into the page: the script URL and the
//    WebSocket URL carry it, and the first WebSocket that presents it takes it for good.
// So one page, and one connection from it, ever; a second load of the link (someone who read it
// from the process list, or a reload) is refused and the terminal says so.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Equal-time comparison of strings of any length (both hashed first). */
export function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}

export type Claim = { ok: true; token: string } | { ok: false; reason: 'wrong' | 'used' };

export class ViewerSecrets {
  readonly link: string;
  private token: string | undefined;
  private socketTaken = false;

  constructor(link = newSecret()) {
    this.link = link;
  }

  /** A page load presenting `secret`: the page token the first time, refused after. */
  claimPage(secret: string | undefined): Claim {
    if (secret === undefined || !sameSecret(secret, this.link)) return { ok: false, reason: 'wrong' };
    if (this.token !== undefined) return { ok: false, reason: 'used' };
    this.token = newSecret();
    return { ok: true, token: this.token };
  }

  /** The page's own requests (its script) before and while its WebSocket is open. */
  checkToken(token: string | undefined): boolean {
    return this.token !== undefined && token !== undefined && sameSecret(token, this.token);
  }

  /** The WebSocket: the first one with the page token takes it; any later one is refused. */
  claimSocket(token: string | undefined): 'ok' | 'wrong' | 'used' {
    if (!this.checkToken(token)) return 'wrong';
    if (this.socketTaken) return 'used';
    this.socketTaken = true;
    return 'ok';
  }

  get pageLoaded(): boolean {
    return this.token !== undefined;
  }
}
