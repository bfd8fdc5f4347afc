// tshjs apps config [APP] [--format F] (tool/tsh/common/app.go onAppConfig, formatAppConfig): the
// connection details of an app the profile is logged into, printed without a trailing newline
// where upstream has none (Fprint).
import { activeApps, appCertFiles, webProxyPort } from '../../client/appcerts.js';
import { appURI, pickActiveApp } from '../../client/appinfo.js';
import { formatAppConfig } from '../../output/appconfig.js';
import { clusterFlag, defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';

export interface AppsConfigOptions {
  app?: string;
  format: string;
}

export const appsConfig = defineCommand<AppsConfigOptions>({
  path: ['apps', 'config'],
  description: 'Print app connection information',
  args: [
    { name: '[app]', description: 'App to print information for. Required when logged into multiple apps.' },
  ],
  flags: [
    clusterFlag,
    {
      flags: '-f, --format <format>',
      description:
        'Optional print format, one of: "uri" to print app address, "ca" to print CA cert path, "cert" to print cert path, "key" print key path, "curl" to print example curl command, "json" or "yaml" to print everything as JSON or YAML.',
    },
  ],
  options: (args, f) => ({
    app: (args[0] as string | undefined) || undefined,
    format: (f.format as string | undefined) ?? '',
  }),
  run: runAppsConfig,
});

export async function runAppsConfig(o: AppsConfigOptions, ctx: CommandContext): Promise<number> {
  const tc = ctx.client();
  const site = (await tc.identity()).cluster;
  const route = pickActiveApp(o.app, await activeApps(tc, site));
  const files = await appCertFiles(tc, site, route.name);
  const text = formatAppConfig(
    {
      name: route.name,
      uri: appURI(route.publicAddr, await webProxyPort(tc)),
      ca: files.ca,
      cert: files.cert,
      key: files.key,
      insecure: !!ctx.globals.insecure,
    },
    o.format,
  );
  ctx.io.stdout.write(text);
  return 0;
}
