// What `tsh logout` removes from the tsh home: a user's key ring at one proxy together with its
// profile (and current-profile when it pointed there), or everything. Runs under the key-store lock.
import * as fs from 'node:fs';
import { FileKeyStore } from './keystore.js';
import { ProfileStore } from './profile.js';

/** Users with keys under keys/<proxy>/ (files named <user>.key or <user>.crt), sorted. */
export function usersAtProxy(home: string, proxyHost: string): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(new FileKeyStore(home).paths.proxyKeyDir(proxyHost));
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

/** Whether the home holds any profile or key directory at all. */
export function hasAnyLogin(home: string): boolean {
  const profiles = new ProfileStore(home);
  return profiles.listNames().length > 0 || fs.existsSync(profiles.paths.keysDir());
}

/**
 * Removes one user's keys at a proxy, and the proxy's profile when it belongs to that user.
 * Returns whether the user had keys there.
 */
export function logoutUser(home: string, proxyHost: string, user: string): boolean {
  const keys = new FileKeyStore(home);
  const profiles = new ProfileStore(home);
  return keys.locked(() => {
    const found = keys.deleteKeyRing(proxyHost, user);
    const p = profiles.read(proxyHost);
    if (p && (p.username ?? '') === user) {
      profiles.remove(proxyHost);
      if (profiles.currentName() === proxyHost) fs.rmSync(profiles.paths.currentProfile(), { force: true });
    }
    return found;
  });
}

/** Removes every key, CA and profile (tsh logout with neither --proxy nor --user). */
export function logoutAll(home: string): void {
  const keys = new FileKeyStore(home);
  keys.locked(() => keys.deleteAll());
}
