import { describe, expect, it } from 'vitest';
import { errorInfoIsDenial, errorInfoIsNormalEnd, errorInfoText } from '../../../../src/rdp/conn/errinfo.js';
import { decodeDomainPdu, encodeSendDataRequest } from '../../../../src/rdp/conn/mcs.js';
import {
  CTRLACTION_COOPERATE,
  CTRLACTION_GRANTED_CONTROL,
  CTRLACTION_REQUEST_CONTROL,
  PDUTYPE2_CONTROL,
  PDUTYPE2_FONTLIST,
  PDUTYPE2_FONTMAP,
  PDUTYPE2_FRAME_ACKNOWLEDGE,
  PDUTYPE2_REFRESH_RECT,
  PDUTYPE2_SET_ERROR_INFO_PDU,
  PDUTYPE2_SUPPRESS_OUTPUT,
  PDUTYPE2_SYNCHRONIZE,
  PDUTYPE_CONFIRMACTIVEPDU,
  PDUTYPE_DATAPDU,
  PDUTYPE_DEACTIVATEALLPDU,
  PDUTYPE_DEMANDACTIVEPDU,
  controlBody,
  decodeConfirmActive,
  decodeControl,
  decodeDeactivateAll,
  decodeDemandActive,
  decodeErrorInfo,
  decodeFontMessage,
  decodeFrameAcknowledge,
  decodeRefreshRect,
  decodeShareControlPdus,
  decodeShareData,
  decodeSuppressOutput,
  decodeSynchronize,
  encodeConfirmActive,
  encodeDeactivateAll,
  encodeDemandActive,
  encodeShareData,
  errorInfoBody,
  fontListBody,
  fontMapBody,
  frameAcknowledgeBody,
  refreshRectBody,
  suppressOutputBody,
  synchronizeBody,
} from '../../../../src/rdp/conn/share.js';
import { decodeX224, encodeX224Data } from '../../../../src/rdp/conn/tpkt.js';
import { hx, oneTpdu } from './hex.js';

const SHARE_ID = 0x000103ea;
const USER = 1007;

/** Share data PDU bytes → [shareControl, shareData] decoded. */
function decodeOne(pdu: Buffer) {
  const [sc] = decodeShareControlPdus(pdu);
  expect(sc.pduType).toBe(PDUTYPE_DATAPDU);
  return { sc, data: decodeShareData(sc.body) };
}

describe('finalization PDUs (MS-RDPBCGR 4.1.13–4.1.18)', () => {
  it('Client Synchronize, whole PDU, split at every byte', () => {
    // The spec's capture writes the Send Data length in two bytes (80 16); one is enough.
    const whole = hx`
      03 00 00 24  02 f0 80                  # TPKT, X.224 Data
      64 00 06 03 eb 70 16                   # Send Data Request: user 1007, I/O channel 1003, 22 bytes
      16 00 17 00 ef 03                      # share control: totalLength 22, DATAPDU v1, source 1007
      ea 03 01 00 00 01 08 00 1f 00 00 00    # share data: shareId, pad, STREAM_LOW, 8, SYNCHRONIZE
      01 00 ea 03                            # SYNCMSGTYPE_SYNC, targetUser 1002
    `;
    const share = encodeShareData(SHARE_ID, USER, PDUTYPE2_SYNCHRONIZE, synchronizeBody(1002));
    expect(encodeX224Data(encodeSendDataRequest(USER, 1003, share))).toEqual(whole);
    const t = decodeX224(oneTpdu(whole));
    const mcs = decodeDomainPdu(t.type === 'data' ? t.payload : Buffer.alloc(0));
    expect(mcs).toMatchObject({ type: 'send-data-request', userId: USER, channelId: 1003 });
    const { sc, data } = decodeOne(mcs.type === 'send-data-request' ? mcs.data : Buffer.alloc(0));
    expect(sc.pduSource).toBe(USER);
    expect(data).toMatchObject({ shareId: SHARE_ID, streamId: 1, pduType2: PDUTYPE2_SYNCHRONIZE });
    expect(decodeSynchronize(data.body)).toEqual({ targetUser: 1002 });
    const spec = Buffer.concat([hx`64 00 06 03 eb 70 80 16`, share]);
    expect(decodeDomainPdu(spec)).toMatchObject({ type: 'send-data-request', data: share });
  });

  it('Control Cooperate and Request Control', () => {
    const cooperate = hx`1a 00 17 00 ef 03  ea 03 01 00 00 01 0c 00 14 00 00 00  04 00 00 00 00 00 00 00`;
    const request = hx`1a 00 17 00 ef 03  ea 03 01 00 00 01 0c 00 14 00 00 00  01 00 00 00 00 00 00 00`;
    const body = (action: number) => controlBody({ action, grantId: 0, controlId: 0 });
    expect(encodeShareData(SHARE_ID, USER, PDUTYPE2_CONTROL, body(CTRLACTION_COOPERATE))).toEqual(cooperate);
    expect(encodeShareData(SHARE_ID, USER, PDUTYPE2_CONTROL, body(CTRLACTION_REQUEST_CONTROL))).toEqual(
      request,
    );
    expect(decodeControl(decodeOne(request).data.body)).toEqual({ action: 1, grantId: 0, controlId: 0 });
    // The server's Granted Control names the user and its own channel.
    const granted = controlBody({ action: CTRLACTION_GRANTED_CONTROL, grantId: USER, controlId: 0x3ea });
    expect(granted).toEqual(hx`02 00 ef 03 ea 03 00 00`);
    expect(decodeControl(granted)).toEqual({ action: 2, grantId: USER, controlId: 0x3ea });
  });

  it('Font List and Font Map', () => {
    const fontList = hx`1a 00 17 00 ef 03  ea 03 01 00 00 01 0c 00 27 00 00 00  00 00 00 00 03 00 32 00`;
    expect(encodeShareData(SHARE_ID, USER, PDUTYPE2_FONTLIST, fontListBody())).toEqual(fontList);
    expect(decodeFontMessage(decodeOne(fontList).data.body, 'Font List PDU')).toEqual({
      number: 0,
      total: 0,
      flags: 3,
      entrySize: 50,
    });
    const fontMap = encodeShareData(SHARE_ID, 1002, PDUTYPE2_FONTMAP, fontMapBody());
    expect(fontMap).toEqual(
      hx`1a 00 17 00 ea 03  ea 03 01 00 00 01 0c 00 28 00 00 00  00 00 00 00 03 00 04 00`,
    );
    expect(decodeFontMessage(decodeOne(fontMap).data.body)).toMatchObject({ flags: 3, entrySize: 4 });
  });
});

