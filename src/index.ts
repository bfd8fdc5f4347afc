// tshjs as a library: the same cores the CLI uses. The dev cluster is a separate entry
// (`tshjs/devcluster`), so importing this one never loads its servers.
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
export { TeleportClient, type SessionSearch } from './client/teleport.js';
export type { ClientConfig, Logger } from './client/config.js';
export { loadClientIdentity, type ClientIdentity } from './client/identity.js';
export { resourceFilter, parseLabelSpec, parseSearchKeywords, type ResourceFilter } from './client/filter.js';
export { login, type LoginOptions, type LoginResult } from './client/login.js';
export type { Prompter } from './term/prompt.js';
export { profileStatus, statusFromCerts, type ProfileStatus } from './client/status.js';

// Windows desktop sessions (ProxyWindowsDesktopSession, TDP/TDPB, RDP graphics). Opening one loads
// gRPC, so it is imported on first use.
export type { DesktopSession, ActivatedInfo, FrameInfo, SessionStats } from './tdp/session.js';
export type { OpenDesktopSessionOptions } from './tdp/open.js';
export type { DesktopCert } from './client/reissue.js';
export { parseScript as parseDesktopScript, type ScriptLine as DesktopScriptLine } from './tdp/script.js';

/** Opens a desktop session: certificate, proxy stream, TLS to the desktop service, handshake. */
export async function openDesktopSession(
  o: import('./tdp/open.js').OpenDesktopSessionOptions,
): Promise<import('./tdp/session.js').DesktopSession> {
  const { openDesktopSession: open } = await import('./tdp/open.js');
  return open(o);
}

/** Runs a parsed desktop script on an open session (what `tshjs desktop run` does). */
export async function runDesktopScript(
  ...args: Parameters<typeof import('./tdp/runner.js').runScript>
): Promise<void> {
  const { runScript } = await import('./tdp/runner.js');
  return runScript(...args);
}
