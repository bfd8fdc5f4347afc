import { describe, expect, it } from 'vitest';
import {
  ERR_NO_LICENSE,
  LICENSE_REQUEST,
  STATUS_VALID_CLIENT,
  ST_NO_TRANSITION,
  ST_TOTAL_ABORT,
  decodeClientInfoPdu,
  decodeLicensePdu,
  defaultClientInfo,
  encodeClientInfoPdu,
  encodeLicenseErrorPdu,
  licenseErrorText,
} from '../../../../src/rdp/conn/info.js';
import { hx, utf16 } from './hex.js';

const zeros = (n: number) => '00 '.repeat(n);
const hexOf = (b: Buffer) => b.toString('hex');

describe('Client Info PDU', () => {
  const info = { ...defaultClientInfo('alice'), clientDir: 'C:\\x' };
  const bytes = hx`
    40 00 00 00                       # basic security header: SEC_INFO_PKT
    00 00 00 00                       # CodePage
    73 01 0b 00                       # flags: MOUSE DISABLECTRLALTDEL UNICODE MAXIMIZESHELL LOGONNOTIFY
                                      #   ENABLEWINDOWSKEY LOGONERRORS MOUSE_HAS_WHEEL NOAUDIOPLAYBACK
    00 00  0a 00  00 00  00 00  00 00 # cbDomain 0, cbUserName 10, no password, shell, directory
    00 00                             # Domain "" + terminator
    ${hexOf(utf16('alice'))} 00 00    # UserName
    00 00  00 00  00 00               # Password, AlternateShell, WorkingDir (empty)
    02 00                             # clientAddressFamily AF_INET
    14 00 ${hexOf(utf16('127.0.0.1\0'))}
    0a 00 ${hexOf(utf16('C:\\x\0'))}
    ${zeros(172)}                     # clientTimeZone: UTC
    00 00 00 00                       # clientSessionId
    6f 00 00 00                       # performanceFlags: no wallpaper, drag, animations, themes, cursor effects
    00 00                             # cbAutoReconnectCookie
  `;

  it('encodes TS_INFO_PACKET with the extended info, password empty', () => {
    expect(encodeClientInfoPdu(info)).toEqual(bytes);
  });

  it('decodes it back', () => {
    expect(decodeClientInfoPdu(bytes)).toEqual(info);
  });

  it('carries a domain and non-ASCII names', () => {
    const other = { ...defaultClientInfo('zoë', 'CORP'), password: 'pw' };
    expect(decodeClientInfoPdu(encodeClientInfoPdu(other))).toEqual(other);
  });

  it('rejects a PDU that is not Client Info', () => {
    expect(() => decodeClientInfoPdu(hx`80 00 00 00`)).toThrow(/SEC_INFO_PKT not set/);
    expect(() => decodeClientInfoPdu(bytes.subarray(0, 30))).toThrow(/Client Info PDU: UserName truncated/);
  });
});

describe('licensing', () => {
  // MS-RDPBCGR 4.1.12: Server License Error PDU - Valid Client.
  const VALID_CLIENT = hx`
    80 00 00 00                       # SEC_LICENSE_PKT
    ff 03 10 00                       # ERROR_ALERT, PREAMBLE_VERSION_3_0, wMsgSize 16
    07 00 00 00                       # STATUS_VALID_CLIENT
    02 00 00 00                       # ST_NO_TRANSITION
    04 00 00 00                       # bbErrorInfo: BB_ERROR_BLOB, empty
  `;

  it('encodes and decodes the valid-client message', () => {
    expect(encodeLicenseErrorPdu(STATUS_VALID_CLIENT, ST_NO_TRANSITION)).toEqual(VALID_CLIENT);
    expect(decodeLicensePdu(VALID_CLIENT)).toEqual({
      type: 'error-alert',
      errorCode: STATUS_VALID_CLIENT,
      stateTransition: ST_NO_TRANSITION,
    });
  });

  it('tells other licensing messages and errors apart', () => {
    const abort = encodeLicenseErrorPdu(ERR_NO_LICENSE, ST_TOTAL_ABORT);
    expect(decodeLicensePdu(abort)).toEqual({ type: 'error-alert', errorCode: 2, stateTransition: 1 });
    expect(licenseErrorText(ERR_NO_LICENSE)).toBe('no license');
    expect(licenseErrorText(0x42)).toBe('licensing error 66');
    const request = hx`80 00 00 00  01 03 08 00  00 00 00 00`; // LICENSE_REQUEST (body cut short)
    expect(decodeLicensePdu(request)).toEqual({ type: 'other', msgType: LICENSE_REQUEST });
  });

  it('rejects a PDU without the license flag or with a bad size', () => {
    expect(() => decodeLicensePdu(hx`40 00 00 00 ff 03 10 00`)).toThrow(/SEC_LICENSE_PKT not set/);
    expect(() => decodeLicensePdu(hx`80 00 00 00 ff 03 40 00 07 00 00 00`)).toThrow(/wMsgSize 64/);
  });
});