describe('Demand Active, Confirm Active, Deactivate All', () => {
  const caps = [
    { type: 1, data: Buffer.alloc(20) },
    { type: 13, data: hx`29 00 00 00` },
  ];

  it('encodes and decodes a Demand Active', () => {
    const pdu = encodeDemandActive({
      shareId: SHARE_ID,
      sourceDescriptor: 'RDP',
      capabilities: caps,
      sessionId: 0,
    });
    expect(pdu.subarray(0, 22)).toEqual(hx`
      3a 00 11 00 ea 03                 # totalLength 58, DEMANDACTIVEPDU, source 1002
      ea 03 01 00                       # shareId
      04 00 24 00                       # lengthSourceDescriptor 4, lengthCombinedCapabilities 36
      52 44 50 00                       # "RDP\0"
      02 00 00 00                       # two sets
    `);
    const [sc] = decodeShareControlPdus(pdu);
    expect(sc.pduType).toBe(PDUTYPE_DEMANDACTIVEPDU);
    expect(decodeDemandActive(sc.body)).toEqual({
      shareId: SHARE_ID,
      sourceDescriptor: 'RDP',
      capabilities: caps,
      sessionId: 0,
    });
  });

  it('encodes and decodes a Confirm Active', () => {
    const pdu = encodeConfirmActive(
      { shareId: SHARE_ID, sourceDescriptor: 'MSTSC', capabilities: caps },
      USER,
    );
    expect(pdu.subarray(0, 26)).toEqual(hx`
      3a 00 13 00 ef 03                 # totalLength 58, CONFIRMACTIVEPDU, source 1007
      ea 03 01 00  ea 03                # shareId, originatorId 1002
      06 00 24 00                       # lengthSourceDescriptor 6, lengthCombinedCapabilities 36
      4d 53 54 53 43 00                 # "MSTSC\0"
      02 00 00 00
    `);
    const [sc] = decodeShareControlPdus(pdu);
    expect(sc.pduType).toBe(PDUTYPE_CONFIRMACTIVEPDU);
    expect(decodeConfirmActive(sc.body)).toEqual({
      shareId: SHARE_ID,
      sourceDescriptor: 'MSTSC',
      capabilities: caps,
    });
  });

  it('encodes and decodes Deactivate All, also the short form some servers send', () => {
    const pdu = encodeDeactivateAll(SHARE_ID);
    expect(pdu).toEqual(hx`0d 00 16 00 ea 03  ea 03 01 00  01 00  00`);
    const [sc] = decodeShareControlPdus(pdu);
    expect(sc.pduType).toBe(PDUTYPE_DEACTIVATEALLPDU);
    expect(decodeDeactivateAll(sc.body)).toEqual({ shareId: SHARE_ID });
    expect(decodeShareControlPdus(hx`04 00 16 00`)).toEqual([
      { pduType: PDUTYPE_DEACTIVATEALLPDU, pduSource: 0, body: Buffer.alloc(0) },
    ]);
  });

  it('splits several share control PDUs in one payload and skips flow control PDUs', () => {
    const a = encodeShareData(SHARE_ID, 1002, PDUTYPE2_SYNCHRONIZE, synchronizeBody(USER));
    const flow = hx`00 80 00 42 00 00 ea 03`; // TS_FLOW_PDU (flowMarker 0x8000)
    const b = encodeShareData(SHARE_ID, 1002, PDUTYPE2_FONTMAP, fontMapBody());
    const pdus = decodeShareControlPdus(Buffer.concat([a, flow, b]));
    expect(pdus.map((p) => decodeShareData(p.body).pduType2)).toEqual([
      PDUTYPE2_SYNCHRONIZE,
      PDUTYPE2_FONTMAP,
    ]);
    expect(() => decodeShareControlPdus(hx`05 00 17 00 ea`)).toThrow(/totalLength 5/);
    expect(() => decodeShareControlPdus(hx`40 00 17 00 ea 03`)).toThrow(/share control body truncated/);
  });

  it('refuses bulk-compressed data', () => {
    const body = hx`ea 03 01 00 00 01 08 00 02 20 00 00`; // compressedType PACKET_COMPRESSED
    expect(() => decodeShareData(body)).toThrow(/bulk compression was not negotiated/);
  });
});

