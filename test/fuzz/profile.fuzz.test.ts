// Fuzzing profile files (src/auth/profile.ts over src/auth/flatyaml.ts): a damaged or hostile
// ~/.tsh/<proxy>.yaml is one typed error, read in bounded time; what tshjs writes reads back.
import fc from 'fast-check';
import { describe } from 'vitest';
import { decodeProfile, encodeProfile, type Profile } from '../../src/auth/profile.js';
import { FuzzDefect, fuzz, hostileString, parseOrTypedError } from './harness.js';

const base: Profile = {
  webProxyAddr: 'proxy.example.com:3080',
  sshProxyAddr: 'proxy.example.com:3023',
  username: 'alice',
  siteName: 'example.com',
  dynamicForwardPorts: ['127.0.0.1:8080', '[::1]:9000'],
  dir: '',
  tlsRoutingEnabled: true,
  privateKeyPolicy: 'none',
  pivSlot: '',
  missingClusterDetails: false,
  sshDialTimeout: '30s',
};
const SEEDS = [
  encodeProfile(base),
  encodeProfile({
    ...base,
    username: 'a: b # c',
    siteName: 'it\'s "quoted"',
    authConnector: '- x',
    mfaMode: 'é\u2028',
  }),
  'web_proxy_addr: p:3080\nssh_dial_timeout: 1m30s\nextra_key:\n  nested: [1, 2]\nfuture: |\n  text\n',
];
const TOKENS = [
  ': ',
  ':',
  '\n',
  '\n  ',
  '- ',
  '"',
  "'",
  '\\',
  '#',
  '|',
  '>',
  '[',
  ']',
  '{',
  '}',
  '&a',
  '*a',
  '!!str ',
  '---',
  '...',
  '\t',
  '\r',
  '~',
  'null',
  'true',
  '0x1F',
  '.inf',
  '1e400',
  '<<: ',
];

describe('profiles (src/auth/profile.ts, src/auth/flatyaml.ts)', () => {
  fuzz(
    'mutated profile files',
    hostileString(SEEDS, TOKENS, 600),
    (text) =>
      void parseOrTypedError(text, () => {
        const p = decodeProfile(text, 'fuzz.yaml');
        // What commands do with a profile right after reading it must not throw either.
        encodeProfile(p);
      }),
    { weight: 3 },
  );
  const value = fc.string({ maxLength: 20, unit: 'grapheme' });
  fuzz(
    'what tshjs writes reads back',
    fc.record({
      webProxyAddr: value.filter((v) => v !== ''),
      username: value,
      siteName: value,
      authConnector: value,
      dynamicForwardPorts: fc.array(value, { maxLength: 3 }),
      tlsRoutingEnabled: fc.boolean(),
    }),
    (fields) => {
      const p: Profile = { ...base, ...fields };
      const text = encodeProfile(p);
      const got = parseOrTypedError(text, () => decodeProfile(text, 'fuzz.yaml'));
      if (!got) throw new FuzzDefect('encodeProfile output does not decode', text);
      // Empty values are left out of the file (omitempty), so they read back as absent.
      const norm = (v: unknown) =>
        JSON.stringify(v === '' || v === false || (Array.isArray(v) && !v.length) ? undefined : v);
      for (const k of Object.keys(fields) as (keyof typeof fields)[]) {
        const want = norm(p[k]);
        const have = norm(got[k]);
        if (want !== have) throw new FuzzDefect(`${k} read back as ${have}, written as ${want}`, text);
      }
    },
  );
});
