// Set Error Info codes (MS-RDPBCGR 2.2.5.1.1) as clear clauses. The server sends one just before
// it ends a session, so the client can say why instead of "connection closed".
import { hex } from './bytes.js';

const TEXTS: Record<number, string> = {
  0x0001: 'an administrative tool on the server disconnected the session',
  0x0002: 'an administrative tool on the server logged the session off',
  0x0003: 'the idle session time limit expired',
  0x0004: 'the active session time limit expired',
  0x0005: 'another user connected to the session',
  0x0006: 'the server ran out of memory',
  0x0007: 'the server denied the connection',
  0x0009: 'the user has insufficient privileges to connect',
  0x000a: 'the server requires credentials to be entered for each connection',
  0x000b: 'the session was disconnected from inside the session',
  0x000c: 'the user logged off',
  0x000f: 'the display driver in the session did not start in time',
  0x0010: 'the Desktop Window Manager on the server crashed',
  0x0011: 'the display driver in the session failed to start',
  0x0012: 'the display driver in the session failed to start',
  0x0017: 'winlogon on the server crashed',
  0x0018: 'csrss on the server crashed',
  0x0019: 'the server is shutting down',
  0x001a: 'the server is rebooting',
  0x0100: 'licensing failed on the server (internal error)',
  0x0101: 'no license server was available',
  0x0102: 'no client access license was available',
  0x0103: 'the server got an invalid licensing message',
  0x0104: 'the client license does not match this client',
  0x0105: 'the client license is invalid',
  0x0106: 'the licensing exchange could not finish',
  0x0107: 'the client ended the licensing exchange',
  0x0108: 'a licensing message was badly encrypted',
  0x0109: 'the client license could not be upgraded',
  0x010a: 'the server does not allow remote connections',
  0x0400: 'the connection broker could not find the target',
  0x0402: 'the connection broker target is still starting',
  0x0404: 'the connection broker redirection failed',
  0x0405: 'the target virtual machine is waking up',
  0x0406: 'the target virtual machine is booting',
  0x0407: 'the target virtual machine has no DNS name',
  0x0408: 'no virtual machine in the pool is free',
  0x0409: 'the connection was cancelled',
  0x0410: 'the connection broker settings are invalid',
  0x0411: 'the target virtual machine did not boot in time',
  0x0412: 'the session monitor of the target virtual machine failed',
  0x10c9: 'the server got an unknown share data PDU type',
  0x10ca: 'the server got an unknown PDU type',
  0x10cb: 'the server got a data PDU out of sequence',
  0x10cd: 'the server got a control PDU out of sequence',
  0x10ce: 'the server got an invalid control PDU action',
  0x10cf: 'the server got an invalid input event',
  0x10d0: 'the server got an invalid mouse event',
  0x10d1: 'the server got an invalid Refresh Rect PDU',
  0x10d2: 'the server could not create the session user data',
  0x10d3: 'the server could not set up the connection',
  0x10d4: 'the Confirm Active PDU had the wrong share id',
  0x10d5: 'the Confirm Active PDU had the wrong originator',
  0x10de: 'the server got an input PDU of a bad length',
  0x10e2: 'the server got a share data PDU that was too short',
  0x10e3: 'the server got an invalid Suppress Output PDU',
  0x10e5: 'the Confirm Active PDU was too short',
  0x10e7: 'a capability set was too small',
  0x10e8: 'a capability set was too large',
  0x10e9: 'the client advertised no pointer cache',
  0x10ea: 'the client capabilities were rejected',
  0x10ef: 'the client used an invalid channel',
  0x10f0: 'the client asked for too many channels',
  0x1129: 'the client monitor layout was invalid',
  0x112c: 'the server got an invalid Frame Acknowledge PDU',
  0x112d: 'the graphics mode is not supported by the server',
  0x112e: 'the server graphics subsystem failed to reset',
  0x112f: 'the server graphics subsystem failed',
  0x1196: 'the server lost its peer connection',
};

/** The reason behind a Set Error Info code, as one clause. */
export function errorInfoText(code: number): string {
  const text = TEXTS[code];
  if (text) return text;
  if (code >= 0x100 && code <= 0x1ff) return `licensing error ${hex(code, 4)}`;
  if (code >= 0x400 && code <= 0x4ff) return `connection broker error ${hex(code, 4)}`;
  if (code >= 0x1000 && code <= 0x1fff) return `the server rejected client data (RDP error ${hex(code, 4)})`;
  return `RDP error info ${hex(code, 4)}`;
}

/** Codes that mean the server refused this user rather than failed. */
export function errorInfoIsDenial(code: number): boolean {
  return code === 0x0007 || code === 0x0009 || code === 0x000a || code === 0x010a;
}

/** Codes that end a session as intended (logoff, admin disconnect, shutdown), not as a failure. */
export function errorInfoIsNormalEnd(code: number): boolean {
  return [0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x000b, 0x000c, 0x0019, 0x001a].includes(code);
}
