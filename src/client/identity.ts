// The credentials a command uses to talk to a cluster: from the selected profile's key store,
// or from an identity file (-i), as tsh does.
import type { KeyObject } from 'node:crypto';
import { readIdentityFile, identityPrivateKey } from '../auth/identityfile.js';
import { FileKeyStore } from '../auth/keystore.js';
import { profileCluster, profileName } from '../auth/profile.js';
import { decodeTlsIdentity, type TlsIdentity } from '../auth/x509/identity.js';
import { TshError } from '../util/errors.js';
import { normalizeProxyAddr } from './addr.js';
import type { ClientContext } from './context.js';

export interface ClientIdentity {
  username: string;
  tlsCertPem: string;
  tlsKeyPem: string;
  sshCert?: string;
  sshKey?: KeyObject;
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

export function loadClientIdentity(ctx: ClientContext): ClientIdentity {
  if (ctx.opts.identity) return fromIdentityFile(ctx);
  const profile = ctx.selectedProfile();
  if (!profile) throw new TshError('Not logged in; run "tshjs login --proxy=HOST --user=NAME"', 'not-found');
  const name = profileName(profile);
  const keys = new FileKeyStore(ctx.home);
  const ring = keys.readKeyRing(name, profile.username ?? '', profileCluster(profile));
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
    trustedCAs: keys.readTrustedTLS(name),
    rootCluster: tls.issuerCommonName,
    cluster: ctx.opts.cluster || profileCluster(profile),
    webProxyAddr: profile.webProxyAddr,
    sshProxyAddr: profile.sshProxyAddr,
    tlsRouting: !!profile.tlsRoutingEnabled,
    tls,
  };
}

function fromIdentityFile(ctx: ClientContext): ClientIdentity {
  const file = ctx.opts.identity!;
  if (!ctx.opts.proxy)
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
    trustedCAs: idf.tlsCAs,
    rootCluster: tls.issuerCommonName,
    cluster: ctx.opts.cluster || tls.routeToCluster || tls.issuerCommonName,
    webProxyAddr: normalizeProxyAddr(ctx.opts.proxy),
    tlsRouting: true,
    tls,
    knownHosts: idf.knownHosts,
  };
}
