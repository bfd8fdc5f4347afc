import { describe, expect, it } from 'vitest';
import {
  MAXIMUM_PARAMETERS,
  MINIMUM_PARAMETERS,
  RN_USER_REQUESTED,
  TARGET_PARAMETERS,
  decodeConnectInitial,
  decodeConnectResponse,
  decodeDomainPdu,
  encodeAttachUserConfirm,
  encodeAttachUserRequest,
  encodeChannelJoinConfirm,
  encodeChannelJoinRequest,
  encodeConnectInitial,
  encodeConnectResponse,
  encodeDisconnectProviderUltimatum,
  encodeErectDomainRequest,
  encodeSendDataIndication,
  encodeSendDataRequest,
  mcsReasonName,
  mcsResultName,
} from '../../../../src/rdp/conn/mcs.js';
import { decodeX224, encodeX224Data } from '../../../../src/rdp/conn/tpkt.js';
import { hx, oneTpdu } from './hex.js';

/** The MCS payload of a whole TPKT/X.224 PDU, after checking it frames at every split. */
const mcsOf = (pdu: Buffer) => {
  const t = decodeX224(oneTpdu(pdu));
  if (t.type !== 'data') throw new Error('not a data TPDU');
  return t.payload;
};

// Domain PDUs from MS-RDPBCGR 4.1.5–4.1.9 (user 1007, channel 1007).
const ERECT = hx`03 00 00 0c 02 f0 80  04 01 00 01 00`; // subHeight 0, subInterval 0
const ATTACH_REQUEST = hx`03 00 00 08 02 f0 80  28`;
const ATTACH_CONFIRM = hx`03 00 00 0b 02 f0 80  2e 00 00 06`; // result 0, initiator 1001+6
const JOIN_REQUEST = hx`03 00 00 0c 02 f0 80  38 00 06 03 ef`;
const JOIN_CONFIRM = hx`03 00 00 0f 02 f0 80  3e 00 00 06 03 ef 03 ef`;
const DPU = hx`03 00 00 09 02 f0 80  21 80`; // Disconnect Provider Ultimatum, rn-user-requested

describe('MCS domain PDUs (PER)', () => {
  it('encodes the spec examples', () => {
    expect(encodeX224Data(encodeErectDomainRequest())).toEqual(ERECT);
    expect(encodeX224Data(encodeAttachUserRequest())).toEqual(ATTACH_REQUEST);
    expect(encodeX224Data(encodeAttachUserConfirm(0, 1007))).toEqual(ATTACH_CONFIRM);
    expect(encodeX224Data(encodeChannelJoinRequest(1007, 1007))).toEqual(JOIN_REQUEST);
    expect(encodeX224Data(encodeChannelJoinConfirm(0, 1007, 1007, 1007))).toEqual(JOIN_CONFIRM);
    expect(encodeX224Data(encodeDisconnectProviderUltimatum(RN_USER_REQUESTED))).toEqual(DPU);
  });

  it('decodes them, split at every byte', () => {
    expect(decodeDomainPdu(mcsOf(ERECT))).toEqual({
      type: 'erect-domain-request',
      subHeight: 0,
      subInterval: 0,
    });
    expect(decodeDomainPdu(mcsOf(ATTACH_REQUEST))).toEqual({ type: 'attach-user-request' });
    expect(decodeDomainPdu(mcsOf(ATTACH_CONFIRM))).toEqual({
      type: 'attach-user-confirm',
      result: 0,
      userId: 1007,
    });
    expect(decodeDomainPdu(mcsOf(JOIN_REQUEST))).toEqual({
      type: 'channel-join-request',
      userId: 1007,
      channelId: 1007,
    });
    expect(decodeDomainPdu(mcsOf(JOIN_CONFIRM))).toEqual({
      type: 'channel-join-confirm',
      result: 0,
      userId: 1007,
      requested: 1007,
      channelId: 1007,
    });
    expect(decodeDomainPdu(mcsOf(DPU))).toEqual({ type: 'disconnect-provider-ultimatum', reason: 3 });
  });

  it('handles the optional fields being absent', () => {
    expect(encodeAttachUserConfirm(14)).toEqual(hx`2c 0e`);
    expect(decodeDomainPdu(hx`2c 0e`)).toEqual({ type: 'attach-user-confirm', result: 14 });
    expect(encodeChannelJoinConfirm(3, 1007, 1008)).toEqual(hx`3c 03 00 06 03 f0`);
    expect(decodeDomainPdu(hx`3c 03 00 06 03 f0`)).toEqual({
      type: 'channel-join-confirm',
      result: 3,
      userId: 1007,
      requested: 1008,
    });
  });

  it('encodes every disconnect reason across the byte boundary', () => {
    for (let reason = 0; reason <= 4; reason++) {
      expect(decodeDomainPdu(encodeDisconnectProviderUltimatum(reason))).toEqual({
        type: 'disconnect-provider-ultimatum',
        reason,
      });
    }
    expect(encodeDisconnectProviderUltimatum(1)).toEqual(hx`20 80`);
    expect(encodeDisconnectProviderUltimatum(4)).toEqual(hx`22 00`);
    expect(mcsReasonName(1)).toBe('provider initiated');
    expect(mcsResultName(14)).toBe('rt-unspecified-failure');
  });

  it('frames Send Data with short and long PER lengths', () => {
    const small = Buffer.from('hello');
    // initiator 1004 (3 above 1001), channel 1003, priority/segmentation 0x70, length 5
    expect(encodeSendDataRequest(1004, 1003, small)).toEqual(hx`64 00 03 03 eb 70 05 68 65 6c 6c 6f`);
    const big = Buffer.alloc(0x19c, 1); // MS-RDPBCGR 4.1.10 sends 0x19c bytes of Client Info
    const req = encodeSendDataRequest(1007, 1003, big);
    expect(req.subarray(0, 8)).toEqual(hx`64 00 06 03 eb 70 81 9c`);
    expect(decodeDomainPdu(req)).toEqual({
      type: 'send-data-request',
      userId: 1007,
      channelId: 1003,
      data: big,
    });
    const ind = encodeSendDataIndication(1002, 1003, small);
    expect(ind).toEqual(hx`68 00 01 03 eb 70 05 68 65 6c 6c 6f`);
    expect(decodeDomainPdu(ind)).toEqual({
      type: 'send-data-indication',
      userId: 1002,
      channelId: 1003,
      data: small,
    });
  });

  it('rejects truncated and unknown PDUs', () => {
    expect(() => decodeDomainPdu(hx`2e 00 00`)).toThrow(/MCS domain PDU: initiator truncated/);
    expect(() => decodeDomainPdu(hx`68 00 01 03 eb 70 05 68`)).toThrow(
      /userData truncated \(5 bytes needed, 1 left\)/,
    );
    expect(() => decodeDomainPdu(hx`68 00 01 03 eb 70 c0 01`)).toThrow(/fragmented PER length/);
    expect(() => decodeDomainPdu(hx`7c`)).toThrow(/unexpected choice 31/);
  });
});

