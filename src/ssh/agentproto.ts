// The SSH agent protocol (draft-miller-ssh-agent) for `ssh -A`: an in-memory agent that holds
// the user's key and certificate and answers the node's requests over the forwarded
// auth-agent@openssh.com channel. Only listing and signing are served; everything else fails.
import { Duplex } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import { sshSign, sshPublicKeyBlob, type RsaSigAlgorithm } from '../auth/ssh/keys.js';
import { SshReader, SshWriter } from '../auth/ssh/wire.js';
import { TshError } from '../util/errors.js';

export const AGENT = {
  FAILURE: 5,
  REQUEST_IDENTITIES: 11,
  IDENTITIES_ANSWER: 12,
  SIGN_REQUEST: 13,
  SIGN_RESPONSE: 14,
} as const;
/** Sign request flag for rsa-sha2-512; without it RSA keys sign with rsa-sha2-256 (flag 2). */
export const SSH_AGENT_RSA_SHA2_512 = 4;
/** The largest request we read (a sign request carries a session hash and a userauth request). */
export const MAX_AGENT_MESSAGE = 256 * 1024;

/** A request the agent cannot frame: the agent channel it came on is closed, the session goes on. */
export class AgentProtocolError extends TshError {
  constructor(message: string) {
    super(message, 'bad-parameter');
    this.name = 'AgentProtocolError';
  }
}

export interface AgentIdentity {
  /** Public key or certificate blob offered to the server. */
  blob: Buffer;
  comment: string;
  key: KeyObject;
}

/** One framed message: uint32 length, then type byte and payload. */
export function frame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(1 + payload.length, 0);
  out[4] = type;
  payload.copy(out, 5);
  return out;
}

export function identitiesAnswer(ids: Array<{ blob: Buffer; comment: string }>): Buffer {
  const w = new SshWriter().u32(ids.length);
  for (const id of ids) w.string(id.blob).string(id.comment);
  return frame(AGENT.IDENTITIES_ANSWER, w.toBuffer());
}

export function parseSignRequest(payload: Buffer): { blob: Buffer; data: Buffer; flags: number } {
  const r = new SshReader(payload, 'agent sign request');
  const blob = r.string();
  const data = r.string();
  const flags = r.u32();
  return { blob, data, flags };
}

/** Answers one request message (type + payload); unknown or failing requests get FAILURE. */
export function answer(ids: AgentIdentity[], type: number, payload: Buffer): Buffer {
  try {
    if (type === AGENT.REQUEST_IDENTITIES) return identitiesAnswer(ids);
    if (type === AGENT.SIGN_REQUEST) {
      const req = parseSignRequest(payload);
      const id = ids.find((i) => i.blob.equals(req.blob));
      if (!id) return frame(AGENT.FAILURE);
      const alg: RsaSigAlgorithm = req.flags & SSH_AGENT_RSA_SHA2_512 ? 'rsa-sha2-512' : 'rsa-sha2-256';
      const sig = sshSign(id.key, req.data, alg);
      return frame(AGENT.SIGN_RESPONSE, new SshWriter().string(sig).toBuffer());
    }
  } catch {
    // fall through to FAILURE
  }
  return frame(AGENT.FAILURE);
}

/**
 * An agent connection: bytes in (requests), bytes out (answers). A message of length zero or over
 * MAX_AGENT_MESSAGE cannot be framed: it goes to `onError`, the answers end (which closes the
 * agent channel piped to this stream) and everything after it is dropped. The stream itself never
 * emits 'error' for what the peer sends, so no peer can crash the session.
 */
export class AgentStream extends Duplex {
  private buf = Buffer.alloc(0);
  private done = false;

  constructor(
    private readonly ids: AgentIdentity[],
    private readonly onError: (err: AgentProtocolError) => void = () => {},
  ) {
    super();
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.done) {
      cb();
      return;
    }
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      // x/crypto/ssh/agent ServeAgent's own words for these two.
      if (len === 0) return this.fail('agent: request size is 0', cb);
      if (len > MAX_AGENT_MESSAGE) return this.fail(`agent: request too large: ${len}`, cb);
      if (this.buf.length < 4 + len) break;
      const type = this.buf[4];
      const payload = this.buf.subarray(5, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      this.push(answer(this.ids, type, payload));
    }
    cb();
  }

  override _final(cb: () => void): void {
    this.finish();
    cb();
  }

  private fail(message: string, cb: () => void): void {
    this.buf = Buffer.alloc(0);
    this.finish();
    this.onError(new AgentProtocolError(message));
    cb();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.push(null);
  }
}

/** The identities tsh's agent offers for a key ring: the certificate, then the plain key. */
export function keyRingIdentities(key: KeyObject, certBlob?: Buffer, comment = 'teleport'): AgentIdentity[] {
  const ids: AgentIdentity[] = [];
  if (certBlob) ids.push({ blob: certBlob, comment, key });
  ids.push({ blob: sshPublicKeyBlob(key), comment, key });
  return ids;
}
