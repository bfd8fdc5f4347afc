import { describe, expect, it } from 'vitest';
import { KEYSTORE_ENV, keyStoreKind, openKeychain } from '../../../src/auth/keychain.js';

describe('key store choice (TSHJS_KEYSTORE, a tshjs extension)', () => {
  it('file by default, keychain when asked, anything else refused', () => {
    expect(keyStoreKind({})).toBe('file');
    expect(keyStoreKind({ [KEYSTORE_ENV]: 'file' })).toBe('file');
    expect(keyStoreKind({ [KEYSTORE_ENV]: 'Keychain' })).toBe('keychain');
    expect(() => keyStoreKind({ [KEYSTORE_ENV]: 'vault' })).toThrow(
      'TSHJS_KEYSTORE=vault is not one of file, keychain',
    );
  });

  it.skipIf(process.platform !== 'linux')(
    'without a D-Bus session the keychain is refused before the package is even loaded',
    () => {
      let loaded = false;
      expect(() =>
        openKeychain({}, () => {
          loaded = true;
          throw new Error('not reached');
        }),
      ).toThrow(/^TSHJS_KEYSTORE=keychain: no OS keychain service is available \(no D-Bus session bus/);
      expect(loaded).toBe(false);
    },
  );

  it('a missing optional package is named', () => {
    expect(() =>
      openKeychain({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' }, () => {
        throw new Error("Cannot find module '@napi-rs/keyring'");
      }),
    ).toThrow(/needs the optional package @napi-rs\/keyring, which is not installed here/);
  });
});
