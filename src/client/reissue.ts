// The client core's one certificate reissue path (upstream lib/client ClusterClient
// IssueUserCertsWithMFA + PerformSessionMFACeremony): a fresh key of the cluster's suite, a
// certificate routed to one resource, and the per-session MFA ceremony when the cluster asks for
// it. Generic over routes; Windows desktops are the first (docs/desktop-certs.md). Also the profile's
// own certificates reissued with access requests added or dropped (docs/access-requests.md).
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import type { FileKeyStore } from '../auth/keystore.js';
import { parseSshCertificateLine } from '../auth/ssh/cert.js';
import { marshalAuthorizedKey } from '../auth/ssh/keys.js';
import { decodeTlsIdentity } from '../auth/x509/identity.js';
import {
  generateKey,
  sameKey,
  marshalTLSPrivateKey,
  marshalTLSPublicKey,
  normalizeSuite,
  userKeyAlgorithms,
} from '../auth/keygen.js';
import {
  MFARequired,
  UserCertsRequest,
  UserCertsRequest_CertPurpose,
  UserCertsRequest_CertUsage,
  UserCertsRequest_Requester,
  type IsMFARequiredRequest,
  type MFAAuthenticateResponse,
} from '../gen/teleport/legacy/client/proto/authservice.js';
import { ChallengeScope } from '../gen/teleport/mfa/v1/mfa.js';
import type { Prompter } from '../term/prompt.js';
import { TshError } from '../util/errors.js';
import type { ClusterClient } from './cluster.js';
import { grpcError } from './grpc/errors.js';
import { OTP_PROMPT } from './login.js';
import { answerSessionWebauthn } from './mfa/session.js';
import type { AppRoute } from './appinfo.js';

/** A Windows desktop certificate, kept in memory for one session (never written to the key store). */
export interface DesktopCert {
  certPem: string;
  keyPem: string;
  expires: Date;
}

/** What a reissued certificate is for. */
export type CertRoute =
  | { kind: 'windows_desktop'; desktop: string; login: string }
  /** RouteToApp: Name, PublicAddr, ClusterName (the site), URI, TargetPort (multi-port TCP apps). */
  | ({ kind: 'app' } & AppRoute)
  | { kind: 'kube'; kubeCluster: string }
  | {
      kind: 'db';
      /** The database's name (RouteToDatabase.ServiceName). */
      service: string;
      protocol: string;
      username: string;
      database: string;
      roles: string[];
    };

export interface ReissueOptions {
  route: CertRoute;
  /** Target cluster; defaults to the client's. */
  cluster?: string;
  /** Requested lifetime; the cluster bounds it by the current certificate and the roles. */
  ttlMs?: number;
  /** Answers the OTP challenge; without one, MFA that is required fails with one line. */
  prompter?: Prompter;
  /** Where the MFA prompt's reason and warnings go (stderr in the CLI). */
  warn?: (text: string) => void;
  /** UserCertsRequest.RequesterName: which local proxy asks (TSH_DB_LOCAL_PROXY_TUNNEL, …). */
  requester?: UserCertsRequest_Requester;
  /** Finds the WebAuthn authenticator (TSHJS_WEBAUTHN_SOFTWARE_KEY); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** --mfa-mode */
  mfaMode?: string;
  /** UserCertsRequest.AccessRequests: the profile's active requests (ReissueParams.AccessRequests). */
  accessRequests?: readonly string[];
}

export interface ReissuedCert extends DesktopCert {
  key: KeyObject;
  /** Issued after a per-session MFA ceremony (the cert carries the device ID). */
  mfaVerified: boolean;
}

/** tsh v17's warning before an OTP answer to a per-session MFA challenge (PR #48096). */
export const OTP_SESSION_MFA_WARNING =
  'WARNING: Starting with Teleport 18, OTP will not be accepted for per-session MFA.';

