// SSH agent protocol messages, byte for byte, and signing through the in-memory agent.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sshPublicKeyBlob, sshVerify } from '../../../src/auth/ssh/keys.js';
import { SshReader, SshWriter } from '../../../src/auth/ssh/wire.js';
import {
  AGENT,
  AgentStream,
  SSH_AGENT_RSA_SHA2_512,
  answer,
  frame,
  keyRingIdentities,
} from '../../../src/ssh/agentproto.js';

function read(stream: AgentStream, req: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    stream.once('data', (d: Buffer) => resolve(d));
    stream.write(req);
  });
}

describe('agent protocol', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const ids = keyRingIdentities(privateKey, Buffer.from('fake-cert-blob'), 'teleport:alice');

  it('frames messages as uint32 length + type + payload', () => {
    expect(frame(AGENT.FAILURE).toString('hex')).toBe('0000000105');
    expect(frame(AGENT.REQUEST_IDENTITIES, Buffer.from([1, 2])).toString('hex')).toBe('000000030b0102');
  });

  it('lists the certificate then the plain key', () => {
    const out = answer(ids, AGENT.REQUEST_IDENTITIES, Buffer.alloc(0));
    const r = new SshReader(out.subarray(5));
    expect(out[4]).toBe(AGENT.IDENTITIES_ANSWER);
    expect(r.u32()).toBe(2);
    expect(r.string().toString()).toBe('fake-cert-blob');
    expect(r.stringUtf8()).toBe('teleport:alice');
    expect(r.string().equals(sshPublicKeyBlob(privateKey))).toBe(true);
  });

  it('signs with the key behind either blob; unknown keys get FAILURE', async () => {
    const stream = new AgentStream(ids);
    const data = Buffer.from('session-id-and-userauth-request');
    const req = frame(
      AGENT.SIGN_REQUEST,
      new SshWriter().string(Buffer.from('fake-cert-blob')).string(data).u32(0).toBuffer(),
    );
    const res = await read(stream, req);
    expect(res[4]).toBe(AGENT.SIGN_RESPONSE);
    const sig = new SshReader(res.subarray(5)).string();
    expect(sshVerify(sshPublicKeyBlob(privateKey), data, sig)).toBe(true);
    const bad = frame(
      AGENT.SIGN_REQUEST,
      new SshWriter().string(Buffer.from('other')).string(data).u32(0).toBuffer(),
    );
    expect((await read(stream, bad)).toString('hex')).toBe('0000000105');
    expect((await read(stream, frame(99))).toString('hex')).toBe('0000000105');
  });

  it('RSA keys sign with rsa-sha2-512 when asked', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const rsaIds = keyRingIdentities(rsa);
    const data = Buffer.from('x');
    const out = answer(
      rsaIds,
      AGENT.SIGN_REQUEST,
      new SshWriter().string(rsaIds[0].blob).string(data).u32(SSH_AGENT_RSA_SHA2_512).toBuffer(),
    );
    const sig = new SshReader(out.subarray(5)).string();
    expect(new SshReader(sig).stringUtf8()).toBe('rsa-sha2-512');
  });

  it('a message split across writes is answered once complete', async () => {
    const stream = new AgentStream(ids);
    const req = frame(AGENT.REQUEST_IDENTITIES);
    const got = new Promise<Buffer>((resolve) => stream.once('data', resolve));
    stream.write(req.subarray(0, 3));
    stream.write(req.subarray(3));
    expect((await got)[4]).toBe(AGENT.IDENTITIES_ANSWER);
  });
});