// Connect-Initial with a 3-byte user data, byte by byte (T.125 §7 part 2 in BER).
const CONNECT_INITIAL = hx`
  7f 65 67                          # [APPLICATION 101], length 103
  04 01 01  04 01 01  01 01 ff      # calling/called domain selectors, upwardFlag TRUE
  30 1a                             # targetParameters
    02 01 22  02 01 02  02 01 00  02 01 01  02 01 00  02 01 01  02 03 00 ff ff  02 01 02
  30 19                             # minimumParameters (maxMCSPDUsize 1056)
    02 01 01  02 01 01  02 01 01  02 01 01  02 01 00  02 01 01  02 02 04 20  02 01 02
  30 20                             # maximumParameters
    02 03 00 ff ff  02 03 00 fc 17  02 03 00 ff ff  02 01 01  02 01 00  02 01 01  02 03 00 ff ff  02 01 02
  04 03 61 62 63                    # userData "abc"
`;

describe('MCS Connect-Initial / Connect-Response (BER)', () => {
  it('encodes Connect-Initial with the domain parameters of MS-RDPBCGR 2.2.1.3', () => {
    const pdu = encodeX224Data(encodeConnectInitial({ userData: Buffer.from('abc') }));
    expect(pdu.subarray(7)).toEqual(CONNECT_INITIAL);
    expect(decodeConnectInitial(mcsOf(pdu))).toEqual({
      userData: Buffer.from('abc'),
      target: TARGET_PARAMETERS,
      minimum: MINIMUM_PARAMETERS,
      maximum: MAXIMUM_PARAMETERS,
    });
  });

  it('uses long BER lengths for big user data', () => {
    const userData = Buffer.alloc(300, 7);
    const ci = encodeConnectInitial({ userData });
    expect(ci.subarray(0, 5)).toEqual(hx`7f 65 82 01 92`); // 402 bytes of content
    expect(ci.subarray(ci.length - 304, ci.length - 300)).toEqual(hx`04 82 01 2c`);
    expect(decodeConnectInitial(ci).userData).toEqual(userData);
    const medium = encodeConnectInitial({ userData: Buffer.alloc(0x90) });
    expect(medium.subarray(medium.length - 0x93, medium.length - 0x90)).toEqual(hx`04 81 90`);
  });

  it('decodes a Connect-Response and encodes it back', () => {
    const bytes = hx`
      7f 66 27                        # [APPLICATION 102], length 39
      0a 01 00                        # result rt-successful
      02 01 00                        # calledConnectId 0
      30 1a  02 01 22  02 01 03  02 01 00  02 01 01  02 01 00  02 01 01  02 03 00 ff f8  02 01 02
      04 03 78 79 7a                  # userData "xyz"
    `;
    const cr = decodeConnectResponse(bytes);
    expect(cr).toEqual({
      result: 0,
      calledConnectId: 0,
      domainParameters: { ...TARGET_PARAMETERS, maxUserIds: 3, maxMCSPDUsize: 65528 },
      userData: Buffer.from('xyz'),
    });
    expect(encodeConnectResponse(cr)).toEqual(bytes);
  });

  it('reads a refusal that carries only the result', () => {
    expect(decodeConnectResponse(hx`7f 66 03 0a 01 0e`)).toMatchObject({
      result: 14,
      userData: Buffer.alloc(0),
    });
  });

  it('rejects malformed BER with the field named', () => {
    expect(() => decodeConnectResponse(hx`7f 65 03 0a 01 00`)).toThrow(
      /Connect-Response tag 0x65, expected 0x66/,
    );
    expect(() => decodeConnectResponse(hx`7f 66 05 0a 01 00 02 01`)).toThrow(
      /calledConnectId truncated|calledConnectId length truncated/,
    );
    expect(() => decodeConnectResponse(hx`7f 66 83 00 00 00`)).toThrow(/Connect-Response length of 3 bytes/);
    expect(() => decodeConnectResponse(hx`7f 66 04 0a 02 00 00`)).toThrow(/truncated/);
  });
});
