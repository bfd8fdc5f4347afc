// The tunnel's certificate checker (lib/client CertChecker with a DBCertIssuer): before the
// listener starts and for each new connection, the certificate in hand is checked for expiry and
// subject (alpnproxy.CheckDBCertSubject) and reissued when it does not fit.
import { TshError } from '../util/errors.js';

export interface RouteLike {
  serviceName: string;
  username: string;
  database: string;
}

/**
 * The tunnel's certificate (client.CertChecker with a DBCertIssuer): the saved one while it is
 * valid and for the route's user and database (alpnproxy.CheckDBCertSubject), else a new one
 * (requester TSH_DB_LOCAL_PROXY_TUNNEL; saved unless MFA-verified). One reissue at a time.
 */
export function tunnelCertChecker(o: {
  initial?: { certPem: string; keyPem: string; expires: Date; identity: { routeToDatabase?: RouteLike } };
  route: RouteLike;
  now: () => Date;
  /** When the user's own certificate expires: past it, reissue needs a new login. */
  userCertExpires: Date;
  proxy: string;
  issue: () => Promise<{
    certPem: string;
    keyPem: string;
    expires: Date;
    identity: { routeToDatabase?: RouteLike };
  }>;
  log?: (msg: string, f?: Record<string, unknown>) => void;
  /**
   * Once the user's certificate has expired: the login on disk now (a new `tshjs login` in another
   * terminal), its expiry and an issuer that uses it; undefined while there is none. Upstream's
   * RetryWithRelogin prompts in place; a listener in the background cannot, so it waits for a
   * login made elsewhere and goes on with it. Without this hook the proxy must be restarted.
   */
  relogin?: () => Promise<{ userCertExpires: Date; issue: () => ReturnType<typeof o.issue> } | undefined>;
}): () => Promise<{ certPem: string; keyPem: string }> {
  let current = o.initial;
  let userCertExpires = o.userCertExpires;
  let issue = o.issue;
  const expired = () => userCertExpires.getTime() <= o.now().getTime();
  let pending: Promise<{ certPem: string; keyPem: string }> | undefined;
  const usable = (c: NonNullable<typeof current>) =>
    c.expires.getTime() > o.now().getTime() && !checkDbCertSubject(c.identity.routeToDatabase, o.route);
  return () => {
    if (current && usable(current)) return Promise.resolve(current);
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
          // The database certificate cannot be reissued without a new login: this connection
          // fails, the listener stays (local_proxy.go goes on after a failed connection).
          throw new TshError(
            `your credentials for ${o.proxy} expired at ${userCertExpires.toISOString()}; run "tshjs login" ` +
              (o.relogin
                ? 'in another terminal, then connect again: this proxy keeps listening and uses the new login'
                : 'and restart this proxy'),
            'expired',
          );
        }
        const c = await issue();
        o.log?.('Certificate renewed', { expires: c.expires.toISOString() });
        current = c;
        return c;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}

/** alpnproxy.CheckDBCertSubject: the mismatch, or undefined when the certificate fits the route. */
export function checkDbCertSubject(cert: RouteLike | undefined, want: RouteLike): string | undefined {
  const have = cert ?? { serviceName: '', username: '', database: '' };
  if (want.username && want.username !== have.username) {
    return `certificate subject is for user ${have.username}, but need ${want.username}`;
  }
  if (want.database && want.database !== have.database) {
    return `certificate subject is for database name ${have.database}, but need ${want.database}`;
  }
  return undefined;
}
