// tshjs logout: tsh onLogout's cases and messages.
import * as fs from 'node:fs';
import { FileKeyStore } from '../auth/keystore.js';
import { profileNameFromAddr } from '../auth/profile.js';
import type { ClientContext } from '../client/context.js';
import { normalizeProxyAddr } from '../client/addr.js';

/** Users with keys under keys/<proxy>/ (files named <user>.key or <user>.crt). */
function usersAtProxy(ctx: ClientContext, proxyHost: string): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(ctx.profiles.paths.proxyKeyDir(proxyHost));
  } catch {
    return [];
  }
  const users = new Set<string>();
  for (const n of names) {
    const m = /^(.+)\.(key|crt)$/.exec(n);
    if (m && !n.startsWith('.')) users.add(m[1]);
  }
  return [...users].sort();
}

function logoutUser(ctx: ClientContext, proxyHost: string, user: string): boolean {
  const keys = new FileKeyStore(ctx.home);
  return keys.locked(() => {
    const found = keys.deleteKeyRing(proxyHost, user);
    const p = ctx.profiles.read(proxyHost);
    if (p && (p.username ?? '') === user) {
      ctx.profiles.remove(proxyHost);
      if (ctx.profiles.currentName() === proxyHost)
        fs.rmSync(ctx.profiles.paths.currentProfile(), { force: true });
    }
    return found;
  });
}

export function runLogout(ctx: ClientContext): number {
  const out = ctx.io.stdout;
  const { proxy, user } = ctx.opts;
  const anyProfile = ctx.profiles.listNames().length > 0 || fs.existsSync(ctx.profiles.paths.keysDir());
  if (!anyProfile) {
    out.write('All users logged out.\n');
    return 0;
  }
  if (proxy) {
    const host = profileNameFromAddr(normalizeProxyAddr(proxy));
    let who = user;
    if (!who) {
      const users = usersAtProxy(ctx, host);
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
    if (!logoutUser(ctx, host, who)) {
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
  const keys = new FileKeyStore(ctx.home);
  keys.locked(() => keys.deleteAll());
  out.write('Logged out all users from all proxies.\n');
  return 0;
}
