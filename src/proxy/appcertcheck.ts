// The app local proxy's certificate checker (lib/client NewAppCertChecker, a CertChecker with an
// app cert issuer): before the listener serves and for each new connection, the certificate in hand
// is checked for expiry and app, and issued again when it does not fit. docs/apps.md.
import { TshError } from '../util/errors.js';

export interface AppCertLike {
  certPem: string;
  keyPem: string;
  expires: Date;
  identity: { routeToApp?: { name: string } };
}

export interface AppCertCheckerOptions {
  /** A saved certificate to start with (apps login); ignored unless it is for `appName`. */
  initial?: AppCertLike;
  appName: string;
  now: () => Date;
  /** When the user's own certificate expires: past it, a new app certificate needs a new login. */
  userCertExpires: Date;
  proxy: string;
  issue: () => Promise<AppCertLike>;
  log?: (msg: string, f?: Record<string, unknown>) => void;
  /**
   * Once the user's certificate has expired: the login on disk now (`tshjs login` in another
   * terminal) and an issuer that uses it; undefined while there is none. Upstream's
   * RetryWithRelogin prompts in place; a listener in the background cannot.
   */
  relogin?: () => Promise<{ userCertExpires: Date; issue: () => Promise<AppCertLike> } | undefined>;
}

/** Whether a certificate can serve a new connection: not expired, and routed to this app. */
export function appCertUsable(c: AppCertLike, appName: string, now: Date): boolean {
  return c.expires.getTime() > now.getTime() && c.identity.routeToApp?.name === appName;
}

/** The certificate for the next connection; one issue at a time, shared by concurrent callers. */
export function appCertChecker(o: AppCertCheckerOptions): () => Promise<AppCertLike> {
  let current = o.initial;
  let userCertExpires = o.userCertExpires;
  let issue = o.issue;
  let pending: Promise<AppCertLike> | undefined;
  const expired = () => userCertExpires.getTime() <= o.now().getTime();
  return () => {
    if (current && appCertUsable(current, o.appName, o.now())) return Promise.resolve(current);
    pending ??= (async () => {
      try {
        if (expired() && o.relogin) {
          const fresh = await o.relogin().catch((err: unknown) => {
            o.log?.('Reading the login failed', { error: (err as Error).message });
            return undefined;
          });
          if (fresh && fresh.userCertExpires.getTime() > o.now().getTime()) {
            o.log?.('Using the new login', { expires: fresh.userCertExpires.toISOString() });
            userCertExpires = fresh.userCertExpires;
            issue = fresh.issue;
          }
        }
        if (expired()) {
          throw new TshError(
            `your credentials for ${o.proxy} expired at ${userCertExpires.toISOString()}; run "tshjs login" ` +
              (o.relogin
                ? 'in another terminal, then connect again: this proxy keeps listening and uses the new login'
                : 'and restart this proxy'),
            'expired',
          );
        }
        const c = await issue();
        o.log?.('App certificate issued', { app: o.appName, expires: c.expires.toISOString() });
        current = c;
        return c;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}