interface RouteSpec {
  usage: UserCertsRequest_CertUsage;
  fields: Partial<UserCertsRequest>;
  target: IsMFARequiredRequest;
  /** mfa.WithPromptReasonSessionMFA: `MFA is required to access <type> "<name>"`. */
  reason: string;
  /** cryptosuites purpose: DatabaseClient keys are RSA 2048 in every suite, others UserTLS. */
  databaseClientKey?: boolean;
}

function routeSpec(r: CertRoute): RouteSpec {
  switch (r.kind) {
    case 'windows_desktop': {
      const route = { WindowsDesktop: r.desktop, Login: r.login };
      return {
        usage: UserCertsRequest_CertUsage.WindowsDesktop,
        fields: { RouteToWindowsDesktop: route },
        target: { Target: { $case: 'WindowsDesktop', value: route } },
        reason: `MFA is required to access Windows desktop "${r.desktop}"`,
      };
    }
    case 'app': {
      const route = {
        Name: r.name,
        SessionID: '',
        PublicAddr: r.publicAddr,
        ClusterName: r.clusterName,
        AWSRoleARN: r.awsRoleArn ?? '',
        AzureIdentity: r.azureIdentity ?? '',
        GCPServiceAccount: r.gcpServiceAccount ?? '',
        URI: r.uri,
        TargetPort: r.targetPort ?? 0,
      };
      return {
        usage: UserCertsRequest_CertUsage.App,
        fields: { RouteToApp: route },
        target: { Target: { $case: 'App', value: route } },
        // tool/tsh/common/app.go: mfa.WithPromptReasonSessionMFA("Application", name).
        reason: `MFA is required to access Application "${r.name}"`,
      };
    }
    case 'kube':
      return {
        usage: UserCertsRequest_CertUsage.Kubernetes,
        fields: { KubernetesCluster: r.kubeCluster },
        target: { Target: { $case: 'KubernetesCluster', value: r.kubeCluster } },
        reason: `MFA is required to access Kubernetes cluster "${r.kubeCluster}"`,
      };
    case 'db': {
      const route = {
        ServiceName: r.service,
        Protocol: r.protocol,
        Username: r.username,
        Database: r.database,
        Roles: r.roles,
      };
      return {
        usage: UserCertsRequest_CertUsage.Database,
        fields: { RouteToDatabase: route },
        target: { Target: { $case: 'Database', value: route } },
        reason: `MFA is required to access database "${r.service}"`,
        databaseClientKey: true,
      };
    }
  }
}

function majorVersion(v: string): number {
  const m = /^v?(\d+)\./.exec(v);
  return m ? Number(m[1]) : 0;
}

/**
 * The OTP answer to a per-session MFA challenge, or a one-line error when tshjs cannot answer:
 * no OTP device offered, a Teleport 18+ cluster (TOTP no longer satisfies per-session MFA), or no
 * prompter.
 */
async function answerSessionMfa(
  challenge: { TOTP?: object },
  serverVersion: string,
  spec: RouteSpec,
  o: ReissueOptions,
): Promise<MFAAuthenticateResponse> {
  if (!challenge.TOTP) {
    throw new TshError(
      `${spec.reason}, but the cluster offers no OTP challenge for this user (tshjs answers OTP only; register an OTP device)`,
      'access-denied',
    );
  }
  if (majorVersion(serverVersion) >= 18) {
    throw new TshError(
      `${spec.reason}: only WebAuthn and SSO MFA methods are supported with per-session MFA on Teleport ${serverVersion}, and tshjs answers OTP only`,
      'access-denied',
    );
  }
  if (!o.prompter) {
    throw new TshError(`${spec.reason}, but there is no terminal to prompt for an OTP code`, 'bad-parameter');
  }
  o.warn?.(`${spec.reason}\n\n${OTP_SESSION_MFA_WARNING}\n\n`);
  const code = (await o.prompter.line(OTP_PROMPT)).trim();
  if (!code) throw new TshError('no OTP code entered', 'bad-parameter');
  return { Response: { $case: 'TOTP', value: { Code: code } } };
}

