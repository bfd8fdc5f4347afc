// What the dev cluster's SSH servers (nodes and the proxy) share: a host certificate from the
// host CA on an ssh2 Server, and user-certificate authentication against the user CA.
import { generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ClientInfo, Connection, PublicKeyAuthContext } from 'ssh2';
import { marshalCertificateLine, signSshCertificate, type SshCertificate } from '../auth/ssh/cert.js';
import { marshalSshPrivateKey, sshPublicKeyBlob } from '../auth/ssh/keys.js';
import { verifyUserAuthSignature, verifyUserCert } from '../wire/ssh2certs.js';
import type { Authority } from './authority.js';

export type SshServer = InstanceType<typeof ssh2.Server>;

const HOST_CERT_TTL_MS = 365 * 24 * 3600_000;

/** An ssh2 Server presenting a fresh Ed25519 host key with a certificate from the host CA. */
export function hostCertServer(
  authority: Authority,
  opts: { keyId: string; principals: string[]; role: 'Node' | 'Proxy' },
  onConnection: (conn: Connection, info: ClientInfo) => void,
): SshServer {
  const { privateKey } = generateKeyPairSync('ed25519');
  const cert = signSshCertificate({
    publicKey: privateKey,
    caKey: authority.hostSSH,
    certType: 2,
    serial: 0n,
    keyId: opts.keyId,
    principals: opts.principals,
    validAfter: new Date(Date.now() - 60_000),
    validBefore: new Date(Date.now() + HOST_CERT_TTL_MS),
    extensions: { 'x-teleport-authority': authority.clusterName, 'x-teleport-role': opts.role },
  });
  return new ssh2.Server(
    {
      hostKeys: [{ key: marshalSshPrivateKey(privateKey), certificate: marshalCertificateLine(cert) }],
      ident: 'Teleport',
    } as ConstructorParameters<typeof ssh2.Server>[0],
    onConnection,
  );
}

/**
 * Checks a publickey attempt: a user cert from the user CA (valid for `login` when given) and,
 * once signed, a signature by its key. Returns 'query' for the unsigned probe, the cert when
 * authenticated; throws with the reason otherwise.
 */
export function authenticateUserCert(
  ctx: PublicKeyAuthContext,
  authority: Authority,
  login?: string,
): SshCertificate | 'query' {
  const cert = verifyUserCert(
    ctx.key,
    [sshPublicKeyBlob(authority.userSSH)],
    login === undefined ? {} : { principal: login },
  );
  if (!ctx.signature) return 'query';
  if (!verifyUserAuthSignature(ctx, cert)) throw new Error('bad signature');
  return cert;
}
