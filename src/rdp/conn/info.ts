// The Client Info PDU (MS-RDPBCGR 2.2.1.11): TS_INFO_PACKET with TS_EXTENDED_INFO_PACKET, behind
// the basic security header that even TLS connections use for it (2.2.8.1.1.2.1).
import { Reader, Writer } from './bytes.js';
import { malformed } from './errors.js';

// Basic security header flags (MS-RDPBCGR 2.2.8.1.1.2.1).
export const SEC_EXCHANGE_PKT = 0x0001;
export const SEC_TRANSPORT_REQ = 0x0002;
export const SEC_ENCRYPT = 0x0008;
export const SEC_INFO_PKT = 0x0040;
export const SEC_LICENSE_PKT = 0x0080;
export const SEC_REDIRECTION_PKT = 0x0400;
export const SEC_AUTODETECT_REQ = 0x1000;
export const SEC_HEARTBEAT = 0x2000;

export function encodeSecurityHeader(flags: number): Buffer {
  return new Writer().u16(flags).u16(0).toBuffer();
}

// TS_INFO_PACKET flags.
export const INFO_MOUSE = 0x00000001;
export const INFO_DISABLECTRLALTDEL = 0x00000002;
export const INFO_AUTOLOGON = 0x00000008;
export const INFO_UNICODE = 0x00000010;
export const INFO_MAXIMIZESHELL = 0x00000020;
export const INFO_LOGONNOTIFY = 0x00000040;
export const INFO_ENABLEWINDOWSKEY = 0x00000100;
export const INFO_LOGONERRORS = 0x00010000;
export const INFO_MOUSE_HAS_WHEEL = 0x00020000;
export const INFO_NOAUDIOPLAYBACK = 0x00080000;

// performanceFlags (TS_EXTENDED_INFO_PACKET).
export const PERF_DISABLE_WALLPAPER = 0x01;
export const PERF_DISABLE_FULLWINDOWDRAG = 0x02;
export const PERF_DISABLE_MENUANIMATIONS = 0x04;
export const PERF_DISABLE_THEMING = 0x08;
export const PERF_DISABLE_CURSOR_SHADOW = 0x20;
export const PERF_DISABLE_CURSORSETTINGS = 0x40;
export const PERF_ENABLE_FONT_SMOOTHING = 0x80;

const AF_INET = 0x0002;
const TIME_ZONE_INFORMATION_SIZE = 172;

export const DEFAULT_INFO_FLAGS =
  INFO_MOUSE |
  INFO_DISABLECTRLALTDEL |
  INFO_UNICODE |
  INFO_MAXIMIZESHELL |
  INFO_LOGONNOTIFY |
  INFO_ENABLEWINDOWSKEY |
  INFO_LOGONERRORS |
  INFO_MOUSE_HAS_WHEEL |
  INFO_NOAUDIOPLAYBACK;

export const DEFAULT_PERFORMANCE_FLAGS =
  PERF_DISABLE_WALLPAPER |
  PERF_DISABLE_FULLWINDOWDRAG |
  PERF_DISABLE_MENUANIMATIONS |
  PERF_DISABLE_THEMING |
  PERF_DISABLE_CURSOR_SHADOW |
  PERF_DISABLE_CURSORSETTINGS;

export interface ClientInfo {
  username: string;
  domain: string;
  /** Empty: the password is never sent (the server authenticates some other way, or not at all). */
  password: string;
  alternateShell: string;
  workingDir: string;
  flags: number;
  codePage: number;
  clientAddress: string;
  clientDir: string;
  performanceFlags: number;
}

export const defaultClientInfo = (username: string, domain = ''): ClientInfo => ({
  username,
  domain,
  password: '',
  alternateShell: '',
  workingDir: '',
  flags: DEFAULT_INFO_FLAGS,
  codePage: 0,
  clientAddress: '127.0.0.1',
  clientDir: 'C:\\Windows\\System32\\mstscax.dll',
  performanceFlags: DEFAULT_PERFORMANCE_FLAGS,
});

const utf16 = (s: string) => Buffer.from(s, 'utf16le');