/** Issues a TLS certificate for one route, running the per-session MFA ceremony when required. */
export async function reissueTlsCert(cc: ClusterClient, o: ReissueOptions): Promise<ReissuedCert> {
  const id = cc.identity;
  const cluster = o.cluster || id.cluster;
  if (cluster !== id.cluster) {
    throw new TshError(
      `certificates for cluster "${cluster}" need a client of that cluster; select it with --cluster=${cluster}`,
      'bad-parameter',
    );
  }
  const spec = routeSpec(o.route);
  const auth = cc.auth;
  const ping = await cc.call(auth, auth.ping, {}, 'ping the auth server');
  const suite = normalizeSuite(ping.signatureAlgorithmSuite);
  const key = generateKey(spec.databaseClientKey ? 'rsa2048' : userKeyAlgorithms(suite).tls);

  let expires = id.tls.expires.getTime();
  if (o.ttlMs && Date.now() + o.ttlMs < expires) expires = Date.now() + o.ttlMs;
  const request = UserCertsRequest.fromPartial({
    ...spec.fields,
    TLSPublicKey: Buffer.from(marshalTLSPublicKey(createPublicKey(key))),
    Username: id.username,
    Expires: new Date(expires),
    RouteToCluster: cluster,
    Usage: spec.usage,
    RequesterName: o.requester,
    AccessRequests: [...(o.accessRequests ?? [])],
  });

  const required = await cc
    .call(auth, auth.isMfaRequired, spec.target, 'check whether MFA is required')
    .then((r) => r.Required);
  let mfa: MFAAuthenticateResponse | undefined;
  if (required) {
    const challenge = await cc.call(
      auth,
      auth.createAuthenticateChallenge,
      {
        Request: { $case: 'ContextUser', value: {} },
        MFARequiredCheck: spec.target,
        ChallengeExtensions: { scope: ChallengeScope.CHALLENGE_SCOPE_USER_SESSION, allowReuse: 0 },
      },
      'create an MFA challenge',
    );
    if (challenge.MFARequired !== MFARequired.MFA_REQUIRED_NO) {
      // WebAuthn when offered (src/client/mfa/session.ts), else OTP as before.
      mfa = challenge.WebauthnChallenge
        ? await answerSessionWebauthn(challenge, {
            ...o,
            reason: spec.reason,
            webProxyAddr: id.webProxyAddr,
            env: o.env ?? process.env,
            out: o.warn,
          })
        : await answerSessionMfa(challenge, ping.ServerVersion, spec, o);
    }
  }
  if (mfa) {
    request.MFAResponse = mfa;
    request.Purpose = UserCertsRequest_CertPurpose.CERT_PURPOSE_SINGLE_USE_CERTS;
  }
  const certs = await cc.call(auth, auth.generateUserCerts, request, 'issue a certificate');
  const certPem = certs.TLS.toString('utf8');
  if (!certPem) throw new TshError('the cluster returned no TLS certificate', 'internal');
  const x509 = new X509Certificate(certPem);
  if (!x509.checkPrivateKey(key)) {
    throw new TshError('the cluster returned a TLS certificate for a different key', 'internal');
  }
  return {
    certPem,
    keyPem: marshalTLSPrivateKey(key),
    key,
    expires: new Date(x509.validTo),
    mfaVerified: !!mfa,
  };
}

/** A Windows desktop certificate (usage:windows_desktop, routed to the desktop and login). */
export async function issueDesktopCert(
  cc: ClusterClient,
  o: Omit<ReissueOptions, 'route'> & { desktop: string; login: string },
): Promise<DesktopCert> {
  const { desktop, login, ...rest } = o;
  const c = await reissueTlsCert(cc, { ...rest, route: { kind: 'windows_desktop', desktop, login } });
  return { certPem: c.certPem, keyPem: c.keyPem, expires: c.expires };
}

