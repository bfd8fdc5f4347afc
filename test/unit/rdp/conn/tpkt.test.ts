import { describe, expect, it } from 'vitest';
import { RdpPduError } from '../../../../src/rdp/conn/errors.js';
import {
  HYBRID_REQUIRED_BY_SERVER,
  PROTOCOL_RDP,
  PROTOCOL_SSL,
  SSL_NOT_ALLOWED_BY_SERVER,
  decodeConnectionConfirm,
  decodeConnectionRequest,
  decodeX224,
  encodeConnectionConfirm,
  encodeConnectionRequest,
  encodeX224Data,
  encodeX224Disconnect,
  negotiationFailureText,
} from '../../../../src/rdp/conn/tpkt.js';
import { hx, oneTpdu } from './hex.js';

// MS-RDPBCGR 4.1.1: a Connection Request with a routing cookie and requestedProtocols 0.
const CR_COOKIE = hx`
  03 00 00 2c                       # TPKT: version 3, length 44
  27 e0 00 00 00 00 00              # X.224: LI 39, CR, DST-REF 0, SRC-REF 0, class 0
  43 6f 6f 6b 69 65 3a 20 6d 73 74 73 68 61 73 68 3d 65 6c 74 6f 6e 73 0d 0a  # Cookie: mstshash=eltons\r\n
  01 00 08 00 00 00 00 00           # RDP_NEG_REQ: type 1, flags 0, length 8, PROTOCOL_RDP
`;
// What this client sends: no cookie, TLS only.
const CR_TLS = hx`
  03 00 00 13
  0e e0 00 00 00 00 00
  01 00 08 00 01 00 00 00           # RDP_NEG_REQ: PROTOCOL_SSL
`;
// MS-RDPBCGR 4.1.2 shape: RDP_NEG_RSP selecting TLS.
const CC_TLS = hx`
  03 00 00 13
  0e d0 00 00 12 34 00              # CC, DST-REF 0, SRC-REF 0x1234
  02 00 08 00 01 00 00 00           # RDP_NEG_RSP: type 2, flags 0, length 8, PROTOCOL_SSL
`;
const CC_FAILURE = hx`
  03 00 00 13
  0e d0 00 00 12 34 00
  03 00 08 00 02 00 00 00           # RDP_NEG_FAILURE: SSL_NOT_ALLOWED_BY_SERVER
`;
const CC_LEGACY = hx`03 00 00 0b  06 d0 00 00 12 34 00`; // no negotiation data at all

describe('X.224 Connection Request', () => {
  it('encodes the spec example with a cookie', () => {
    expect(encodeConnectionRequest({ cookie: 'eltons', requestedProtocols: PROTOCOL_RDP })).toEqual(
      CR_COOKIE,
    );
  });
  it('encodes the TLS request this client sends', () => {
    expect(encodeConnectionRequest({ requestedProtocols: PROTOCOL_SSL })).toEqual(CR_TLS);
  });
  it('decodes both, split at every byte', () => {
    expect(decodeConnectionRequest(oneTpdu(CR_COOKIE))).toEqual({
      cookie: 'eltons',
      requestedProtocols: PROTOCOL_RDP,
      flags: 0,
    });
    expect(decodeConnectionRequest(oneTpdu(CR_TLS))).toEqual({ requestedProtocols: PROTOCOL_SSL, flags: 0 });
  });
});

describe('X.224 Connection Confirm', () => {
  it('encodes the response, failure and legacy forms', () => {
    expect(encodeConnectionConfirm({ type: 'response', flags: 0, selectedProtocol: PROTOCOL_SSL })).toEqual(
      CC_TLS,
    );
    expect(encodeConnectionConfirm({ type: 'failure', failureCode: SSL_NOT_ALLOWED_BY_SERVER })).toEqual(
      CC_FAILURE,
    );
    expect(encodeConnectionConfirm({ type: 'none' })).toEqual(CC_LEGACY);
  });
  it('decodes them, split at every byte', () => {
    expect(decodeConnectionConfirm(oneTpdu(CC_TLS))).toEqual({
      type: 'response',
      flags: 0,
      selectedProtocol: PROTOCOL_SSL,
    });
    expect(decodeConnectionConfirm(oneTpdu(CC_FAILURE))).toEqual({
      type: 'failure',
      failureCode: SSL_NOT_ALLOWED_BY_SERVER,
    });
    expect(decodeConnectionConfirm(oneTpdu(CC_LEGACY))).toEqual({ type: 'none' });
  });
  it('reads the response flags byte', () => {
    const tpdu = hx`0e d0 00 00 12 34 00  02 1f 08 00 01 00 00 00`;
    expect(decodeConnectionConfirm(tpdu)).toEqual({ type: 'response', flags: 0x1f, selectedProtocol: 1 });
  });
  it('rejects malformed confirms with a typed one-line error', () => {
    const cases: [Buffer, RegExp][] = [
      [hx`0e e0 00 00 12 34 00  02 00 08 00 01 00 00 00`, /TPDU code 0xe0, expected 0xd0/],
      [hx`0f d0 00 00 12 34 00  02 00 08 00 01 00 00 00`, /length indicator 15 for 15 bytes/],
      [hx`0e d0 00 00 12 34 00  02 00 09 00 01 00 00 00`, /negotiation length 9/],
      [hx`0e d0 00 00 12 34 00  07 00 08 00 01 00 00 00`, /negotiation type 7/],
      [hx`0a d0 00 00 12 34 00  02 00 08 00`, /selectedProtocol truncated/],
      [hx`0e`, /TPDU code truncated/],
    ];
    for (const [tpdu, re] of cases) {
      expect(() => decodeConnectionConfirm(tpdu)).toThrow(RdpPduError);
      expect(() => decodeConnectionConfirm(tpdu)).toThrow(re);
    }
  });
  it('words every negotiation failure', () => {
    expect(negotiationFailureText(SSL_NOT_ALLOWED_BY_SERVER)).toBe(
      'it allows only standard RDP security, not TLS',
    );
    expect(negotiationFailureText(HYBRID_REQUIRED_BY_SERVER)).toMatch(/Network Level Authentication/);
    expect(negotiationFailureText(99)).toBe('negotiation failure code 99');
  });
});

describe('X.224 Data and Disconnect Request', () => {
  it('wraps MCS PDUs in a Data TPDU (MS-RDPBCGR 4.1.6: Attach User Request)', () => {
    const pdu = hx`03 00 00 08  02 f0 80  28`;
    expect(encodeX224Data(Buffer.from([0x28]))).toEqual(pdu);
    expect(decodeX224(oneTpdu(pdu))).toEqual({ type: 'data', payload: Buffer.from([0x28]) });
  });
  it('encodes and decodes a Disconnect Request', () => {
    const pdu = hx`03 00 00 0b  06 80 00 00 00 00 00`;
    expect(encodeX224Disconnect()).toEqual(pdu);
    expect(decodeX224(oneTpdu(pdu))).toEqual({ type: 'disconnect', reason: 0 });
  });
  it('rejects other TPDUs', () => {
    expect(() => decodeX224(hx`06 e0 00 00 00 00 00`)).toThrow(/unexpected TPDU code 0xe0/);
    expect(() => decodeX224(hx`03 f0 80 00`)).toThrow(/length indicator 3, expected 2/);
  });
});
