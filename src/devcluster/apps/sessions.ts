// App sessions as the proxy and app service share them (upstream: a WebSession of subkind "app"
// in the backend). A certificate session is made while GenerateUserCerts issues an app
// certificate (its random id goes into RouteToApp.SessionID); a JWT session is made from an
// app auth config bearer token (id = lower-hex SHA-256 of the token). Both expire with what
// started them.
import { randomBytes } from 'node:crypto';

export interface AppSession {
  /** Random hex for certificate sessions; SHA-256 hex of the token for JWT sessions. */
  id: string;
  user: string;
  roles: string[];
  traits: Record<string, string[]>;
  appName: string;
  clusterName: string;
  publicAddr: string;
  uri: string;
  /** Multi-port TCP apps: the port the certificate was issued for (kept server-side). */
  targetPort?: number;
  expires: Date;
  loginIp?: string;
  origin: 'cert' | 'jwt';
}

/** An in-memory session table; expired entries disappear on lookup and on each create. */
export class AppSessionStore {
  private readonly sessions = new Map<string, AppSession>();

  /** Stores a session; without an id a random one (32 bytes, hex, as web session ids) is chosen. */
  create(s: Omit<AppSession, 'id'> & { id?: string }): AppSession {
    this.sweep();
    const session: AppSession = { ...s, id: s.id || randomBytes(32).toString('hex') };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id; undefined when unknown or expired. */
  get(id: string): AppSession | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expires.getTime() <= Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  /**
   * DeleteAppSession for a caller: only a session of that user is removed (someone else's looks
   * the same as a missing one). False when nothing was removed.
   */
  deleteOwned(id: string, user: string): boolean {
    const s = this.get(id);
    return !!s && s.user === user && this.sessions.delete(id);
  }

  /** Live sessions (for tests and listings). */
  list(): AppSession[] {
    this.sweep();
    return [...this.sessions.values()];
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.expires.getTime() <= now) this.sessions.delete(id);
  }
}

const stores = new WeakMap<object, AppSessionStore>();

/**
 * The session table of one dev cluster, keyed by its Authority: the Auth service (which creates
 * sessions while issuing app certificates) and the proxy (which reads them) share it.
 */
export function appSessionStore(clusterKey: object): AppSessionStore {
  let s = stores.get(clusterKey);
  if (!s) {
    s = new AppSessionStore();
    stores.set(clusterKey, s);
  }
  return s;
}
