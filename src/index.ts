// tshjs as a library: the same cores the CLI uses.
export { VERSION, TELEPORT_COMPAT_VERSION } from './version.js';
export { TshError, type ErrorKind } from './util/errors.js';

// Profiles, key store, identity files.
export { defaultHome, KeyPaths } from './auth/keypaths.js';
export {
  ProfileStore,
  decodeProfile,
  encodeProfile,
  profileCluster,
  profileName,
  profileNameFromAddr,
  type Profile,
} from './auth/profile.js';
export { FileKeyStore, type KeyRing, type TrustedCerts } from './auth/keystore.js';
export {
  buildIdentityFile,
  decodeIdentityFile,
  encodeIdentityFile,
  readIdentityFile,
  writeIdentityFile,
  type IdentityFile,
} from './auth/identityfile.js';
export {
  generateUserKeys,
  normalizeSuite,
  marshalTLSPrivateKey,
  marshalTLSPublicKey,
  SUITES,
  type SignatureSuite,
} from './auth/keygen.js';

// Certificate and key codecs.
export * from './auth/ssh/keys.js';
export * from './auth/ssh/cert.js';
export * from './auth/ssh/knownhosts.js';
export { decodeTlsIdentity, readCertificatesPem, type TlsIdentity } from './auth/x509/identity.js';
export { totp, verifyTotp } from './auth/totp.js';

// Talking to a cluster.
export { WebClient, WebApiError, type PingResponse, type SSHLoginResponse } from './client/webapi.js';
export { normalizeProxyAddr } from './client/addr.js';
export { ClientContext, type GlobalOptions } from './client/context.js';
export { login, type LoginOptions, type LoginResult } from './client/login.js';
export { profileStatus, statusFromCerts, type ProfileStatus } from './client/status.js';

// The dev cluster.
export { DevCluster, type DevClusterOptions, type ReadyInfo } from './devcluster/server.js';
export { demoConfig, loadConfigFile, normalizeConfig, type DevClusterConfig } from './devcluster/config.js';
