// Paths inside the ~/.tsh directory, in upstream's v17+ layout (api/utils/keypaths/keypaths.go).
import * as os from 'node:os';
import * as path from 'node:path';

export const HOME_ENV = 'TELEPORT_HOME';

/** The base directory: $TELEPORT_HOME, else ~/.tsh. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[HOME_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  let home = '';
  try {
    home = os.homedir();
  } catch {
    home = os.tmpdir();
  }
  return path.join(home || os.tmpdir(), '.tsh');
}

export class KeyPaths {
  constructor(readonly base: string) {}

  currentProfile(): string {
    return path.join(this.base, 'current-profile');
  }
  profileFile(profileName: string): string {
    return path.join(this.base, `${profileName}.yaml`);
  }
  knownHosts(): string {
    return path.join(this.base, 'known_hosts');
  }
  keysDir(): string {
    return path.join(this.base, 'keys');
  }
  proxyKeyDir(proxyHost: string): string {
    return path.join(this.base, 'keys', proxyHost);
  }
  /** SSH private key (OpenSSH format; RSA as PKCS#1). */
  userSSHKey(proxyHost: string, user: string): string {
    return path.join(this.proxyKeyDir(proxyHost), user);
  }
  userSSHPub(proxyHost: string, user: string): string {
    return path.join(this.proxyKeyDir(proxyHost), `${user}.pub`);
  }
  userTLSKey(proxyHost: string, user: string): string {
    return path.join(this.proxyKeyDir(proxyHost), `${user}.key`);
  }
  userTLSCert(proxyHost: string, user: string): string {
    return path.join(this.proxyKeyDir(proxyHost), `${user}.crt`);
  }
  /** v16 and older kept the TLS cert here; its presence alone means "log in again". */
  legacyTLSCert(proxyHost: string, user: string): string {
    return path.join(this.proxyKeyDir(proxyHost), `${user}-x509.pem`);
  }
  ppk(proxyHost: string, user: string): string {
    return path.join(this.proxyKeyDir(proxyHost), `${user}.ppk`);
  }
  sshDir(proxyHost: string, user: string): string {
    return path.join(this.proxyKeyDir(proxyHost), `${user}-ssh`);
  }
  sshCert(proxyHost: string, user: string, cluster: string): string {
    return path.join(this.sshDir(proxyHost, user), `${cluster}-cert.pub`);
  }
  casDir(proxyHost: string): string {
    return path.join(this.proxyKeyDir(proxyHost), 'cas');
  }
  clusterCA(proxyHost: string, cluster: string): string {
    return path.join(this.casDir(proxyHost), `${cluster}.pem`);
  }
  /** Legacy bundle of every cluster's TLS CA; still written for older readers. */
  certsPem(proxyHost: string): string {
    return path.join(this.proxyKeyDir(proxyHost), 'certs.pem');
  }
  /** Database certificates of one user: <user>-db (keypaths.DatabaseDir). */
  databaseDir(proxyHost: string, user: string): string {
    return path.join(this.proxyKeyDir(proxyHost), `${user}-db`);
  }
  databaseCredentialDir(proxyHost: string, user: string, cluster: string): string {
    return path.join(this.databaseDir(proxyHost, user), cluster);
  }
  /** v17+: each database has its own key beside its certificate. */
  databaseCert(proxyHost: string, user: string, cluster: string, db: string): string {
    return path.join(this.databaseCredentialDir(proxyHost, user, cluster), `${db}.crt`);
  }
  databaseKey(proxyHost: string, user: string, cluster: string, db: string): string {
    return path.join(this.databaseCredentialDir(proxyHost, user, cluster), `${db}.key`);
  }
  /** v16 and older: <db>-x509.pem, signed for the profile's key; ignored (log in again) and removed. */
  legacyDatabaseCert(proxyHost: string, user: string, cluster: string, db: string): string {
    return path.join(this.databaseCredentialDir(proxyHost, user, cluster), `${db}-x509.pem`);
  }
  /** The self-signed local CA of the TLS local proxy (Oracle only upstream). */
  databaseLocalCA(proxyHost: string, user: string): string {
    return path.join(this.databaseDir(proxyHost, user), 'proxy-localca.pem');
  }
  /** Kubernetes credentials of one user: <user>-kube (keypaths.KubeDir). */
  kubeDir(proxyHost: string, user: string): string {
    return path.join(this.proxyKeyDir(proxyHost), `${user}-kube`);
  }
  kubeCredentialDir(proxyHost: string, user: string, cluster: string): string {
    return path.join(this.kubeDir(proxyHost, user), cluster);
  }
  /** Key PEM, a blank line, then the certificate PEM, in one file (lib/client keystore.go writeKubeCredential). */
  kubeCred(proxyHost: string, user: string, cluster: string, kube: string): string {
    return path.join(this.kubeCredentialDir(proxyHost, user, cluster), `${kube}.cred`);
  }
  /** The per-kube-cluster profile kubeconfig (keypaths.KubeConfigPath). */
  kubeConfig(proxyHost: string, user: string, cluster: string, kube: string): string {
    return path.join(this.kubeCredentialDir(proxyHost, user, cluster), `${kube}-kubeconfig`);
  }
  kubeCredLock(proxyHost: string): string {
    return path.join(this.proxyKeyDir(proxyHost), 'kube_credentials.lock');
  }
  /** App certificates of one user: <user>-app (keypaths.AppDir). */
  appDir(proxyHost: string, user: string): string {
    return path.join(this.proxyKeyDir(proxyHost), `${user}-app`);
  }
  appCredentialDir(proxyHost: string, user: string, cluster: string): string {
    return path.join(this.appDir(proxyHost, user), cluster);
  }
  /** v17+: each app has its own key beside its certificate (keypaths.AppCertPath / AppKeyPath). */
  appCert(proxyHost: string, user: string, cluster: string, app: string): string {
    return path.join(this.appCredentialDir(proxyHost, user, cluster), `${app}.crt`);
  }
  appKey(proxyHost: string, user: string, cluster: string, app: string): string {
    return path.join(this.appCredentialDir(proxyHost, user, cluster), `${app}.key`);
  }
  /** The self-signed CA of a TLS-serving local app proxy (keypaths.AppLocalCAPath). */
  appLocalCA(proxyHost: string, user: string, cluster: string, app: string): string {
    return path.join(this.appCredentialDir(proxyHost, user, cluster), `${app}-localca.pem`);
  }
  /** Per-user credential directories removed on logout. */
  userCredentialDirs(proxyHost: string, user: string): string[] {
    const dir = this.proxyKeyDir(proxyHost);
    return ['-ssh', '-kube', '-db', '-app', '-windowsdesktop'].map((s) => path.join(dir, `${user}${s}`));
  }
  /** tshjs's own lock for key store writes (node has no flock). */
  lockFile(): string {
    return path.join(this.base, '.tshjs.lock');
  }
}
