// tshjs db connect (tool/tsh/common/db.go onDatabaseConnect): the database login when needed, a local
// proxy when the protocol or the cluster asks for one, then the native client.
import { clusterFlag, defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { UserCertsRequest_Requester } from '../../gen/teleport/legacy/client/proto/authservice.js';
import { TshError } from '../../util/errors.js';
import type { TeleportClient } from '../../client/teleport.js';
import { issueDbCert, readDbCert, type DbCert } from '../../client/dbcerts.js';
import { dbConnectCommand, lookPathIn } from '../../client/dbcmd.js';
import {
  activeDatabases,
  databaseProxyHostPort,
  dbConnectLocalProxyRequirement,
  dbInfoHasChanged,
  formatDBProtocolReason,
  getDatabaseInfo,
  isMfaDatabaseAccessRequired,
  mysqlServerVersion,
  TSH,
  type DbInfo,
  type DbRoute,
} from '../../client/dbinfo.js';
import type { DbLocalProxy } from '../../proxy/db.js';
import {
  dbArg,
  labelsFlag,
  queryFlag,
  routeFlags,
  accessRequestFlags,
  loginOptions,
  scopeOf,
  checkSupported,
  refuseWithoutProxy,
  proxySettings,
  commandInput,
  databaseLogin,
  type DbConnectOptions,
} from './shared.js';

export const dbConnect = defineCommand<DbConnectOptions>({
  path: ['db', 'connect'],
  description: 'Connect to a database',
  args: [dbArg('Database service name to connect to')],
  flags: [
    clusterFlag,
    ...routeFlags({ user: 'Database user to log in as', name: 'Database name to log in to' }),
    labelsFlag,
    queryFlag,
    ...accessRequestFlags,
    {
      flags: '--tunnel',
      description:
        "Open authenticated tunnel using database's client certificate so clients don't need to authenticate",
    },
  ],
  options: (args, f) => ({ ...loginOptions(args, f), tunnel: f.tunnel === true }),
  run: runDbConnect,
});

async function needDatabaseRelogin(
  tc: TeleportClient,
  o: DbConnectOptions,
  info: DbInfo,
  tunnel: boolean,
): Promise<boolean> {
  // The tunnel issues its own certificates.
  if (tunnel || o.tunnel) return false;
  const id = await tc.identity();
  const saved = await readDbCert(tc, id.cluster, info.route.serviceName);
  // tshjs also logs in again when the saved certificate has expired.
  if (!saved || saved.expires.getTime() <= Date.now()) return true;
  if (dbInfoHasChanged(o, saved.identity.routeToDatabase)) return true;
  return isMfaDatabaseAccessRequired(tc, info.route);
}

/**
 * The certificate a tunnel presents (client.NewDBCertChecker): the saved one while it is valid
 * and for the route, else a fresh one (kept in memory when issued after MFA).
 */
function tunnelCertSource(ctx: CommandContext, tc: TeleportClient, r: DbRoute): () => Promise<DbCert> {
  let current: DbCert | undefined;
  const fits = (c: DbCert | undefined) =>
    !!c &&
    c.expires.getTime() > Date.now() + 60_000 &&
    c.identity.routeToDatabase?.username === r.username &&
    c.identity.routeToDatabase?.database === r.database;
  let pending: Promise<DbCert> | undefined;
  return async () => {
    if (fits(current)) return current!;
    pending ??= (async () => {
      const id = await tc.identity();
      const saved = await readDbCert(tc, id.cluster, r.serviceName);
      if (fits(saved)) return saved!;
      const ttl = ctx.globals.ttl ? ctx.globals.ttl * 60_000 : undefined;
      return issueDbCert(tc, {
        db: r.serviceName,
        protocol: r.protocol,
        username: r.username,
        database: r.database,
        roles: r.roles,
        ttlMs: ttl,
        requester: UserCertsRequest_Requester.TSH_DB_LOCAL_PROXY_TUNNEL,
        prompter: ctx.prompter(),
        warn: (t) => ctx.io.stderr.write(t),
      });
    })().finally(() => (pending = undefined));
    current = await pending;
    return current;
  };
}

export async function runDbConnect(o: DbConnectOptions, ctx: CommandContext): Promise<number> {
  const scope = scopeOf(ctx, o, 'db connect');
  const { tc } = scope;
  const info = await getDatabaseInfo(scope, await activeDatabases(tc), o);
  const r = info.route;
  if (r.protocol === 'dynamodb' || r.protocol === 'clickhouse-http') {
    refuseWithoutProxy(scope, r, [formatDBProtocolReason(r.protocol)]);
  }
  checkSupported(r);
  const requires = await dbConnectLocalProxyRequirement(await proxySettings(tc), r, !!o.tunnel, () =>
    isMfaDatabaseAccessRequired(tc, r),
  );
  if (await needDatabaseRelogin(tc, o, info, requires.localProxy && requires.tunnel)) {
    await databaseLogin(ctx, scope, info);
  }
  let proxy: DbLocalProxy | undefined;
  let at = { ...databaseProxyHostPort(await proxySettings(tc), r.protocol), localProxy: false, noTLS: false };
  try {
    if (requires.localProxy) {
      ctx.log(requires.tunnel ? 'Starting local proxy tunnel' : 'Starting local proxy', {
        reasons: requires.tunnel ? requires.tunnelReasons : requires.localProxyReasons,
      });
      const id = await tc.identity();
      const saved = async () => {
        const c = await readDbCert(tc, id.cluster, r.serviceName);
        if (!c)
          throw new TshError(
            `no certificate for database "${r.serviceName}"; run "${TSH} db login ${r.serviceName}"`,
            'not-found',
          );
        return c;
      };
      const { startDbLocalProxy } = await import('../../proxy/db.js');
      proxy = await startDbLocalProxy({
        tc,
        protocol: r.protocol,
        tunnel: requires.tunnel,
        cert: requires.tunnel ? tunnelCertSource(ctx, tc, r) : saved,
        mysqlServerVersion: mysqlServerVersion(info.database),
        log: (m, f) => ctx.log(m, f as Record<string, unknown> | undefined),
      });
      // psql checks only DNS names of the server certificate: "localhost", not 127.0.0.1.
      at = { host: 'localhost', port: proxy.port, localProxy: true, noTLS: requires.tunnel };
    }
    const cmd = dbConnectCommand(await commandInput(ctx, tc, r, at, false));
    if (!lookPathIn(ctx.env.PATH, cmd.bin)) {
      throw new TshError(`exec: "${cmd.bin}": executable file not found in $PATH`, 'not-found');
    }
    ctx.log('executing command', { command: [cmd.path, ...cmd.args].join(' ') });
    return await runClient(ctx, cmd.path, cmd.args, cmd.env);
  } finally {
    await proxy?.close();
  }
}

/** Runs the database client on our stdin/stdout/stderr (the terminal itself when they are the process's). */
function runClient(ctx: CommandContext, file: string, args: string[], env: string[]): Promise<number> {
  const { io } = ctx;
  const extra = Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const own = (s: unknown, p: unknown) => s === p;
  const stdio = [
    own(io.stdin, process.stdin) ? 'inherit' : 'pipe',
    own(io.stdout, process.stdout) ? 'inherit' : 'pipe',
    own(io.stderr, process.stderr) ? 'inherit' : 'pipe',
  ] as const;
  // Ctrl-C reaches the whole process group: it is psql's (cancel the query), not ours — the local
  // proxy must outlive it, as upstream keeps its proxy off the signal-cancelled context.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(file, args, { stdio: [...stdio], env: { ...io.env, ...extra } });
    if (child.stdin) {
      (io.stdin as Readable).pipe(child.stdin);
      child.stdin.on('error', () => {});
    }
    child.stdout?.pipe(io.stdout as Writable, { end: false });
    child.stderr?.pipe(io.stderr as Writable, { end: false });
    child.on('error', (err) =>
      reject(new TshError(`${file}: ${err.message}`, 'internal', 1, { cause: err })),
    );
    child.on('close', (code, signal) => {
      if (child.stdin) (io.stdin as Readable).unpipe(child.stdin);
      resolve(
        code ?? (signal ? 128 + (process.getBuiltinModule('node:os').constants.signals[signal] ?? 0) : 1),
      );
    });
  }).finally(() => process.off('SIGINT', ignore));
}