/** The security header and TS_INFO_PACKET, ready to send on the I/O channel. */
export function encodeClientInfoPdu(info: ClientInfo): Buffer {
  const fields = [info.domain, info.username, info.password, info.alternateShell, info.workingDir].map(utf16);
  const w = new Writer()
    .bytes(encodeSecurityHeader(SEC_INFO_PKT))
    .u32(info.codePage)
    .u32(info.flags | INFO_UNICODE);
  // cb* fields exclude the mandatory two-byte terminator that follows each string.
  for (const f of fields) w.u16(f.length);
  for (const f of fields) w.bytes(f).u16(0);
  const address = utf16(info.clientAddress + '\0');
  const dir = utf16(info.clientDir + '\0');
  w.u16(AF_INET)
    .u16(address.length)
    .bytes(address)
    .u16(dir.length)
    .bytes(dir)
    .zeros(TIME_ZONE_INFORMATION_SIZE) // UTC, no daylight saving
    .u32(0) // clientSessionId
    .u32(info.performanceFlags)
    .u16(0); // cbAutoReconnectCookie
  return w.toBuffer();
}

/** Parses a Client Info PDU (after the MCS header): the server side, for tests and peers. */
export function decodeClientInfoPdu(buf: Buffer): ClientInfo {
  const what = 'Client Info PDU';
  const r = new Reader(buf, what);
  const secFlags = r.u16('security flags');
  if (!(secFlags & SEC_INFO_PKT)) throw malformed(what, 'SEC_INFO_PKT not set');
  r.u16('flagsHi');
  const codePage = r.u32('CodePage');
  const flags = r.u32('flags');
  if (!(flags & INFO_UNICODE)) throw malformed(what, 'ANSI strings are not supported');
  const sizes = [r.u16('cbDomain'), r.u16('cbUserName'), r.u16('cbPassword'), r.u16('cbAlternateShell')];
  sizes.push(r.u16('cbWorkingDir'));
  const names = ['Domain', 'UserName', 'Password', 'AlternateShell', 'WorkingDir'];
  const [domain, username, password, alternateShell, workingDir] = sizes.map((n, i) => {
    const s = r.bytes(n, names[i]).toString('utf16le');
    r.u16(`${names[i]} terminator`);
    return s;
  });
  const out: ClientInfo = {
    username,
    domain,
    password,
    alternateShell,
    workingDir,
    flags,
    codePage,
    clientAddress: '',
    clientDir: '',
    performanceFlags: 0,
  };
  if (r.left === 0) return out;
  r.u16('clientAddressFamily');
  out.clientAddress = r.utf16z(r.u16('cbClientAddress'), 'clientAddress');
  out.clientDir = r.utf16z(r.u16('cbClientDir'), 'clientDir');
  if (r.left < TIME_ZONE_INFORMATION_SIZE + 8) return out;
  r.skip(TIME_ZONE_INFORMATION_SIZE + 4, 'clientTimeZone and clientSessionId');
  out.performanceFlags = r.u32('performanceFlags');
  return out;
}

// ---------------- licensing (MS-RDPELE 2.2.2, MS-RDPBCGR 2.2.1.12) ----------------

// bMsgType values.
export const LICENSE_REQUEST = 0x01;
export const PLATFORM_CHALLENGE = 0x02;
export const NEW_LICENSE = 0x03;
export const UPGRADE_LICENSE = 0x04;
export const ERROR_ALERT = 0xff;
const PREAMBLE_VERSION_3_0 = 0x03;
const BB_ERROR_BLOB = 0x0004;

// dwErrorCode values (MS-RDPBCGR 2.2.1.12.1.3).
export const ERR_INVALID_SERVER_CERTIFICATE = 0x01;
export const ERR_NO_LICENSE = 0x02;
export const ERR_INVALID_SCOPE = 0x04;
export const ERR_NO_LICENSE_SERVER = 0x06;
export const STATUS_VALID_CLIENT = 0x07;
export const ERR_INVALID_CLIENT = 0x08;
export const ERR_INVALID_PRODUCTID = 0x0b;
export const ERR_INVALID_MESSAGE_LEN = 0x0c;
// dwStateTransition values.
export const ST_TOTAL_ABORT = 0x01;
export const ST_NO_TRANSITION = 0x02;
export const ST_RESET_PHASE_TO_START = 0x03;
export const ST_RESEND_LAST_MESSAGE = 0x04;

