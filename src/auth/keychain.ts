// The optional OS-keychain home for private keys (a tshjs extension: tsh keeps keys as files, and
// only hardware keys elsewhere). With TSHJS_KEYSTORE=keychain the two private keys of a login go to
// the OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows) through
// the optional package @napi-rs/keyring; certificates, CAs and profiles stay files in the usual
// ~/.tsh layout. Where no keychain service runs (no D-Bus session, no Secret Service, only the
// kernel keyring), every key operation fails with one line: there is never a silent fallback to
// key files. docs/keychain.md.
//
// FileKeyStore's API is synchronous (identity loading and status are), so the package is loaded
// with require() on first use — still only when the keychain is chosen — and its synchronous Entry
// API is used.
import { createRequire } from 'node:module';
import { KEY_FILE_MODE, readFileIfExists, removeFileSecure, writeFileAtomic } from '../util/fsutil.js';
import { TshError } from '../util/errors.js';

/** tshjs's own switch (tsh has none): `file` (default) or `keychain`. */
export const KEYSTORE_ENV = 'TSHJS_KEYSTORE';
/** The keychain service name the entries are filed under; the account is the key file's path. */
export const KEYCHAIN_SERVICE = 'tshjs';
export const KEYRING_PACKAGE = '@napi-rs/keyring';

export type KeyStoreKind = 'file' | 'keychain';

/** The chosen store from the environment; anything but file/keychain is refused. */
export function keyStoreKind(env: NodeJS.ProcessEnv = process.env): KeyStoreKind {
  const v = (env[KEYSTORE_ENV] ?? '').trim().toLowerCase();
  if (v === '' || v === 'file') return 'file';
  if (v === 'keychain') return 'keychain';
  throw new TshError(`${KEYSTORE_ENV}=${env[KEYSTORE_ENV]} is not one of file, keychain`, 'bad-parameter');
}

/** The slice of @napi-rs/keyring used here (its synchronous API). */
interface KeyringEntry {
  getPassword(): string | null;
  setPassword(password: string): void;
  deletePassword(): boolean;
}
interface KeyringModule {
  Entry: new (service: string, account: string, options?: { linux?: { store?: string } }) => KeyringEntry;
  findCredentials(service: string): Array<{ account: string; password: string }>;
}

/** A keychain as the key store uses it: one secret per key file path. */
export interface Keychain {
  get(account: string): string | undefined;
  set(account: string, secret: string): void;
  delete(account: string): boolean;
  /** Accounts filed under the service (for logout of everything). */
  accounts(): string[];
}

/** Why no keychain can be used here, in one line. */
function unavailable(reason: string): TshError {
  return new TshError(
    `${KEYSTORE_ENV}=keychain: no OS keychain service is available (${reason}); tshjs does not fall back to key files — start a Secret Service (e.g. gnome-keyring) or unset ${KEYSTORE_ENV}`,
    'bad-parameter',
  );
}

/** The keychain through @napi-rs/keyring, checked with a write before first use. */
export function openKeychain(
  env: NodeJS.ProcessEnv = process.env,
  load: () => KeyringModule = () => createRequire(import.meta.url)(KEYRING_PACKAGE) as KeyringModule,
): Keychain {
  if (process.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) {
    throw unavailable('no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set, so no Secret Service');
  }
  let mod: KeyringModule;
  try {
    mod = load();
  } catch (err) {
    throw new TshError(
      `${KEYSTORE_ENV}=keychain needs the optional package ${KEYRING_PACKAGE}, which is not installed here (${(err as Error).message.split('\n')[0]})`,
      'bad-parameter',
    );
  }
  // On Linux the entries are pinned to the Secret Service: the package would otherwise fall back
  // to the kernel keyring, which forgets everything at logout or reboot.
  const options = process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;
  const entry = (account: string) => new mod.Entry(KEYCHAIN_SERVICE, account, options);
  try {
    const probe = entry('.tshjs-keychain-probe');
    probe.setPassword('probe');
    probe.deletePassword();
  } catch (err) {
    throw unavailable(`the keychain refused a test write: ${(err as Error).message.split('\n')[0]}`);
  }
  const fail = (what: string, err: unknown) =>
    new TshError(`OS keychain: cannot ${what}: ${(err as Error).message.split('\n')[0]}`, 'internal');
  return {
    get(account) {
      try {
        return entry(account).getPassword() ?? undefined;
      } catch (err) {
        throw fail(`read ${account}`, err);
      }
    },
    set(account, secret) {
      try {
        entry(account).setPassword(secret);
      } catch (err) {
        throw fail(`store ${account}`, err);
      }
    },
    delete(account) {
      try {
        return entry(account).deletePassword();
      } catch (err) {
        throw fail(`delete ${account}`, err);
      }
    },
    accounts() {
      try {
        return mod.findCredentials(KEYCHAIN_SERVICE).map((c) => c.account);
      } catch {
        return [];
      }
    },
  };
}

let active: { env: string; keychain: Keychain } | undefined;

/** The keychain when chosen (opened once per process), else undefined: private keys are files. */
export function chosenKeychain(env: NodeJS.ProcessEnv = process.env): Keychain | undefined {
  if (keyStoreKind(env) === 'file') return undefined;
  const key = env.DBUS_SESSION_BUS_ADDRESS ?? '';
  if (active?.env !== key) active = { env: key, keychain: openKeychain(env) };
  return active.keychain;
}

// The three private-key file operations of FileKeyStore, routed to the keychain when chosen.

/** A private key's PEM from its file, or from the keychain entry named by that path. */
export function readPrivateKey(file: string): Buffer | undefined {
  const kc = chosenKeychain();
  if (!kc) return readFileIfExists(file);
  const pem = kc.get(file);
  return pem === undefined ? undefined : Buffer.from(pem);
}

/** Writes a private key: a 0600 file, or the keychain (and no file at all, not even a stale one). */
export function writePrivateKey(file: string, pem: string): void {
  const kc = chosenKeychain();
  if (!kc) return writeFileAtomic(file, pem, KEY_FILE_MODE);
  kc.set(file, pem);
  removeFileSecure(file);
}

/** Removes a private key from wherever it is; true if there was one. */
export function removePrivateKey(file: string): boolean {
  const kc = chosenKeychain();
  const inKeychain = kc ? kc.delete(file) : false;
  return removeFileSecure(file) || inKeychain;
}

/** Removes every keychain entry filed under a tsh home (logout of everything). */
export function removePrivateKeysUnder(home: string): void {
  const kc = chosenKeychain();
  if (!kc) return;
  const prefix = home.endsWith('/') ? home : `${home}/`;
  for (const a of kc.accounts()) if (a.startsWith(prefix)) kc.delete(a);
}