describe('other data PDUs', () => {
  it('Set Error Info', () => {
    const pdu = encodeShareData(SHARE_ID, 1002, PDUTYPE2_SET_ERROR_INFO_PDU, errorInfoBody(0x0c));
    expect(pdu.subarray(pdu.length - 6)).toEqual(hx`00 00  0c 00 00 00`);
    expect(decodeErrorInfo(decodeOne(pdu).data.body)).toBe(0x0c);
    expect(errorInfoText(0x0c)).toBe('the user logged off');
    expect(errorInfoText(0x0102)).toBe('no client access license was available');
    expect(errorInfoText(0x01ff)).toBe('licensing error 0x01ff');
    expect(errorInfoText(0x10e6)).toBe('the server rejected client data (RDP error 0x10e6)');
    expect(errorInfoText(0x112c)).toBe('the server got an invalid Frame Acknowledge PDU');
    expect(errorInfoText(0x9999)).toBe('RDP error info 0x9999');
    expect(errorInfoIsDenial(0x07)).toBe(true);
    expect(errorInfoIsNormalEnd(0x0c)).toBe(true);
    expect(errorInfoIsNormalEnd(0x07)).toBe(false);
  });

  it('Frame Acknowledge (MS-RDPRFX 2.2.3.1)', () => {
    const pdu = encodeShareData(SHARE_ID, USER, PDUTYPE2_FRAME_ACKNOWLEDGE, frameAcknowledgeBody(7));
    expect(pdu).toEqual(hx`16 00 17 00 ef 03  ea 03 01 00 00 01 08 00 38 00 00 00  07 00 00 00`);
    expect(decodeFrameAcknowledge(decodeOne(pdu).data.body)).toBe(7);
  });

  it('Refresh Rect with inclusive rectangles', () => {
    const rects = [
      { left: 0, top: 0, right: 1023, bottom: 767 },
      { left: 10, top: 20, right: 30, bottom: 40 },
    ];
    const body = refreshRectBody(rects);
    expect(body).toEqual(hx`02 00 00 00  00 00 00 00 ff 03 ff 02  0a 00 14 00 1e 00 28 00`);
    const pdu = encodeShareData(SHARE_ID, USER, PDUTYPE2_REFRESH_RECT, body);
    expect(decodeRefreshRect(decodeOne(pdu).data.body)).toEqual(rects);
    expect(() => refreshRectBody([])).toThrow(RangeError);
  });

  it('Suppress Output: stop, then allow with the desktop rectangle', () => {
    expect(suppressOutputBody()).toEqual(hx`00 00 00 00`);
    const allow = suppressOutputBody({ left: 0, top: 0, right: 1023, bottom: 767 });
    expect(allow).toEqual(hx`01 00 00 00  00 00 00 00 ff 03 ff 02`);
    const pdu = encodeShareData(SHARE_ID, USER, PDUTYPE2_SUPPRESS_OUTPUT, allow);
    expect(decodeSuppressOutput(decodeOne(pdu).data.body)).toEqual({
      allow: true,
      rect: { left: 0, top: 0, right: 1023, bottom: 767 },
    });
    expect(decodeSuppressOutput(hx`00 00 00 00`)).toEqual({ allow: false });
  });
});
