// What `tsh logout` removes from the tsh home: a user's key ring at one proxy together with its
// profile (and current-profile when it pointed there), or everything. Runs under the key-store lock.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectProfileName, connectProfileSupported, deleteConnectProfile } from './dbprofile.js';
import { FileKeyStore } from './keystore.js';
import { ProfileStore } from './profile.js';
import { decodeTlsIdentity } from './x509/identity.js';

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
export function logoutUser(
  home: string,
  proxyHost: string,
  user: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const keys = new FileKeyStore(home);
  const profiles = new ProfileStore(home);
  return keys.locked(() => {
    removeDatabaseProfiles(keys, proxyHost, user, env);
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
export function logoutAll(home: string, env: NodeJS.ProcessEnv = process.env): void {
  const keys = new FileKeyStore(home);
  keys.locked(() => {
    for (const proxy of listDir(keys.paths.keysDir())) {
      for (const u of usersAtProxy(home, proxy)) removeDatabaseProfiles(keys, proxy, u, env);
    }
    keys.deleteAll();
  });
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * As tsh logout does for each database the profile is logged into: its connection profile
 * (~/.pg_service.conf service, ~/.my.cnf group, named <cluster>-<db>) goes with the certificates.
 */
function removeDatabaseProfiles(
  keys: FileKeyStore,
  proxyHost: string,
  user: string,
  env: NodeJS.ProcessEnv,
): void {
  const dbDir = keys.paths.databaseDir(proxyHost, user);
  for (const cluster of listDir(dbDir)) {
    for (const file of listDir(path.join(dbDir, cluster))) {
      if (!file.endsWith('.crt')) continue;
      try {
        const route = decodeTlsIdentity(fs.readFileSync(path.join(dbDir, cluster, file))).routeToDatabase;
        if (route && connectProfileSupported(route.protocol)) {
          deleteConnectProfile(route.protocol, connectProfileName(cluster, route.serviceName), env);
        }
      } catch {
        // an unreadable certificate names no profile; the files still go
      }
    }
  }
}
