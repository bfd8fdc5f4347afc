// The tunnel's certificate checker (lib/client CertChecker with a DBCertIssuer): before the
// listener starts and for each new connection, the certificate in hand is checked for expiry and
// subject (alpnproxy.CheckDBCertSubject) and reissued when it does not fit.
import { certChecker } from './certchecker.js';

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
  return certChecker({
    ...o,
    usable: (c, now) =>
      c.expires.getTime() > now.getTime() && !checkDbCertSubject(c.identity.routeToDatabase, o.route),
    issuedMessage: 'Certificate renewed',
  });
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
