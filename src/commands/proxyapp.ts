// tshjs proxy app APP [--port LOCAL[:TARGET]] [--target-port N] (tool/tsh/common/proxy.go
// onProxyCommandApp, app_local_proxy.go): a local listener on 127.0.0.1 that carries each
// connection to the app over the proxy's web port with an app certificate. No `apps login` is
// needed: a saved certificate is used while it is valid, otherwise one is issued (in memory) and
// issued again once it expires. docs/apps.md.
import { TshError } from '../util/errors.js';
import { clusterFlag, defineCommand } from './command.js';
import type { CommandContext } from './context.js';
import { untilInterrupted } from '../term/interrupt.js';

export interface ProxyAppOptions {
  app: string;
  /** LOCAL or LOCAL:TARGET */
  port?: string;
  targetPort?: number;
}

export const proxyApp = defineCommand<ProxyAppOptions>({
  path: ['proxy', 'app'],
  description: 'Start local TLS proxy for app connection when using Teleport in single-port mode',
  args: [{ name: '<app>', description: 'The name of the application to start local proxy for' }],
  flags: [
    {
      flags: '-p, --port <port>',
      description:
        'Specifies the source port used by by the proxy app listener; LOCAL:TARGET also picks the target port of a multi-port TCP app',
    },
    {
      flags: '--target-port <port>',
      description:
        'Port to which connections made using this proxy should be routed to. Valid only for multi-port TCP apps.',
      parse: 'int',
    },
    clusterFlag,
  ],
  options: (args, f) => ({
    app: args[0] as string,
    port: f.port as string | undefined,
    targetPort: f.targetPort as number | undefined,
  }),
  run: runProxyApp,
});

export async function runProxyApp(o: ProxyAppOptions, ctx: CommandContext): Promise<number> {
  const info = await import('../client/appinfo.js');
  const certs = await import('../client/appcerts.js');
  const { appCertChecker } = await import('../proxy/appcertcheck.js');
  const { startAppLocalProxy } = await import('../proxy/app.js');
  const text = await import('../output/appconfig.js');

  const mapping = info.parsePortMapping(o.port);
  if (o.targetPort !== undefined) {
    if (o.targetPort < 1 || o.targetPort > 65535) {
      throw new TshError(
        `invalid --target-port ${o.targetPort}: use a port number from 1 to 65535`,
        'bad-parameter',
      );
    }
    if (mapping.targetPort && mapping.targetPort !== o.targetPort) {
      throw new TshError(
        `--port ${o.port} and --target-port ${o.targetPort} name different target ports; give one of them`,
        'bad-parameter',
      );
    }
    mapping.targetPort = o.targetPort;
  }

  const tc = ctx.client();
  const id = await tc.identity();
  const site = id.cluster;
  const app = await info.getApp(tc, o.app);
  const name = app.Metadata?.Name ?? o.app;
  info.validateTargetPort(app, mapping.targetPort);
  const route = info.routeOf(app, site, mapping.targetPort);

  // A saved certificate (apps login) is reused, except for a multi-port app, whose connections
  // follow this command's target port rather than the one the saved certificate was issued for.
  let initial = await certs.readAppCert(tc, site, name);
  if (initial && info.isMultiPortApp(app)) {
    ctx.io.stderr.write(`${text.MULTI_PORT_CERT_WARNING}\n`);
    initial = undefined;
  }
  const ttlMs = ctx.globals.ttl ? ctx.globals.ttl * 60_000 : undefined;
  const warn = (t: string) => ctx.io.stderr.write(t.endsWith('\n') ? t : `${t}\n`);
  const issueWith = (client: typeof tc, activeRequests: readonly string[]) => () =>
    certs.issueAppCert(client, {
      route,
      accessRequests: activeRequests,
      ttlMs,
      prompter: ctx.prompter(),
      warn,
      save: false,
    });
  const cert = appCertChecker({
    initial,
    appName: name,
    now: () => ctx.clock.now(),
    userCertExpires: id.tls.expires,
    proxy: id.webProxyAddr,
    issue: issueWith(tc, id.tls.activeRequests),
    log: ctx.log,
    relogin: async () => {
      const fresh = ctx.client({});
      const now = await fresh.identity().catch(() => undefined);
      if (!now || now.username !== id.username || now.webProxyAddr !== id.webProxyAddr) return undefined;
      return { userCertExpires: now.tls.expires, issue: issueWith(fresh, now.tls.activeRequests) };
    },
  });

  const proxy = await startAppLocalProxy({
    tc,
    tcp: info.isTcpApp(app),
    port: mapping.localPort,
    cert,
    log: (msg, f) => {
      ctx.log(msg, f as Record<string, unknown>);
      const fields = f as { level?: string; error?: string } | undefined;
      if (fields?.level === 'error') ctx.io.stderr.write(`ERROR: ${msg}: ${fields.error ?? ''}\n`);
    },
  });
  try {
    // As upstream's OnStart: the certificate before the first connection, so an app the roles do
    // not allow fails here, in one line.
    await cert();
    ctx.io.stdout.write(
      text.appProxyText({
        name,
        targetPort: mapping.targetPort || undefined,
        address: proxy.address,
        randomPort: !mapping.localPort && !mapping.targetPort,
      }),
    );
    await untilInterrupted();
  } finally {
    await proxy.close();
  }
  return 0;
}