export type LicensePdu =
  { type: 'error-alert'; errorCode: number; stateTransition: number } | { type: 'other'; msgType: number };

/** A server license PDU: the security header (with SEC_LICENSE_PKT) and the licensing message. */
export function decodeLicensePdu(buf: Buffer): LicensePdu {
  const what = 'server license PDU';
  const r = new Reader(buf, what);
  const secFlags = r.u16('security flags');
  if (!(secFlags & SEC_LICENSE_PKT)) throw malformed(what, 'SEC_LICENSE_PKT not set');
  r.u16('flagsHi');
  const msgType = r.u8('bMsgType');
  r.u8('preamble flags');
  const size = r.u16('wMsgSize');
  if (size < 4 || size - 4 > r.left) throw malformed(what, `wMsgSize ${size} for ${r.left + 4} bytes`);
  if (msgType !== ERROR_ALERT) return { type: 'other', msgType };
  const errorCode = r.u32('dwErrorCode');
  const stateTransition = r.u32('dwStateTransition');
  return { type: 'error-alert', errorCode, stateTransition };
}

/** A license error PDU; `STATUS_VALID_CLIENT` with `ST_NO_TRANSITION` ends licensing. */
export function encodeLicenseErrorPdu(errorCode: number, stateTransition: number): Buffer {
  return new Writer()
    .bytes(encodeSecurityHeader(SEC_LICENSE_PKT))
    .u8(ERROR_ALERT)
    .u8(PREAMBLE_VERSION_3_0)
    .u16(16) // preamble (4) + dwErrorCode (4) + dwStateTransition (4) + empty blob (4)
    .u32(errorCode)
    .u32(stateTransition)
    .u16(BB_ERROR_BLOB)
    .u16(0)
    .toBuffer();
}

const NEW_LICENSE_REQUEST = 0x13;

/**
 * A Client New License Request (MS-RDPELE 2.2.2.2) for servers that ask for one but grant any
 * client (xrdp answers it with STATUS_VALID_CLIENT): RSA key exchange, a zero client random and
 * an empty encrypted premaster secret, the user and machine names.
 */
export function encodeNewLicenseRequest(user: string, machine: string): Buffer {
  const blob = (type: number, data: Buffer) => new Writer().u16(type).u16(data.length).bytes(data).toBuffer();
  const body = new Writer()
    .u32(0x00000001) // KEY_EXCHANGE_ALG_RSA
    .u32(0) // PlatformId
    .zeros(32) // ClientRandom
    .bytes(blob(0x0002, Buffer.alloc(0))) // BB_RANDOM_BLOB: EncryptedPreMasterSecret
    .bytes(blob(0x000f, Buffer.from(`${user}\0`, 'latin1'))) // BB_CLIENT_USER_NAME_BLOB
    .bytes(blob(0x0010, Buffer.from(`${machine}\0`, 'latin1'))) // BB_CLIENT_MACHINE_NAME_BLOB
    .toBuffer();
  return new Writer()
    .bytes(encodeSecurityHeader(SEC_LICENSE_PKT))
    .u8(NEW_LICENSE_REQUEST)
    .u8(PREAMBLE_VERSION_3_0)
    .u16(4 + body.length)
    .bytes(body)
    .toBuffer();
}

/** What a licensing message means for the connection, as one clause. */
export function licenseErrorText(code: number): string {
  const texts: Record<number, string> = {
    [ERR_INVALID_SERVER_CERTIFICATE]: 'invalid server certificate',
    [ERR_NO_LICENSE]: 'no license',
    [ERR_INVALID_SCOPE]: 'invalid scope',
    [ERR_NO_LICENSE_SERVER]: 'no license server',
    [STATUS_VALID_CLIENT]: 'valid client',
    [ERR_INVALID_CLIENT]: 'invalid client',
    [ERR_INVALID_PRODUCTID]: 'invalid product id',
    [ERR_INVALID_MESSAGE_LEN]: 'invalid message length',
  };
  return texts[code] ?? `licensing error ${code}`;
}
