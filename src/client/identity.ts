// The credentials a command uses to talk to a cluster: from the selected profile's key store,
// or from an identity file (-i), as tsh does.
import type { KeyObject } from 'node:crypto';
import { readIdentityFile, identityPrivateKey } from '../auth/identityfile.js';
import { FileKeyStore, type KeyRing } from '../auth/keystore.js';
import {
  DEFAULT_SSH_DIAL_TIMEOUT_MS,
  ProfileStore,
  profileCluster,
  profileName,
  profileSshDialTimeoutMs,
  type Profile,
} from '../auth/profile.js';
import { decodeTlsIdentity, type TlsIdentity } from '../auth/x509/identity.js';
import { TshError } from '../util/errors.js';
import { normalizeProxyAddr } from './addr.js';
import { configHome, selectedProfile, type ClientConfig } from './config.js';

export interface ClientIdentity {
  username: string;
  tlsCertPem: string;
  tlsKeyPem: string;
  sshCert?: string;
  sshKey?: KeyObject;
  /** Where sshCert was read from, for errors about it (the -cert.pub file, or the identity file). */
  sshCertSource?: { path: string; identityFile: boolean };
  /** The profile's ssh_dial_timeout (DefaultIOTimeout without one): the bound on reaching a node. */
  sshDialTimeoutMs?: number;
  /** TLS host CAs of the clusters (PEM). */
  trustedCAs: string[];
  /** Cluster that issued the TLS cert (its Issuer CN); SNI is derived from it. */
  rootCluster: string;
  /** Cluster the command targets (--cluster, else the profile's). */
  cluster: string;
  webProxyAddr: string;
  sshProxyAddr?: string;
  tlsRouting: boolean;
  tls: TlsIdentity;
  /** Identity files carry their own `@cert-authority` lines; profiles use ~/.tsh/known_hosts. */
  knownHosts?: string[];
}

function checkValid(id: TlsIdentity, where: string): void {
  if (id.expires.getTime() <= Date.now()) {
    throw new TshError(
      `your credentials for ${where} expired at ${id.expires.toISOString()}; run "tshjs login"`,
      'expired',
    );
  }
}

/** The credentials of the selected profile (or of the identity file the config names). */
export function loadClientIdentity(
  config: ClientConfig,
  profiles = new ProfileStore(configHome(config)),
): ClientIdentity {
  if (config.identityFile) return fromIdentityFile(config);
  const profile = selectedProfile(config, profiles);
  if (!profile) throw new TshError('Not logged in; run "tshjs login --proxy=HOST --user=NAME"', 'not-found');
  const name = profileName(profile);
  const keys = new FileKeyStore(configHome(config));
  const ring = keys.readKeyRing(name, profile.username ?? '', profileCluster(profile));
  const sshCertPath = keys.paths.sshCert(name, profile.username ?? '', profileCluster(profile));
  return identityFromKeyRing(ring, profile, keys.readTrustedTLS(name), sshCertPath, config.cluster);
}

/**
 * The identity of a key ring held in memory with its profile: what loadClientIdentity builds from
 * disk, and what a fresh login uses straight away (a concurrent login may rewrite the files).
 */
export function identityFromKeyRing(
  ring: KeyRing,
  profile: Profile,
  trustedCAs: string[],
  sshCertPath: string,
  cluster?: string,
): ClientIdentity {
  const tls = decodeTlsIdentity(ring.tlsCert);
  checkValid(tls, profile.webProxyAddr);
  return {
    username: ring.username,
    tlsCertPem: ring.tlsCert,
    tlsKeyPem: ring.tlsKey.export({
      type: ring.tlsKey.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'pkcs8',
      format: 'pem',
    }) as string,
    sshCert: ring.sshCert,
    sshKey: ring.sshKey,
    sshCertSource: { path: sshCertPath, identityFile: false },
    sshDialTimeoutMs: profileSshDialTimeoutMs(profile),
    trustedCAs,
    rootCluster: tls.issuerCommonName,
    cluster: cluster || profileCluster(profile),
    webProxyAddr: profile.webProxyAddr,
    sshProxyAddr: profile.sshProxyAddr,
    tlsRouting: !!profile.tlsRoutingEnabled,
    tls,
  };
}

function fromIdentityFile(config: ClientConfig): ClientIdentity {
  const file = config.identityFile!;
  if (!config.proxy)
    throw new TshError(`--proxy is required with an identity file (${file})`, 'bad-parameter');
  const idf = readIdentityFile(file);
  if (!idf.tlsCert) throw new TshError(`identity file ${file} has no TLS certificate`, 'bad-parameter');
  const key = identityPrivateKey(idf, `identity file ${file}`);
  const tls = decodeTlsIdentity(idf.tlsCert);
  checkValid(tls, `identity file ${file}`);
  return {
    username: tls.username,
    tlsCertPem: idf.tlsCert,
    tlsKeyPem: idf.privateKeyPem,
    sshCert: idf.sshCert,
    sshKey: key,
    sshCertSource: { path: idf.sshCertFile ?? file, identityFile: true },
    // An identity file has no profile: upstream's default.
    sshDialTimeoutMs: DEFAULT_SSH_DIAL_TIMEOUT_MS,
    trustedCAs: idf.tlsCAs,
    rootCluster: tls.issuerCommonName,
    cluster: config.cluster || tls.routeToCluster || tls.issuerCommonName,
    webProxyAddr: normalizeProxyAddr(config.proxy),
    tlsRouting: true,
    tls,
    knownHosts: idf.knownHosts,
  };
}