/** What reissueWithRequests changes: requests whose roles/resources to add, and ones to drop. */
export interface RequestReissue {
  /** New request IDs (an approved request). */
  accessRequests: readonly string[];
  /** IDs to drop; "*" drops them all. */
  dropAccessRequests: readonly string[];
  /** RouteToCluster: --cluster, else the profile's cluster. */
  routeToCluster: string;
}

/**
 * tsh's reissueWithRequests: new SSH and TLS certificates for the key ring's own keys, carrying
 * the new requests plus every active one not listed for dropping (the active IDs come from the
 * current certificate; with "*", they are all sent beside DropAccessRequests=["*"], as tsh does).
 * Saved over the profile's certificates under the key store lock; the per-resource certificates
 * (Kubernetes, databases, apps) are removed, as CertCacheDrop does.
 */
export async function reissueWithRequests(
  cc: ClusterClient,
  keyStore: FileKeyStore,
  where: { proxyHost: string; username: string; clusterName: string },
  r: RequestReissue,
): Promise<{ sshCert: string; tlsCert: string; activeRequests: string[] }> {
  const ring = keyStore.readKeyRing(where.proxyHost, where.username, where.clusterName);
  const current = decodeTlsIdentity(ring.tlsCert);
  const keep = current.activeRequests.filter((id) => !r.dropAccessRequests.includes(id));
  const accessRequests = [...r.accessRequests, ...keep.filter((id) => !r.accessRequests.includes(id))];
  const request = UserCertsRequest.fromPartial({
    SSHPublicKey: Buffer.from(marshalAuthorizedKey(ring.sshKey)),
    TLSPublicKey: Buffer.from(marshalTLSPublicKey(createPublicKey(ring.tlsKey))),
    Username: current.username,
    Expires: current.expires,
    RouteToCluster: r.routeToCluster,
    Usage: UserCertsRequest_CertUsage.All,
    AccessRequests: accessRequests,
    DropAccessRequests: [...r.dropAccessRequests],
  });
  let certs;
  try {
    certs = await cc.call(cc.auth, cc.auth.generateUserCerts, request, 'issue certificates');
  } catch (err) {
    throw requestReissueError(err);
  }
  const tlsCert = certs.TLS.toString('utf8');
  const sshText = certs.SSH.toString('utf8').trim();
  if (!tlsCert || !sshText) throw new TshError('the cluster returned no certificates', 'internal');
  if (!new X509Certificate(tlsCert).checkPrivateKey(ring.tlsKey)) {
    throw new TshError('the cluster returned a TLS certificate for a different key', 'internal');
  }
  const sshCert = `${sshText}\n`;
  if (!sameKey(parseSshCertificateLine(sshCert).publicKey, createPublicKey(ring.sshKey))) {
    throw new TshError('the cluster returned an SSH certificate for a different key', 'internal');
  }
  keyStore.locked(() => {
    keyStore.writeKeyRing({ ...ring, sshCert, tlsCert });
    // CertCacheDrop: certificates issued for single resources carry the old roles.
    for (const dir of [
      keyStore.paths.kubeCredentialDir(where.proxyHost, where.username, where.clusterName),
      keyStore.paths.databaseCredentialDir(where.proxyHost, where.username, where.clusterName),
      keyStore.paths.appCredentialDir(where.proxyHost, where.username, where.clusterName),
    ]) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  return { sshCert, tlsCert, activeRequests: decodeTlsIdentity(tlsCert).activeRequests };
}

function requestReissueError(err: unknown): Error {
  const details = (err as { details?: string }).details;
  // Server refusals (an unknown, unapproved or expired request) are printed as the server words them.
  if (details && (err as { code?: number }).code === 7 /* PERMISSION_DENIED */) {
    return new TshError(details, 'access-denied', 1, { cause: err });
  }
  return grpcError(err, 'issue certificates');
}
