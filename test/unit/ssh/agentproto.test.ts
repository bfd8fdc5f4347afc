// SSH agent protocol messages, byte for byte, and signing through the in-memory agent.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sshPublicKeyBlob, sshVerify } from '../../../src/auth/ssh/keys.js';
import { SshReader, SshWriter } from '../../../src/auth/ssh/wire.js';
import { TshError } from '../../../src/util/errors.js';
import {
  AGENT,
  AgentProtocolError,
  AgentStream,
  MAX_AGENT_MESSAGE,
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

describe('agent framing errors close the agent connection, never the session', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const ids = keyRingIdentities(privateKey);

  /** Writes `bytes` in one chunk; collects answers, protocol errors, 'error' events and whether it ended. */
  async function feed(bytes: Buffer) {
    const errors: AgentProtocolError[] = [];
    const streamErrors: Error[] = [];
    const stream = new AgentStream(ids, (e) => errors.push(e));
    const answers: Buffer[] = [];
    stream.on('data', (d: Buffer) => answers.push(d));
    stream.on('error', (e) => streamErrors.push(e));
    await new Promise<void>((resolve) => stream.write(bytes, () => resolve()));
    // 'end' follows push(null) on a later tick of the flowing stream.
    await new Promise((resolve) => setImmediate(resolve));
    return { answers, errors, streamErrors, ended: stream.readableEnded, stream };
  }

  it.each([
    ['zero length', '00000000', 'agent: request size is 0'],
    ['over the limit', '00040001' + '0b', 'agent: request too large: 262145'],
    ['length 0xffffffff', 'ffffffff', 'agent: request too large: 4294967295'],
  ])('%s: one AgentProtocolError, the answers end, no error event', async (_name, hex, message) => {
    const r = await feed(Buffer.from(hex, 'hex'));
    expect(r.errors.map((e) => [e.name, e.message])).toEqual([['AgentProtocolError', message]]);
    expect(r.errors[0]).toBeInstanceOf(TshError);
    expect(r.streamErrors).toEqual([]);
    expect(r.answers).toEqual([]);
    expect(r.ended).toBe(true);
  });

  it('requests before the bad frame are answered; bytes after it are dropped', async () => {
    const good = frame(AGENT.REQUEST_IDENTITIES);
    const r = await feed(Buffer.concat([good, Buffer.from('00000000', 'hex'), good]));
    expect(r.answers.map((a) => a[4])).toEqual([AGENT.IDENTITIES_ANSWER]);
    expect(r.errors).toHaveLength(1);
    // Later writes are accepted and ignored.
    await new Promise<void>((resolve) => r.stream.write(good, () => resolve()));
    expect(r.answers).toHaveLength(1);
    expect(r.errors).toHaveLength(1);
    expect(r.streamErrors).toEqual([]);
  });

  it('a limit-sized frame is still read (the bound is inclusive)', async () => {
    const stream = new AgentStream(ids);
    const hdr = Buffer.alloc(5);
    hdr.writeUInt32BE(MAX_AGENT_MESSAGE, 0);
    hdr[4] = 99;
    const got = new Promise<Buffer>((resolve) => stream.once('data', resolve));
    stream.write(Buffer.concat([hdr, Buffer.alloc(MAX_AGENT_MESSAGE - 1)]));
    expect((await got).toString('hex')).toBe('0000000105');
  });
});
