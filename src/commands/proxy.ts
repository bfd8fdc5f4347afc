// tshjs proxy ssh [user@]host[:port]: stdin/stdout carry the raw SSH stream to the node, for
// OpenSSH's ProxyCommand (the relay is src/proxy/ssh.ts).
// tshjs proxy db [db]: a local proxy for database clients (src/proxy/db.ts), with or without an
// authenticated tunnel (tool/tsh/common/proxy.go onProxyCommandDB). docs/proxy-db.md.
// tshjs proxy app APP: the app local proxy (src/commands/proxyapp.ts). docs/apps.md.
import { spawnSync } from 'node:child_process';
import { proxySshStdio } from '../proxy/ssh.js';
import { parseUserHostPort } from '../ssh/dialhost.js';
import { TshError } from '../util/errors.js';
import { clusterFlag, defineCommand } from './command.js';
import type { CommandContext } from './context.js';
import { proxyApp } from './proxyapp.js';
import { proxyKube } from './proxykube.js';
import { untilInterrupted } from '../term/interrupt.js';

export const group = {
  name: 'proxy',
  description: 'Run local TLS proxy allowing connecting to Teleport in single-port mode',
};

export interface ProxySshOptions {
  target: string;
}

export const proxySsh = defineCommand<ProxySshOptions>({
  path: ['proxy', 'ssh'],
  description: 'Start local TLS proxy for ssh connections when using Teleport in single-port mode',
  args: [{ name: '<[user@]host[:port]>', description: 'target node' }],
  flags: [clusterFlag],
  options: (args) => ({ target: args[0] as string }),
  run: runProxySsh,
});

export interface ProxyDbOptions {
  db?: string;
  port?: number;
  tunnel: boolean;
  dbUser?: string;
  dbName?: string;
  /** comma-separated */
  dbRoles?: string;
  labels?: string;
  query?: string;
  requestReason?: string;
  disableAccessRequest?: boolean;
}

export const proxyDb = defineCommand<ProxyDbOptions>({
  path: ['proxy', 'db'],
  description: 'Start local TLS proxy for database connections when using Teleport in single-port mode',
  args: [{ name: '[db]', description: 'The name of the database to start local proxy for' }],
  flags: [
    {
      flags: '-p, --port <port>',
      description: 'Specifies the source port used by proxy db listener',
      parse: 'int',
    },
    {
      flags: '--tunnel',
      description:
        "Open authenticated tunnel using database's client certificate so clients don't need to authenticate",
    },
    { flags: '-u, --db-user <user>', description: 'Database user to log in as' },
    { flags: '-n, --db-name <name>', description: 'Database name to log in to' },
    { flags: '-r, --db-roles <roles>', description: 'List of comma separate database roles to use' },
    clusterFlag,
    {
      flags: '--labels <labels>',
      description: 'List of comma separated labels to filter by labels (e.g. key1=value1,key2=value2)',
    },
    { flags: '--query <predicate>', description: 'Query by predicate language enclosed in single quotes' },
    { flags: '--request-reason <reason>', description: 'Reason for requesting access' },
    { flags: '--disable-access-request', description: 'Disable automatic resource access requests' },
  ],
  options: (args, f) => ({
    db: (args[0] as string | undefined) || undefined,
    port: f.port as number | undefined,
    tunnel: f.tunnel === true,
    dbUser: f.dbUser as string | undefined,
    dbName: f.dbName as string | undefined,
    dbRoles: f.dbRoles as string | undefined,
    labels: f.labels as string | undefined,
    query: f.query as string | undefined,
    requestReason: f.requestReason as string | undefined,
    disableAccessRequest: f.disableAccessRequest === true,
  }),
  run: runProxyDb,
});

export const commands = [proxySsh, proxyDb, proxyApp, proxyKube];

export async function runProxySsh(o: ProxySshOptions, ctx: CommandContext): Promise<number> {
  const { host, port } = parseUserHostPort(o.target);
  await proxySshStdio(ctx.client(), { host, port }, ctx.io);
  return 0;
}

