// tshjs login: log in and print the status block, or write an identity file with --out.
import { localUsername } from '../util/osuser.js';
import { profileNameFromAddr } from '../auth/profile.js';
import { normalizeProxyAddr } from '../client/addr.js';
import { TshError } from '../util/errors.js';
import type { ClientIdentity } from '../client/identity.js';
import type { ClusterClient } from '../client/cluster.js';
import { wantsHeadless } from '../client/headlessflag.js';
import { clusterFlag, defineCommand, formatFlag, type Format } from './command.js';
import type { CommandContext } from './context.js';
import { runStatus } from './status.js';
import { SSO_LOGIN_FLAGS, ssoFlagValues, type SsoLoginFlags } from '../client/sso/flags.js';

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
  /** --browser, --bind-addr, --callback of the SSO console flow. */
  sso?: SsoLoginFlags;
  /** --request-roles / --request-reason / --request-reviewers / --request-nowait / --request-id. */
  request?: LoginRequestFlags;
}

/** tsh login's access-request flags (they set the same fields as `tsh request create`). */
export interface LoginRequestFlags {
  roles?: string;
  reason?: string;
  reviewers?: string;
  nowait?: boolean;
  id?: string;
  /** Ends the wait for approval (tests, library); the CLI uses Ctrl-C. */
  signal?: AbortSignal;
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
    ...SSO_LOGIN_FLAGS,
    { flags: '--request-roles <roles>', description: 'Request one or more extra roles' },
    { flags: '--request-reason <reason>', description: 'Reason for requesting additional roles' },
    { flags: '--request-reviewers <users>', description: 'Suggested reviewers for role request' },
    { flags: '--request-nowait', description: 'Finish without waiting for request resolution' },
    { flags: '--request-id <id>', description: 'Login with the roles requested in the given request' },
  ],
  options: (args, f) => ({
    format: f.format as Format,
    out: f.out as string | undefined,
    otp: f.otp as string | undefined,
    certFormat: f.certFormat as string | undefined,
    proxyArg: args[0] as string | undefined,
    kubeCluster: f.kubeCluster as string | undefined,
    sso: ssoFlagValues(f),
    request: {
      roles: f.requestRoles as string | undefined,
      reason: f.requestReason as string | undefined,
      reviewers: f.requestReviewers as string | undefined,
      nowait: f.requestNowait === true,
      id: f.requestId as string | undefined,
    },
  }),
  run: runLogin,
});

export const commands = [login];

export async function runLogin(o: LoginCommandOptions, ctx: CommandContext): Promise<number> {
  const g = ctx.globals;
  if (wantsHeadless(g)) return (await import('./headless.js')).runHeadlessLogin(ctx, o.proxyArg);
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
  const req = o.request ?? {};
  const wantsRequest = !!(req.roles || req.id);
  // Already logged in to this proxy as this user with a valid certificate (tsh onLogin): no new
  // login. A request runs on the current session; --cluster for another cluster reissues the
  // certificates keeping the active requests (CertCacheKeep); otherwise the proxy is pinged (MOTD)
  // and the status printed. A different --user logs in afresh (tsh would keep the old session).
  if (!o.out && (await loggedIn(ctx, proxy, user))) {
    await pingAndShowMotd(ctx, proxy);
    await saveProfile(ctx);
    if (wantsRequest) await runLoginRequest(ctx, req);
    else if (g.cluster && g.cluster !== ctx.selectedProfile()?.siteName) await selectCluster(ctx, g.cluster);
    if (o.kubeCluster) await (await import('./kube.js')).updateKubeconfigOnLogin(ctx, proxy, o.kubeCluster);
    return runStatus({ format: o.format }, ctx);
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
    mfaMode: g.mfaMode,
    ...o.sso,
    warn: (t) => ctx.io.stderr.write(t),
    prompter: ctx.prompter(),
  });
  if (res.identityFile) {
    ctx.io.stdout.write(`\nThe certificate has been written to ${res.identityFile}\n`);
    return 0;
  }
  // The status below then shows the certificates reissued with an approved request.
  await loginAccessRequest(ctx, req, res.username, res.identity);
  // Upstream touches kubeconfig on login only when --kube-cluster is given.
  if (o.kubeCluster) await (await import('./kube.js')).updateKubeconfigOnLogin(ctx, proxy, o.kubeCluster);
  // The status block for the profile just written, as tsh prints after login.
  return runStatus({ format: o.format, activeProfile: profileNameFromAddr(normalizeProxyAddr(proxy)) }, ctx);
}

