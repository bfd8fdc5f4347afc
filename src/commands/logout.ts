// tshjs logout: tsh onLogout's cases and messages (the file work is src/auth/logout.ts).
import { hasAnyLogin, logoutAll, logoutUser, usersAtProxy } from '../auth/logout.js';
import { profileCluster, profileNameFromAddr } from '../auth/profile.js';
import { normalizeProxyAddr } from '../client/addr.js';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';

export type LogoutOptions = Record<string, never>;

export const logout = defineCommand<LogoutOptions>({
  path: ['logout'],
  description: 'Delete a cluster certificate',
  options: () => ({}),
  run: async (o, ctx) => runLogout(o, ctx),
});

export const commands = [logout];

/** tshjs's kubeconfig entries for a Teleport cluster (kubeconfig only loaded when it exists). */
async function removeKubeEntries(
  ctx: CommandContext,
  teleportCluster: string,
  server?: string,
): Promise<void> {
  const { kubeconfigPath, removeFromKubeconfigFile } = await import('../client/kubeconfig.js');
  removeFromKubeconfigFile(kubeconfigPath(ctx.env), teleportCluster, server);
}

export async function runLogout(_o: LogoutOptions, ctx: CommandContext): Promise<number> {
  const out = ctx.io.stdout;
  const { proxy, user } = ctx.globals;
  if (!hasAnyLogin(ctx.home)) {
    out.write('All users logged out.\n');
    return 0;
  }
  if (proxy) {
    const host = profileNameFromAddr(normalizeProxyAddr(proxy));
    let who = user;
    if (!who) {
      const users = usersAtProxy(ctx.home, host);
      if (users.length === 0) {
        out.write('All users logged out.\n');
        return 0;
      }
      if (users.length > 1) {
        out.write(
          `Specify --user to log out a specific user from ${JSON.stringify(host)} or remove the --proxy flag to log out all users from all proxies.\n`,
        );
        return 0;
      }
      who = users[0];
    }
    let p;
    try {
      p = ctx.profiles.read(host);
    } catch {
      p = undefined; // a broken profile must not stop logout
    }
    if (!logoutUser(ctx.home, host, who, ctx.env)) {
      out.write(`User ${who} already logged out from ${host}.\n`);
      return 1;
    }
    // RemoveByServerAddr(KubeClusterAddr): the entries tsh kube login wrote for this proxy.
    if (p?.kubeProxyAddr) await removeKubeEntries(ctx, profileCluster(p), `https://${p.kubeProxyAddr}`);
    out.write(`Logged out ${who} from ${host}.\n`);
    return 0;
  }
  if (user) {
    out.write(
      `Specify --proxy to log out user ${JSON.stringify(user)} from a specific proxy or remove the --user flag to log out all users from all proxies.\n`,
    );
    return 0;
  }
  const clusters = ctx.profiles.listNames().flatMap((n) => {
    try {
      const p = ctx.profiles.read(n);
      return p ? [profileCluster(p)] : [];
    } catch {
      return []; // a broken profile must not stop logout
    }
  });
  logoutAll(ctx.home, ctx.env);
  // RemoveByClusterName for every profile's cluster.
  for (const c of clusters) await removeKubeEntries(ctx, c);
  out.write('Logged out all users from all proxies.\n');
  return 0;
}