// --- proxy db ------------------------------------------------------------------------------------

/** The error of a command whose text spans lines: printed as upstream prints it, exit 1. */
class MultilineError extends TshError {}

export async function runProxyDb(o: ProxyDbOptions, ctx: CommandContext): Promise<number> {
  try {
    return await proxyDbMain(o, ctx);
  } catch (err) {
    if (!(err instanceof MultilineError)) throw err;
    ctx.io.stderr.write(`${ctx.io.stderr.isTTY ? '\x1b[31mERROR: \x1b[0m' : 'ERROR: '}${err.message}\n`);
    return err.exitCode;
  }
}

async function proxyDbMain(o: ProxyDbOptions, ctx: CommandContext): Promise<number> {
  const info = await import('../client/dbinfo.js');
  const certs = await import('../client/dbcerts.js');
  const { dbConnectCommand, isSupportedDbProtocol, lookPathIn, unsupportedProtocolError } =
    await import('../client/dbcmd.js');
  const { UserCertsRequest_Requester } = await import('../gen/teleport/legacy/client/proto/authservice.js');
  const { startDbLocalProxy } = await import('../proxy/db.js');
  const { tunnelCertChecker } = await import('../proxy/dbcertcheck.js');
  const { dbProxyAuthText, dbProxyText, formatCommand } = await import('../proxy/dbtext.js');

  if (o.port !== undefined && (o.port < 0 || o.port > 65535)) {
    throw new TshError(`invalid --port ${o.port}: use a port number from 0 to 65535`, 'bad-parameter');
  }
  const tc = ctx.client();
  const id = await tc.identity();
  const profile = tc.selectedProfile();
  const clusterFlag = ctx.globals.cluster ?? '';
  const scope = {
    tc,
    selectors: { name: o.db ?? '', labels: o.labels ?? '', query: o.query ?? '' },
    clusterFlag,
    command: `${info.TSH} proxy db`,
  };
  const flags = { dbUser: o.dbUser, dbName: o.dbName, dbRoles: o.dbRoles };
  const active = await info.activeDatabases(tc);
  const dbInfo = await info.getDatabaseInfo(scope, active, flags);
  const route = dbInfo.route;
  const settings = {
    cluster: id.cluster,
    tlsRouting: id.tlsRouting,
    connUpgradeRequired: !!profile?.tlsRoutingConnUpgradeRequired,
    privateKeyPolicy: profile?.privateKeyPolicy ?? '',
    webProxyAddr: id.webProxyAddr,
    postgresProxyAddr: profile?.postgresProxyAddr,
    mysqlProxyAddr: profile?.mysqlProxyAddr,
  };

  // Without --tunnel: refuse what needs one, then log in to the database when needed.
  const requires = info.dbLocalProxyRequirement(settings, route);
  if (requires.tunnel && !o.tunnel) {
    throw new MultilineError(
      info.formatDbCmdUnsupported(scope.command, clusterFlag, route, requires.tunnelReasons),
      'bad-parameter',
    );
  }
  if (!isSupportedDbProtocol(route.protocol))
    throw unsupportedProtocolError(route.serviceName, route.protocol);

  const warn = (text: string) => ctx.io.stderr.write(`${text}\n`);
  const issueWith = (client: typeof tc, requester?: number) =>
    certs.issueDbCert(client, {
      cluster: id.cluster,
      db: dbInfo.database ?? route.serviceName,
      protocol: route.protocol,
      username: route.username,
      database: route.database,
      roles: route.roles,
      ttlMs: ctx.globals.ttl ? ctx.globals.ttl * 60_000 : undefined,
      requester,
      prompter: ctx.prompter(),
      warn,
    });
  const issue = (requester?: number) => issueWith(tc, requester);

  let cert: () => Promise<{ certPem: string; keyPem: string }>;
  if (o.tunnel) {
    cert = tunnelCertChecker({
      initial: await certs.readDbCert(tc, id.cluster, route.serviceName),
      route,
      now: () => ctx.clock.now(),
      userCertExpires: id.tls.expires,
      proxy: id.webProxyAddr,
      issue: () => issue(UserCertsRequest_Requester.TSH_DB_LOCAL_PROXY_TUNNEL),
      log: ctx.log,
      // RetryWithRelogin cannot prompt from a background listener: once the user's certificate
      // has expired, each connection looks for a login made meanwhile (another terminal).
      relogin: async () => {
        const fresh = ctx.client({});
        const now = await fresh.identity().catch(() => undefined);
        if (!now || now.username !== id.username || now.webProxyAddr !== id.webProxyAddr) return undefined;
        return {
          userCertExpires: now.tls.expires,
          issue: () => issueWith(fresh, UserCertsRequest_Requester.TSH_DB_LOCAL_PROXY_TUNNEL),
        };
      },
    });
  } else {
    let inMemory: { certPem: string; keyPem: string } | undefined;
    const onDisk = active.find((r) => r.serviceName === route.serviceName);
    const relogin =
      !onDisk || info.dbInfoHasChanged(flags, onDisk) || (await info.isMfaDatabaseAccessRequired(tc, route));
    if (relogin) {
      ctx.log('Fetching database access certificate', { database: route.serviceName, cluster: id.cluster });
      const c = await issue();
      if (!c.saved) inMemory = c;
    }
    // loadDBCertificate: Postgres cancel requests need the certificate the client uses.
    cert = async () => {
      if (inMemory) return inMemory;
      const c = await certs.readDbCert(tc, id.cluster, route.serviceName);
      if (!c) throw new TshError("please login into the database first. 'tsh db login'", 'not-found');
      return c;
    };
  }

  const proxy = await startDbLocalProxy({
    tc,
    protocol: route.protocol,
    port: o.port,
    tunnel: o.tunnel,
    cert,
    mysqlServerVersion: info.mysqlServerVersion(dbInfo.database),
    log: (msg, f) => {
      ctx.log(msg, f as Record<string, unknown>);
      const fields = f as { level?: string; error?: string } | undefined;
      // Connection failures are errors upstream logs at a level tsh shows.
      if (fields?.level === 'error') ctx.io.stderr.write(`ERROR: ${msg}: ${fields.error ?? ''}\n`);
    },
  });
  try {
    const randomPort = o.port === undefined;
    if (o.tunnel) {
      const env = ctx.env;
      const files = await certs.dbCertFiles(tc, id.cluster, route.serviceName);
      const cmd = dbConnectCommand(
        {
          protocol: route.protocol,
          serviceName: route.serviceName,
          cluster: id.cluster,
          username: route.username,
          database: route.database,
          host: 'localhost',
          port: proxy.port,
          localProxy: true,
          noTLS: true,
          insecure: !!ctx.globals.insecure,
          files,
          printFormat: true,
          lookPath: (bin) => lookPathIn(env.PATH, bin),
          mysqlVersion: () => mysqlClientVersion(env),
        },
        { tolerateMissing: true },
      );
      ctx.io.stdout.write(
        dbProxyAuthText({
          type: info.readableDatabaseProtocol(route.protocol),
          database: route.serviceName,
          cluster: id.cluster,
          address: proxy.address,
          randomPort,
          command: formatCommand(cmd),
        }),
      );
    } else {
      const files = await certs.dbCertFiles(tc, id.cluster, route.serviceName);
      ctx.io.stdout.write(
        dbProxyText({
          address: proxy.address,
          randomPort,
          database: route.serviceName,
          ca: files.ca,
          cert: files.cert,
          key: files.key,
          databaseUser: route.username,
          databaseName: route.database,
        }),
      );
    }
    await untilInterrupted();
  } finally {
    await proxy.close();
  }
  return 0;
}

/** `mysql --version`, for choosing MariaDB's or Oracle's options (dbcmd). */
function mysqlClientVersion(env: NodeJS.ProcessEnv): string | undefined {
  const r = spawnSync('mysql', ['--version'], { env, encoding: 'utf8', timeout: 5_000 });
  return r.status === 0 ? r.stdout : undefined;
}
