import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  knownHostCAEntries,
  marshalKnownHostCA,
  parseKnownHostsLine,
} from '../../../../src/auth/ssh/knownhosts.js';
import { sshPublicKeyBlob } from '../../../../src/auth/ssh/keys.js';

const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const haveKeygen = fs.existsSync(SSH_KEYGEN);
if (!haveKeygen) console.warn(`ssh-keygen not found at ${SSH_KEYGEN}: skipping OpenSSH interop tests`);

// Fixed Ed25519 key (seed = 32 × 0x05) so the expected lines are literal strings.
const caKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 5)]),
  format: 'der',
  type: 'pkcs8',
});
const blob = sshPublicKeyBlob(caKey);
const b64 = blob.toString('base64');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-kh-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('marshalKnownHostCA', () => {
  it('writes the tsh @cert-authority line', () => {
    expect(b64.startsWith('AAAAC3NzaC1lZDI1NTE5AAAAI')).toBe(true);
    expect(marshalKnownHostCA('proxy.example.com', 'example.com', blob)).toBe(
      `@cert-authority proxy.example.com,example.com,*.example.com ssh-ed25519 ${b64} type=host\n`,
    );
    expect(marshalKnownHostCA(undefined, 'example.com', blob)).toBe(
      `@cert-authority example.com,*.example.com ssh-ed25519 ${b64} type=host\n`,
    );
  });
});

describe('parseKnownHostsLine', () => {
  it('parses what we write', () => {
    expect(parseKnownHostsLine(marshalKnownHostCA('proxy.example.com', 'example.com', blob))).toEqual({
      marker: '@cert-authority',
      hosts: ['proxy.example.com', 'example.com', '*.example.com'],
      type: 'ssh-ed25519',
      blob,
      comment: 'type=host',
    });
  });

  it('accepts the legacy form, plain, hashed and @revoked lines', () => {
    expect(parseKnownHostsLine(`@cert-authority *.example.com ssh-ed25519 ${b64} type=host`)).toMatchObject({
      marker: '@cert-authority',
      hosts: ['*.example.com'],
      comment: 'type=host',
    });
    const plain = parseKnownHostsLine(`[node]:3022,10.0.0.1 ssh-ed25519 ${b64}`);
    expect(plain).toEqual({ hosts: ['[node]:3022', '10.0.0.1'], type: 'ssh-ed25519', blob, comment: '' });
    expect(parseKnownHostsLine(`|1|c2FsdA==|aGFzaA== ssh-ed25519 ${b64} c`)!.hosts).toEqual([
      '|1|c2FsdA==|aGFzaA==',
    ]);
    expect(parseKnownHostsLine(`@revoked * ssh-ed25519 ${b64}`)!.marker).toBe('@revoked');
  });

  it('returns null for blank and comment lines and throws on malformed ones', () => {
    expect(parseKnownHostsLine('')).toBeNull();
    expect(parseKnownHostsLine('   \t')).toBeNull();
    expect(parseKnownHostsLine('# comment')).toBeNull();
    expect(() => parseKnownHostsLine(`@foo host ssh-ed25519 ${b64}`)).toThrow(/unknown marker "@foo"/);
    expect(() => parseKnownHostsLine('host ssh-ed25519')).toThrow(/expected/);
    expect(() => parseKnownHostsLine(`host ssh-rsa ${b64}`)).toThrow(/does not match encoded type/);
    expect(() => parseKnownHostsLine('host ssh-ed25519 AAAA')).toThrow(/truncated/);
  });
});

describe('knownHostCAEntries', () => {
  it('returns only @cert-authority entries and skips malformed lines', () => {
    const other = sshPublicKeyBlob(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
    const text = [
      '# tsh known hosts',
      marshalKnownHostCA('proxy.example.com', 'example.com', blob).trimEnd(),
      `node1 ssh-ed25519 ${b64}`,
      'garbage line here',
      `@cert-authority *.leaf ecdsa-sha2-nistp256 ${other.toString('base64')} type=host`,
      '',
    ].join('\r\n');
    const cas = knownHostCAEntries(text);
    expect(cas.map((c) => c.hosts)).toEqual([
      ['proxy.example.com', 'example.com', '*.example.com'],
      ['*.leaf'],
    ]);
    expect(cas[1]!.blob).toEqual(other);
  });
});

describe.skipIf(!haveKeygen)('OpenSSH interop', () => {
  it('ssh-keygen -F matches hosts against our @cert-authority line', () => {
    const file = path.join(tmp, 'known_hosts');
    fs.writeFileSync(file, marshalKnownHostCA('proxy.example.com', 'example.com', blob));
    for (const host of ['proxy.example.com', 'example.com', 'node1.example.com']) {
      const out = execFileSync(SSH_KEYGEN, ['-F', host, '-f', file]).toString();
      expect(out).toMatch(new RegExp(`Host ${host.replace(/\./g, '\\.')} found: line 1 CA`));
    }
    expect(() => execFileSync(SSH_KEYGEN, ['-F', 'other.org', '-f', file], { stdio: 'pipe' })).toThrow();
  });
});
