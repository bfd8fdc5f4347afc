// lib/client CertChecker, shared by the local proxies that present a per-resource certificate
// (databases through the tunnel, apps): before the listener serves and for each new connection,
// the certificate in hand is used while `usable` says so, else issued again — one issue at a time,
// shared by concurrent callers. Past the user's own certificate a new one needs a login: with a
// `relogin` hook the proxy picks up a `tshjs login` made elsewhere; this connection fails either way
// and the listener stays (local_proxy.go goes on after a failed connection).
import { TshError } from '../util/errors.js';

export interface CertCheckerOptions<C extends { expires: Date }> {
  /** A saved certificate to start with (used only while `usable`). */
  initial?: C;
  /** Whether a certificate can serve a new connection now. */
  usable: (c: C, now: Date) => boolean;
  now: () => Date;
  /** When the user's own certificate expires: past it, issuing needs a new login. */
  userCertExpires: Date;
  proxy: string;
  issue: () => Promise<C>;
  log?: (msg: string, f?: Record<string, unknown>) => void;
  /** The log line after an issue. */
  issuedMessage: string;
  issuedFields?: Record<string, unknown>;
  /**
   * Once the user's certificate has expired: the login on disk now (a new `tshjs login` in another
   * terminal), its expiry and an issuer that uses it; undefined while there is none. Upstream's
   * RetryWithRelogin prompts in place; a listener in the background cannot.
   */
  relogin?: () => Promise<{ userCertExpires: Date; issue: () => Promise<C> } | undefined>;
}

export function certChecker<C extends { expires: Date }>(o: CertCheckerOptions<C>): () => Promise<C> {
  let current = o.initial;
  let userCertExpires = o.userCertExpires;
  let issue = o.issue;
  let pending: Promise<C> | undefined;
  const expired = () => userCertExpires.getTime() <= o.now().getTime();
  const pickUpLogin = async () => {
    const fresh = await o.relogin!().catch((err: unknown) => {
      o.log?.('Reading the login failed', { error: (err as Error).message });
      return undefined;
    });
    if (fresh && fresh.userCertExpires.getTime() > o.now().getTime()) {
      o.log?.('Using the new login', { expires: fresh.userCertExpires.toISOString() });
      userCertExpires = fresh.userCertExpires;
      issue = fresh.issue;
    }
  };
  return () => {
    if (current && o.usable(current, o.now())) return Promise.resolve(current);
    pending ??= (async () => {
      try {
        if (expired() && o.relogin) await pickUpLogin();
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
        o.log?.(o.issuedMessage, { ...o.issuedFields, expires: c.expires.toISOString() });
        current = c;
        return c;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}
