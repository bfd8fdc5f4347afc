// tshjs apps login APP (tool/tsh/common/app.go onAppLogin, printAppCommand): look the app up, check
// --target-port, issue a certificate routed to the app with its own key, save it where tsh v17+
// does, and print upstream's next step (the curl example, or the local proxy for TCP apps).
import { appCertFiles, issueAppCert, webProxyPort } from '../../client/appcerts.js';
import {
  appCloud,
  appURI,
  getApp,
  isMcpApp,
  isTcpApp,
  routeOf,
  validateTargetPort,
} from '../../client/appinfo.js';
import {
  appCurlCommand,
  tcpAppLoginText,
  webAppLoginProxyText,
  webAppLoginText,
} from '../../output/appconfig.js';
import { splitHostPort } from '../../auth/profile.js';
import { TshError } from '../../util/errors.js';
import { clusterFlag, defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';

export interface AppsLoginOptions {
  app: string;
  quiet: boolean;
  targetPort?: number;
  awsRole?: string;
  azureIdentity?: string;
  gcpServiceAccount?: string;
}

export const appsLogin = defineCommand<AppsLoginOptions>({
  path: ['apps', 'login'],
  description: 'Retrieve short-lived certificate for an app',
  args: [
    {
      name: '<app>',
      description: 'App name to retrieve credentials for. Can be obtained from `tsh apps ls` output.',
    },
  ],
  flags: [
    clusterFlag,
    {
      flags: '--aws-role <role>',
      description: '(For AWS CLI access only) Amazon IAM role ARN or role name.',
    },
    {
      flags: '--azure-identity <identity>',
      description: '(For Azure CLI access only) Azure managed identity name.',
    },
    {
      flags: '--gcp-service-account <account>',
      description: '(For GCP CLI access only) GCP service account name.',
    },
    { flags: '-q, --quiet', description: 'Quiet mode' },
    {
      flags: '--target-port <port>',
      description:
        'Port to which connections made using this cert should be routed to. Valid only for multi-port TCP apps.',
      parse: 'int',
    },
  ],
  options: (args, f) => ({
    app: args[0] as string,
    quiet: f.quiet === true,
    targetPort: f.targetPort as number | undefined,
    awsRole: f.awsRole as string | undefined,
    azureIdentity: f.azureIdentity as string | undefined,
    gcpServiceAccount: f.gcpServiceAccount as string | undefined,
  }),
  run: runAppsLogin,
});

export async function runAppsLogin(o: AppsLoginOptions, ctx: CommandContext): Promise<number> {
  if (o.targetPort !== undefined && (o.targetPort < 0 || o.targetPort > 65535)) {
    throw new TshError(
      `invalid --target-port ${o.targetPort}: use a port number from 1 to 65535`,
      'bad-parameter',
    );
  }
  const tc = ctx.client();
  const id = await tc.identity();
  const site = id.cluster;
  const app = await getApp(tc, o.app);
  if (isMcpApp(app)) {
    throw new TshError(
      "MCP applications are not supported. Please see 'tsh mcp login --help' for more details.",
      'bad-parameter',
    );
  }
  validateTargetPort(app, o.targetPort ?? 0);
  // pickCloudAppLogin: each cloud flag counts for its kind of app only. tshjs has no cloud CLI
  // wrappers, so the identity just rides in the route (upstream also resolves role names to ARNs).
  const cloud = appCloud(app);
  const route = {
    ...routeOf(app, site, o.targetPort),
    ...(cloud === 'aws' && o.awsRole ? { awsRoleArn: o.awsRole } : {}),
    ...(cloud === 'azure' && o.azureIdentity ? { azureIdentity: o.azureIdentity } : {}),
    ...(cloud === 'gcp' && o.gcpServiceAccount ? { gcpServiceAccount: o.gcpServiceAccount } : {}),
  };
  await issueAppCert(tc, {
    route,
    accessRequests: id.tls.activeRequests,
    ttlMs: ctx.globals.ttl ? ctx.globals.ttl * 60_000 : undefined,
    prompter: ctx.prompter(),
    warn: (text) => ctx.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    save: true,
  });
  if (o.quiet) return 0;

  const name = app.Metadata?.Name ?? o.app;
  if (isTcpApp(app)) {
    ctx.io.stdout.write(tcpAppLoginText(name, o.targetPort));
    return 0;
  }
  if (tc.selectedProfile()?.tlsRoutingConnUpgradeRequired) {
    ctx.io.stdout.write(webAppLoginProxyText(name));
    return 0;
  }
  // A leaf cluster's app is reached through the root proxy: <app>.<web proxy host>.
  const publicAddr =
    id.rootCluster !== site ? `${name}.${splitHostPort(id.webProxyAddr).host}` : route.publicAddr;
  const files = await appCertFiles(tc, site, name);
  const insecure = !!ctx.globals.insecure;
  const curl = appCurlCommand({
    cert: files.cert,
    key: files.key,
    uri: appURI(publicAddr, await webProxyPort(tc)),
    insecure,
  });
  ctx.io.stdout.write(webAppLoginText(name, curl, insecure));
  return 0;
}