/** tsh PingAndShowMOTD: the cluster's message of the day, when it has one, on stderr. */
async function pingAndShowMotd(ctx: CommandContext, proxy: string): Promise<void> {
  const r = await ctx.client({ proxy }).pingAndMotd();
  if (r?.motd) ctx.io.stderr.write(`${r.motd}\n`);
}

/**
 * tc.SaveProfile(true): the profile written again and made current, under the key store lock
 * (which also clears temp files a killed writer left, as any login does).
 */
async function saveProfile(ctx: CommandContext): Promise<void> {
  const p = ctx.selectedProfile();
  if (!p) return;
  const { profileName } = await import('../auth/profile.js');
  (await ctx.keyStore()).locked(() => {
    ctx.profiles.write(p);
    ctx.profiles.setCurrent(profileName(p));
  });
}

/** Another cluster behind the same proxy: certificates reissued for it, active requests kept. */
async function selectCluster(ctx: CommandContext, cluster: string): Promise<void> {
  const { reissue, rootClusterClient } = await import('./request.js');
  await reissue(ctx, (await rootClusterClient(ctx)).cc, [], []);
  const p = ctx.selectedProfile();
  if (p) ctx.profiles.write({ ...p, siteName: cluster });
}

/** The selected profile is for this proxy and user and its certificate is still valid. */
async function loggedIn(ctx: CommandContext, proxy: string, user: string): Promise<boolean> {
  const p = ctx.selectedProfile();
  if (!p || normalizeProxyAddr(p.webProxyAddr) !== normalizeProxyAddr(proxy) || p.username !== user)
    return false;
  try {
    await ctx.client({ proxy }).identity();
    // profile.IsExpired: what status reads (both certificates) must be current too.
    const { loadStatuses } = await import('./status.js');
    const { isExpired } = await import('../client/status.js');
    const { active } = loadStatuses(ctx, ctx.selectedProfileName());
    return !!active && !isExpired(active, ctx.clock.now());
  } catch {
    return false;
  }
}

/**
 * After a fresh login (tsh onLogin): without --request-roles/--request-id, GetAccessCapabilities
 * may require a reason (request_access: reason) or ask for an automatic request of every
 * requestable role (request_access: always); then the request runs. Any failure logs out again.
 */
async function loginAccessRequest(
  ctx: CommandContext,
  req: LoginRequestFlags,
  user: string,
  identity: ClientIdentity | undefined,
): Promise<void> {
  const flags = { ...req };
  try {
    if (!flags.roles && !flags.id) {
      const caps = await capabilities(ctx, user, identity);
      if (caps?.RequireReason && !flags.reason) {
        let msg = '--request-reason must be specified';
        if (caps.RequestPrompt) msg += `, prompt=${caps.RequestPrompt}`;
        throw new TshError(msg, 'bad-parameter');
      }
      if (caps?.AutoRequest) flags.roles = '*';
    }
    if (!flags.roles && !flags.id) return;
    ctx.io.stdout.write('\n');
    await runLoginRequest(ctx, flags);
  } catch (err) {
    const p = ctx.selectedProfile();
    if (p) {
      const { logoutUser } = await import('../auth/logout.js');
      const { profileName } = await import('../auth/profile.js');
      logoutUser(ctx.home, profileName(p), p.username ?? user, ctx.env);
    }
    throw err;
  }
}

/**
 * GetAccessCapabilities for the user, asked with the credentials the login just returned (as tsh
 * does with its in-memory key: a concurrent login may be rewriting the files); undefined from a
 * cluster without it (older, or no RBAC for it).
 */
async function capabilities(ctx: CommandContext, user: string, identity: ClientIdentity | undefined) {
  const { getAccessCapabilities } = await import('../client/accessrequests.js');
  let close = () => {};
  try {
    let cc: ClusterClient;
    if (identity) {
      const { ClusterClient } = await import('../client/cluster.js');
      const root = { ...identity, cluster: identity.rootCluster };
      cc = new ClusterClient(root, { insecure: ctx.globals.insecure, log: ctx.log });
      close = () => cc.close();
    } else {
      cc = (await (await import('./request.js')).rootClusterClient(ctx)).cc;
    }
    return await getAccessCapabilities(cc, { User: user });
  } catch (err) {
    ctx.log('access capabilities unavailable', { error: String(err) });
    return undefined;
  } finally {
    close();
  }
}

async function runLoginRequest(ctx: CommandContext, r: LoginRequestFlags): Promise<void> {
  const { executeAccessRequest } = await import('./request.js');
  await executeAccessRequest(
    {
      roles: r.roles,
      requestId: r.id,
      reason: r.reason,
      reviewers: r.reviewers,
      nowait: r.nowait,
      signal: r.signal,
    },
    ctx,
  );
}
