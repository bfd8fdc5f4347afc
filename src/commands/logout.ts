// tshjs logout: tsh onLogout's cases and messages (the file work is src/auth/logout.ts).
import { hasAnyLogin, logoutAll, logoutUser, usersAtProxy } from '../auth/logout.js';
import { profileNameFromAddr } from '../auth/profile.js';
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

export function runLogout(_o: LogoutOptions, ctx: CommandContext): number {
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
    if (!logoutUser(ctx.home, host, who, ctx.env)) {
      out.write(`User ${who} already logged out from ${host}.\n`);
      return 1;
    }
    out.write(`Logged out ${who} from ${host}.\n`);
    return 0;
  }
  if (user) {
    out.write(
      `Specify --proxy to log out user ${JSON.stringify(user)} from a specific proxy or remove the --user flag to log out all users from all proxies.\n`,
    );
    return 0;
  }
  logoutAll(ctx.home, ctx.env);
  out.write('Logged out all users from all proxies.\n');
  return 0;
}
