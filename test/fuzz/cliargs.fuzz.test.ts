// Fuzzing the small readers of command-line and config values: proxy addresses
// (src/client/addr.ts, src/auth/profile.ts), [user@]host[:port] (src/ssh/dialhost.ts), playback
// speeds (src/recording/player.ts) and TOTP secrets (src/auth/totp.ts).
import { describe } from 'vitest';
import { normalizeProxyAddr } from '../../src/client/addr.js';
import { profileNameFromAddr, splitHostPort } from '../../src/auth/profile.js';
import { base32Decode, verifyTotp } from '../../src/auth/totp.js';
import { parseSpeed } from '../../src/recording/player.js';
import { parseUserHostPort } from '../../src/ssh/dialhost.js';
import { fuzz, hostileString, parseOrTypedError } from './harness.js';

const ADDRS = [
  'proxy.example.com:3080',
  'https://proxy.example.com/',
  '[::1]:3080',
  '127.0.0.1',
  'alice@host:22',
  'user@[::1]:2222',
];
const TOKENS = [':', '@', '[', ']', '/', 'https://', '%', '65536', '-1', ' ', '\u0000'];

describe('command-line values', () => {
  fuzz('addresses and [user@]host[:port]', hostileString(ADDRS, TOKENS), (s) => {
    parseOrTypedError(s, () => normalizeProxyAddr(s));
    parseOrTypedError(s, () => [splitHostPort(s), profileNameFromAddr(s)]);
    parseOrTypedError(s, () => parseUserHostPort(s));
  });
  fuzz('playback speeds', hostileString(['1', '0.5', '8', '2x'], ['.', 'e', '-', 'Infinity', 'NaN']), (s) => {
    parseOrTypedError(s, () => parseSpeed(s));
  });
  fuzz(
    'TOTP secrets',
    hostileString(['JBSWY3DPEHPK3PXP', 'jbswy3dpehpk3pxp===='], ['=', '1', '8', ' ', '-']),
    (s) => {
      parseOrTypedError(s, () => base32Decode(s));
      parseOrTypedError(s, () => verifyTotp(s, '123456'));
    },
  );
});
