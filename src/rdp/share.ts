// Client-to-server slow-path data PDUs the graphics layer sends back: TPKT ([T123] 8) + X.224 Data
// TPDU ([X224] 13.7) + MCS Send Data Request ([T125] 11.32, PER) + Share Control Header
// ([MS-RDPBCGR] 2.2.8.1.1.1.1) + Share Data Header (2.2.8.1.1.1.2) + payload. The one payload today
// is TS_FRAME_ACKNOWLEDGE_PDU ([MS-RDPRFX] 2.2.3.1), sent for each frame-end marker so a server
// that throttles on unacknowledged frames keeps its frame rate (FreeRDP's shadow server drops towards
// 1 fps without them). Built like IronRDP's client, which upstream Teleport's web client uses: shareId
// 0, pduSource = the user channel, medium stream priority, uncompressedLength = payload + 4 (as in
// the spec's annotated examples).
import { RdpDecodeError } from './errors.js';

export const PDUTYPE2_FRAME_ACKNOWLEDGE = 0x38;
const PDUTYPE_DATAPDU = 0x7;
const TS_PROTOCOL_VERSION = 0x10;
const STREAM_MED = 0x02;
const MCS_SEND_DATA_REQUEST = 25; // DomainMCSPDU choice index
const MCS_USER_ID_BASE = 1001; // PER-encoded user ids are offsets from 1001
const SHARE_CONTROL_HEADER = 6;
const SHARE_DATA_HEADER = 12;

export interface ChannelIds {
  /** MCS I/O channel (the server's global channel, usually 1003). */
  ioChannelId: number;
  /** MCS user channel of this client (1001 and up), from the Attach User Confirm. */
  userChannelId: number;
  /** From the Demand Active PDU; 0 as IronRDP sends when unknown. */
  shareId?: number;
}

/** A Share Data PDU with pduType2 and payload, framed for the I/O channel. */
export function encodeShareData(ids: ChannelIds, pduType2: number, payload: Uint8Array): Uint8Array {
  const { ioChannelId, userChannelId } = ids;
  if (userChannelId < MCS_USER_ID_BASE || userChannelId > 0xffff || ioChannelId < 0 || ioChannelId > 0xffff) {
    throw new RdpDecodeError(`bad MCS channel ids (io ${ioChannelId}, user ${userChannelId})`);
  }
  const shareLen = SHARE_CONTROL_HEADER + SHARE_DATA_HEADER + payload.length;
  const perLen = shareLen < 0x80 ? 1 : 2;
  const total = 4 + 3 + 1 + 2 + 2 + 1 + perLen + shareLen;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let o = 0;
  // TPKT
  out[o++] = 3;
  out[o++] = 0;
  dv.setUint16(o, total);
  o += 2;
  // X.224 Data TPDU: length indicator 2, DT code 0xF0, EOT
  out[o++] = 0x02;
  out[o++] = 0xf0;
  out[o++] = 0x80;
  // MCS SendDataRequest: choice, initiator, channelId, dataPriority high + segmentation begin|end, length
  out[o++] = MCS_SEND_DATA_REQUEST << 2;
  dv.setUint16(o, userChannelId - MCS_USER_ID_BASE);
  o += 2;
  dv.setUint16(o, ioChannelId);
  o += 2;
  out[o++] = 0x70;
  if (perLen === 1) out[o++] = shareLen;
  else {
    dv.setUint16(o, 0x8000 | shareLen);
    o += 2;
  }
  // Share Control Header
  dv.setUint16(o, shareLen, true);
  dv.setUint16(o + 2, PDUTYPE_DATAPDU | TS_PROTOCOL_VERSION, true);
  dv.setUint16(o + 4, userChannelId, true);
  o += SHARE_CONTROL_HEADER;
  // Share Data Header
  dv.setUint32(o, ids.shareId ?? 0, true);
  out[o + 4] = 0; // pad1
  out[o + 5] = STREAM_MED;
  dv.setUint16(o + 6, payload.length + 4, true); // uncompressedLength
  out[o + 8] = pduType2;
  out[o + 9] = 0; // compressedType
  dv.setUint16(o + 10, 0, true); // compressedLength
  o += SHARE_DATA_HEADER;
  out.set(payload, o);
  return out;
}

/** TS_FRAME_ACKNOWLEDGE_PDU for frameId. */
export function encodeFrameAcknowledge(ids: ChannelIds, frameId: number): Uint8Array {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, frameId >>> 0, true);
  return encodeShareData(ids, PDUTYPE2_FRAME_ACKNOWLEDGE, payload);
}
