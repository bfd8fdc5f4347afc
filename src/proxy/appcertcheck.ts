// The app local proxy's certificate checker (lib/client NewAppCertChecker, a CertChecker with an
// app cert issuer): before the listener serves and for each new connection, the certificate in hand
// is checked for expiry and app, and issued again when it does not fit. docs/apps.md.
import { certChecker } from './certchecker.js';

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

/** The certificate for the next connection (certchecker.ts): the app's, while unexpired. */
export function appCertChecker(o: AppCertCheckerOptions): () => Promise<AppCertLike> {
  return certChecker({
    ...o,
    usable: (c, now) => appCertUsable(c, o.appName, now),
    issuedMessage: 'App certificate issued',
    issuedFields: { app: o.appName },
  });
}
