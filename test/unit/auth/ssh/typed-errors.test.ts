// Malformed SSH data is a typed, one-line error (SshFormatError, a TshError), never a plain Error
// or a node:crypto TypeError; a peer's junk CA key is a rejection, not a crash (found by the fuzzers).
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseSshCertificate,
  parseSshCertificateLine,
  signSshCertificate,
} from '../../../../src/auth/ssh/cert.js';
import { knownHostCAEntries, parseKnownHostsLine } from '../../../../src/auth/ssh/knownhosts.js';
import { sshPublicKeyBlob } from '../../../../src/auth/ssh/keys.js';
import { SshFormatError, SshReader, SshWriter } from '../../../../src/auth/ssh/wire.js';
import { TshError } from '../../../../src/util/errors.js';
import { SshCertError, checkHostCert } from '../../../../src/wire/ssh2certs.js';

const user = generateKeyPairSync('ed25519').privateKey;
const ca = generateKeyPairSync('ed25519').privateKey;
const cert = signSshCertificate({
  publicKey: user,
  caKey: ca,
  certType: 2,
  serial: 1n,
  keyId: 'node',
  principals: ['node'],
  validAfter: 0n,
  validBefore: 0xffffffffffffffffn,
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('SSH typed errors', () => {
  it('the wire reader throws SshFormatError', () => {
    const e = thrown(() => new SshReader(Buffer.from('00000005ab', 'hex'), 'key').string());
    expect(e).toBeInstanceOf(SshFormatError);
    expect(e).toBeInstanceOf(TshError);
    expect((e as Error).message).toBe('key: truncated string body (need 5 bytes at offset 4, have 1)');
    expect(thrown(() => new SshReader(Buffer.from('0000000180', 'hex')).mpint())).toBeInstanceOf(
      SshFormatError,
    );
    expect(thrown(() => new SshReader(Buffer.from('00', 'hex')).expectEnd())).toBeInstanceOf(SshFormatError);
  });

  it('a certificate whose key is not a valid point is an SshFormatError', () => {
    // ed25519 key field of the wrong length inside an otherwise well-formed certificate
    const r = new SshReader(cert);
    const alg = r.string();
    const nonce = r.string();
    r.string(); // key
    const bad = new SshWriter().string(alg).string(nonce).string(Buffer.alloc(31)).raw(r.rest()).toBuffer();
    const e = thrown(() => parseSshCertificate(bad));
    expect(e).toBeInstanceOf(SshFormatError);
    expect((e as Error).message).toMatch(/ssh-ed25519 public key length 31/);
    expect(thrown(() => parseSshCertificate(cert.subarray(0, 50)))).toBeInstanceOf(SshFormatError);
  });

  it('certificate lines and known_hosts lines fail with SshFormatError', () => {
    expect(thrown(() => parseSshCertificateLine('ssh-ed25519-cert-v01@openssh.com !!!'))).toBeInstanceOf(
      TshError,
    );
    expect(thrown(() => parseKnownHostsLine('@bogus host ssh-ed25519 AAAA'))).toBeInstanceOf(SshFormatError);
    expect(thrown(() => parseKnownHostsLine('host ssh-ed25519 AAAAAA=='))).toBeInstanceOf(SshFormatError);
    expect(knownHostCAEntries('@cert-authority h ssh-ed25519 AAAA\n\n#x')).toEqual([]);
  });

  it('a host certificate signed by a junk CA key is an SshCertError naming a malformed key', () => {
    // Replace the signature key with bytes that are not a key blob at all.
    const parsed = parseSshCertificate(cert);
    const signed = parsed.signedBytes;
    const withoutKey = signed.subarray(0, signed.length - 4 - parsed.signatureKey.length);
    const junk = new SshWriter()
      .raw(withoutKey)
      .string(Buffer.from('ff', 'hex'))
      .string(parsed.signature)
      .toBuffer();
    const e = thrown(() => checkHostCert(junk, { caBlobs: [sshPublicKeyBlob(ca)], host: 'node' }));
    expect(e).toBeInstanceOf(SshCertError);
    expect(e).toBeInstanceOf(TshError);
    expect((e as Error).message).toMatch(
      /^host certificate is signed by an untrusted CA \(malformed key SHA256:/,
    );
  });
});
