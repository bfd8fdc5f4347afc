// What the client core needs to know about where it runs: the tsh home, the proxy/user/cluster
// the caller selected, credentials from an identity file, and the environment (SSL_CERT_FILE).
import { defaultHome } from '../auth/keypaths.js';
import { ProfileStore, profileNameFromAddr, type Profile } from '../auth/profile.js';
import { normalizeProxyAddr } from './addr.js';

export type Logger = (msg: string, fields?: Record<string, unknown>) => void;

export interface ClientConfig {
  /** The tsh home (~/.tsh, or TELEPORT_HOME); defaults from env. */
  home?: string;
  /** --proxy / TELEPORT_PROXY: selects the profile, and the proxy of an identity file. */
  proxy?: string;
  /** --user / TELEPORT_USER */
  user?: string;
  /** --cluster / TELEPORT_CLUSTER: the cluster commands act on (else the profile's). */
  cluster?: string;
  /** -i / TELEPORT_IDENTITY_FILE: credentials from an identity file instead of the key store. */
  identityFile?: string;
  /** --insecure: skip TLS verification of the proxy (test clusters only). */
  insecure?: boolean;
  skipVersionCheck?: boolean;
  /** Environment: SSL_CERT_FILE, TELEPORT_HOME. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}

export const noLog: Logger = () => {};

export function configHome(c: ClientConfig): string {
  return c.home ?? defaultHome(c.env ?? process.env);
}

/** Name of the profile a config selects: --proxy's host, else current-profile. */
export function selectedProfileName(c: ClientConfig, profiles: ProfileStore): string | undefined {
  if (c.proxy) return profileNameFromAddr(normalizeProxyAddr(c.proxy));
  return profiles.currentName();
}

export function selectedProfile(c: ClientConfig, profiles: ProfileStore): Profile | undefined {
  const name = selectedProfileName(c, profiles);
  return name ? profiles.read(name) : undefined;
}
