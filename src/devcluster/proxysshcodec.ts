// The ProxySSH messages that carry SSH bytes, (de)serialized without the generated codec's copies.
// A frame message is `ssh` (field 2) or `agent` (field 3) holding a Frame whose only field is
// `payload` (field 1, bytes); the generated encoder grows and copies its buffer several times per
// message and the decoder copies the payload out. Same bytes on the wire; anything else (the dial
// target, cluster details) goes through the generated codec.
import { ProxySSHRequest, ProxySSHResponse } from '../gen/teleport/transport/v1/transport_service.js';

const TAG_SSH = 0x12; // field 2, length-delimited
const TAG_PAYLOAD = 0x0a; // Frame field 1, length-delimited

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v >>>= 7;
    n++;
  }
  return n;
}

function putVarint(buf: Buffer, p: number, v: number): number {
  while (v > 0x7f) {
    buf[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[p++] = v;
  return p;
}

/** ProxySSHResponse: an `ssh` frame in one allocation and one copy of its payload. */
export function encodeProxySshResponse(msg: ProxySSHResponse): Buffer {
  if (msg.details || msg.frame?.$case !== 'ssh') return Buffer.from(ProxySSHResponse.encode(msg).finish());
  const payload = msg.frame.value.payload;
  // An empty payload is an empty Frame (proto3 leaves the default out).
  const frameLen = payload.length ? 1 + varintSize(payload.length) + payload.length : 0;
  const buf = Buffer.allocUnsafe(1 + varintSize(frameLen) + frameLen);
  buf[0] = TAG_SSH;
  let p = putVarint(buf, 1, frameLen);
  if (payload.length) {
    buf[p++] = TAG_PAYLOAD;
    p = putVarint(buf, p, payload.length);
    buf.set(payload, p);
  }
  return buf;
}

/** Reads a varint at `p`; undefined when it runs past the end or past 32 bits. */
function getVarint(buf: Buffer, p: number): { v: number; p: number } | undefined {
  let v = 0;
  for (let shift = 0; shift < 35 && p < buf.length; shift += 7) {
    const b = buf[p++];
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return { v, p };
  }
  return undefined;
}

/**
 * ProxySSHRequest: a message that is exactly one `ssh` frame has its payload viewed in place (the
 * message buffer is ours); any other message is decoded by the generated codec.
 */
export function decodeProxySshRequest(buf: Buffer): ProxySSHRequest {
  if (buf[0] === TAG_SSH) {
    const frame = getVarint(buf, 1);
    if (frame && frame.p + frame.v === buf.length) {
      if (frame.v === 0)
        return { dialTarget: undefined, frame: { $case: 'ssh', value: { payload: Buffer.alloc(0) } } };
      if (buf[frame.p] === TAG_PAYLOAD) {
        const len = getVarint(buf, frame.p + 1);
        if (len && len.p + len.v === buf.length) {
          const payload = buf.subarray(len.p, len.p + len.v);
          return { dialTarget: undefined, frame: { $case: 'ssh', value: { payload } } };
        }
      }
    }
  }
  return ProxySSHRequest.decode(buf);
}
