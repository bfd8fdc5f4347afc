// A database gateway (lib/teleterm/gateway db.go over alpnproxy.LocalProxy): the CLI's database
// local proxy (src/proxy/db.ts) in tunnel mode, so the client needs no credentials, presenting a db
// certificate routed to the database and the gateway's user (no database name: the app changes it
// at will). The certificate lives where `tsh db login` keeps it (src/client/dbcerts.ts); when it
// expires the next connection renews it, asking the app for a new login if the user's has expired.
import { spawnSync } from 'node:child_process';
import { dbCertFiles, issueDbCert, readDbCert, type DbCert } from '../../client/dbcerts.js';
import { getDatabase } from '../../client/dbinfo.js';
import { isSupportedDbProtocol, lookPathIn } from '../../client/dbcmd.js';
import type { TeleportClient } from '../../client/teleport.js';
import type { DatabaseV3 } from '../../gen/teleport/legacy/types/types.js';
import { startDbLocalProxy, type DbLocalProxy } from '../../proxy/db.js';
import type { DaemonDeps } from '../deps.js';
import { daemonError } from '../errors.js';
import { dbGatewayCommand } from './clicommand.js';
import { freshClient, renewWithRelogin } from './renew.js';
import type { GatewayTarget, LiveGateway } from './types.js';

export interface DbGatewayOptions {
  uri: string;
  target: GatewayTarget;
  targetUser: string;
  targetSubresourceName: string;
  port: number | undefined;
}

/** The database resource (GetDatabase), by exact name, in the target's cluster. */
async function findDatabase(tc: TeleportClient, name: string): Promise<DatabaseV3> {
  return getDatabase(
    { tc, selectors: { name, labels: '', query: '' }, clusterFlag: '', command: 'tsh' },
    name,
  );
}

/** A certificate that still works for the gateway: unexpired, for its user (CheckDBCertSubject). */
function fits(c: DbCert | undefined, user: string): c is DbCert {
  return !!c && c.expires.getTime() > Date.now() && (c.identity.routeToDatabase?.username ?? '') === user;
}

/** `mysql --version`, to tell MariaDB's client from Oracle's (as `tsh db connect` does). */
function mysqlVersion(pathEnv: string | undefined): string | undefined {
  const r = spawnSync('mysql', ['--version'], {
    env: { ...process.env, PATH: pathEnv ?? '' },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.status === 0 ? r.stdout : undefined;
}

/** Issues the gateway's certificate (saved beside the CLI's), per-session MFA through the app. */
async function issue(deps: DaemonDeps, o: DbGatewayOptions, protocol: string): Promise<DbCert> {
  const tc = await freshClient(deps, o.target);
  // Another gateway or `tsh db login` may have renewed the saved one already.
  const saved = await readDbCert(tc, (await tc.identity()).cluster, o.target.name);
  if (fits(saved, o.targetUser)) return saved;
  return issueDbCert(tc, {
    db: o.target.name,
    protocol,
    username: o.targetUser,
    database: '',
    roles: [],
    prompter: deps.events.ready
      ? deps.events.mfaPrompter(o.target.clusterUri, `MFA is required to access database "${o.target.name}"`)
      : undefined,
  });
}

export async function createDbGateway(deps: DaemonDeps, o: DbGatewayOptions): Promise<LiveGateway> {
  const tc = await freshClient(deps, o.target);
  const db = await findDatabase(tc, o.target.name);
  const protocol = db.Spec?.Protocol ?? '';
  // Upstream reissues at creation; an error a login fixes reaches the app with the relogin trailer.
  const cert = await issue(deps, o, protocol);
  return startDbGateway(deps, o, protocol, cert);
}

async function startDbGateway(
  deps: DaemonDeps,
  o: DbGatewayOptions,
  protocol: string,
  initial: DbCert | undefined,
): Promise<LiveGateway> {
  let current = initial;
  let pending: Promise<DbCert> | undefined;
  const self = { uri: o.uri, target: o.target };
  const certSource = async (): Promise<DbCert> => {
    if (fits(current, o.targetUser)) return current;
    pending ??= renewWithRelogin(deps, self, () => issue(deps, o, protocol)).finally(
      () => (pending = undefined),
    );
    current = await pending;
    return current;
  };
  const tc = await deps.clientFor(o.target.clusterUri);
  // What the CLI command names, fixed now: it must not need the cluster (or the profile) later.
  const cluster = (await tc.identity()).cluster;
  const files = await dbCertFiles(tc, cluster, o.target.name);
  // A port in use or not allowed is the CLI's one-line BadParameter.
  const proxy: DbLocalProxy = await startDbLocalProxy({
    tc,
    protocol,
    port: o.port,
    tunnel: true,
    cert: certSource,
    insecure: deps.insecure,
    log: (msg, f) => deps.log.debug(msg, { gateway: o.uri, ...(f as Record<string, unknown>) }),
  });
  let subresource = o.targetSubresourceName;
  let closed = false;
  const gw: LiveGateway = {
    uri: o.uri,
    target: o.target,
    targetUser: o.targetUser,
    get targetSubresourceName() {
      return subresource;
    },
    set targetSubresourceName(v: string) {
      subresource = v;
    },
    protocol,
    localAddress: 'localhost',
    localPort: String(proxy.port),
    async cliCommand() {
      // A protocol tshjs has no client command for gets an empty one (as upstream's app gateways).
      if (!isSupportedDbProtocol(protocol) && protocol !== 'cockroachdb') {
        return { path: '', args: [], env: [], preview: '' };
      }
      const pathEnv = deps.env.PATH;
      return dbGatewayCommand(
        {
          protocol,
          serviceName: o.target.name,
          cluster,
          username: o.targetUser,
          database: subresource,
          host: 'localhost',
          port: proxy.port,
          insecure: deps.insecure,
          files,
          mysqlVersion: () => (lookPathIn(pathEnv, 'mysql') ? mysqlVersion(pathEnv) : undefined),
        },
        pathEnv,
      );
    },
    withLocalPort(port) {
      return startDbGateway(deps, { ...o, targetSubresourceName: subresource, port }, protocol, current);
    },
    clearCerts() {
      current = undefined;
    },
    async close() {
      if (closed) throw daemonError('bad-parameter', `gateway ${o.uri} is already closed`);
      closed = true;
      await proxy.close();
    },
  };
  return gw;
}
