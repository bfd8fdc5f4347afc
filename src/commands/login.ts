// tshjs login: log in and print the status block, or write an identity file with --out.
import { localUsername } from '../util/osuser.js';
import { profileNameFromAddr } from '../auth/profile.js';
import { normalizeProxyAddr } from '../client/addr.js';
import { TshError } from '../util/errors.js';
import { clusterFlag, defineCommand, formatFlag, type Format } from './command.js';
import type { CommandContext } from './context.js';
import { runStatus } from './status.js';

export interface LoginCommandOptions {
  format: Format;
  out?: string;
  otp?: string;
  /** --cert-format (tsh's flag): standard | oldssh; unset lets the cluster decide. */
  certFormat?: string;
  /** positional proxy, as `tsh login proxy.example.com` */
  proxyArg?: string;
  /** --kube-cluster: write kubeconfig for it and select it (updateKubeConfigOnLogin). */
  kubeCluster?: string;
}

export const login = defineCommand<LoginCommandOptions>({
  path: ['login'],
  description: 'Log in to a cluster and retrieve the session certificate',
  args: [{ name: '[proxy]', description: 'proxy address (same as --proxy)' }],
  flags: [
    formatFlag(),
    clusterFlag,
    {
      flags: '-o, --out <file>',
      description: 'Write an identity file to this path instead of saving a profile',
    },
    {
      flags: '--otp <code>',
      description: 'One-time password (else prompted, or read as the second line of stdin)',
    },
    // tool/tsh/common/tsh.go: a free string checked against standard | oldssh.
    { flags: '--cert-format <format>', description: 'SSH certificate format' },
    { flags: '--kube-cluster <name>', description: 'Name of the Kubernetes cluster to login to' },
  ],
  options: (args, f) => ({
    format: f.format as Format,
    out: f.out as string | undefined,
    otp: f.otp as string | undefined,
    certFormat: f.certFormat as string | undefined,
    proxyArg: args[0] as string | undefined,
    kubeCluster: f.kubeCluster as string | undefined,
  }),
  run: runLogin,
});

export const commands = [login];

export async function runLogin(o: LoginCommandOptions, ctx: CommandContext): Promise<number> {
  const g = ctx.globals;
  const proxy = o.proxyArg || g.proxy || ctx.selectedProfile()?.webProxyAddr;
  if (!proxy)
    throw new TshError(
      'no proxy address given; pass --proxy=host:port or set TELEPORT_PROXY',
      'bad-parameter',
    );
  const user = g.user || ctx.selectedProfile()?.username || localUsername();
  if (!user) throw new TshError('no user given; pass --user', 'bad-parameter');
  if (g.ttl !== undefined && (!Number.isInteger(g.ttl) || g.ttl <= 0)) {
    throw new TshError(`--ttl must be a positive number of minutes, got ${g.ttl}`, 'bad-parameter');
  }
  const res = await ctx.client({ proxy }).login({
    proxy,
    user,
    ttl: g.ttl,
    otp: o.otp,
    out: o.out,
    insecure: g.insecure,
    authConnector: g.auth,
    certFormat: o.certFormat,
    skipVersionCheck: g.skipVersionCheck,
    warn: (t) => ctx.io.stderr.write(t),
    prompter: ctx.prompter(),
  });
  if (res.identityFile) {
    ctx.io.stdout.write(`\nThe certificate has been written to ${res.identityFile}\n`);
    return 0;
  }
  // Upstream touches kubeconfig on login only when --kube-cluster is given.
  if (o.kubeCluster) await (await import('./kube.js')).updateKubeconfigOnLogin(ctx, proxy, o.kubeCluster);
  // The status block for the profile just written, as tsh prints after login.
  return runStatus({ format: o.format, activeProfile: profileNameFromAddr(normalizeProxyAddr(proxy)) }, ctx);
}
