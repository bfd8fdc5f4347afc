// Legacy TDP (Teleport Desktop Protocol, RFD 37) messages as typed objects, one per type byte.
// Wire layouts (all integers big-endian, string = uint32 byte length + UTF-8) are in
// docs/desktop-protocol.md; serializer.ts writes them and parser.ts reads them.

/** Type byte of every legacy TDP message. */
export const TdpType = {
  clientScreenSpec: 1,
  pngFrame: 2,
  mouseMove: 3,
  mouseButton: 4,
  keyboardButton: 5,
  clipboardData: 6,
  clientUsername: 7,
  mouseWheel: 8,
  error: 9,
  mfa: 10,
  sharedDirectoryAnnounce: 11,
  sharedDirectoryAcknowledge: 12,
  sharedDirectoryInfoRequest: 13,
  sharedDirectoryInfoResponse: 14,
  sharedDirectoryCreateRequest: 15,
  sharedDirectoryCreateResponse: 16,
  sharedDirectoryDeleteRequest: 17,
  sharedDirectoryDeleteResponse: 18,
  sharedDirectoryReadRequest: 19,
  sharedDirectoryReadResponse: 20,
  sharedDirectoryWriteRequest: 21,
  sharedDirectoryWriteResponse: 22,
  sharedDirectoryMoveRequest: 23,
  sharedDirectoryMoveResponse: 24,
  sharedDirectoryListRequest: 25,
  sharedDirectoryListResponse: 26,
  png2Frame: 27,
  alert: 28,
  rdpFastPathPdu: 29,
  rdpResponsePdu: 30,
  connectionActivated: 31,
  syncKeys: 32,
  sharedDirectoryTruncateRequest: 33,
  sharedDirectoryTruncateResponse: 34,
  latencyStats: 35,
  ping: 36,
  clientKeyboardLayout: 37,
  tdpbUpgrade: 38,
} as const;

export type TdpKind = keyof typeof TdpType;

/** Kind of a type byte, or undefined for a byte this codec does not know. */
export function tdpKindOf(typeByte: number): TdpKind | undefined {
  return KIND_BY_TYPE[typeByte];
}
const KIND_BY_TYPE: Partial<Record<number, TdpKind>> = Object.fromEntries(
  Object.entries(TdpType).map(([kind, type]) => [type, kind as TdpKind]),
);

/** Decode limits, as upstream's legacy Go decoder enforces them (bytes). */
export const TdpLimits = {
  clipboard: 1024 * 1024,
  fileData: 1024 * 1024,
  path: 10240,
  alertText: 10240,
  /** ClientUsername and SharedDirectoryAnnounce name (windowsMaxUsernameLength). */
  username: 256,
  png: 10 * 1024 * 1024,
  mfaJson: 1024 * 1024,
  /** Upstream sets none for RDP PDUs; an RDP fast-path PDU is at most 32 KiB, TPKT 64 KiB. */
  rdpPdu: 16 * 1024 * 1024,
  /** Upstream sets none for list responses; a cap keeps a hostile count from looping. */
  fsoCount: 1 << 20,
} as const;

export const MouseButtonNumber = { left: 0, middle: 1, right: 2 } as const;
export const WheelAxis = { vertical: 0, horizontal: 1 } as const;
export const Severity = { info: 0, warning: 1, error: 2 } as const;
export const FileType = { file: 0, directory: 1 } as const;
export const SharedDirectoryErrCode = { nil: 0, failed: 1, doesNotExist: 2, alreadyExists: 3 } as const;
/** MFA message type bytes: 'n' WebAuthn/MFA JSON; 'u' legacy U2F (refused by current servers). */
export const MfaType = { webauthn: 0x6e, u2f: 0x75 } as const;

/** Shared-directory file or directory. `isEmpty` is wire byte 1 (see the polarity note in the doc). */
export interface FileSystemObject {
  lastModified: bigint;
  size: bigint;
  fileType: number;
  isEmpty: boolean;
  path: string;
}

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export type ClientScreenSpec = { kind: 'clientScreenSpec'; width: number; height: number };
/** Legacy PNG frame: no length field, the PNG runs to its IEND chunk. */
export type PngFrame = { kind: 'pngFrame'; png: Buffer } & Rect;
export type MouseMove = { kind: 'mouseMove'; x: number; y: number };
export type MouseButton = { kind: 'mouseButton'; button: number; pressed: boolean };
/** keyCode: PC/AT set-1 scancode, 0xE0xx for extended keys. */
export type KeyboardButton = { kind: 'keyboardButton'; keyCode: number; pressed: boolean };
export type ClipboardData = { kind: 'clipboardData'; data: Buffer };
export type ClientUsername = { kind: 'clientUsername'; username: string };
/** delta is int16: vertical positive = up, horizontal positive = left. */
export type MouseWheel = { kind: 'mouseWheel'; axis: number; delta: number };
/** Deprecated since Teleport 12 (Alert replaces it); still fatal when received. */
export type TdpErrorMessage = { kind: 'error'; message: string };
export type Mfa = { kind: 'mfa'; mfaType: number; json: string };
export type SharedDirectoryAnnounce = { kind: 'sharedDirectoryAnnounce'; directoryId: number; name: string };
export type SharedDirectoryAcknowledge = {
  kind: 'sharedDirectoryAcknowledge';
  errCode: number;
  directoryId: number;
};
export type SharedDirectoryInfoRequest = {
  kind: 'sharedDirectoryInfoRequest';
  completionId: number;
  directoryId: number;
  path: string;
};
export type SharedDirectoryInfoResponse = {
  kind: 'sharedDirectoryInfoResponse';
  completionId: number;
  errCode: number;
  fso: FileSystemObject;
};
export type SharedDirectoryCreateRequest = {
  kind: 'sharedDirectoryCreateRequest';
  completionId: number;
  directoryId: number;
  fileType: number;
  path: string;
};
export type SharedDirectoryCreateResponse = {
  kind: 'sharedDirectoryCreateResponse';
  completionId: number;
  errCode: number;
  fso: FileSystemObject;
};
export type SharedDirectoryDeleteRequest = {
  kind: 'sharedDirectoryDeleteRequest';
  completionId: number;
  directoryId: number;
  path: string;
};
export type SharedDirectoryDeleteResponse = {
  kind: 'sharedDirectoryDeleteResponse';
  completionId: number;
  errCode: number;
};
export type SharedDirectoryReadRequest = {
  kind: 'sharedDirectoryReadRequest';
  completionId: number;
  directoryId: number;
  path: string;
  offset: bigint;
  length: number;
};
export type SharedDirectoryReadResponse = {
  kind: 'sharedDirectoryReadResponse';
  completionId: number;
  errCode: number;
  data: Buffer;
};
/** On the wire the offset comes before the path. */
export type SharedDirectoryWriteRequest = {
  kind: 'sharedDirectoryWriteRequest';
  completionId: number;
  directoryId: number;
  offset: bigint;
  path: string;
  data: Buffer;
};
export type SharedDirectoryWriteResponse = {
  kind: 'sharedDirectoryWriteResponse';
  completionId: number;
  errCode: number;
  bytesWritten: number;
};
export type SharedDirectoryMoveRequest = {
  kind: 'sharedDirectoryMoveRequest';
  completionId: number;
  directoryId: number;
  originalPath: string;
  newPath: string;
};
export type SharedDirectoryMoveResponse = {
  kind: 'sharedDirectoryMoveResponse';
  completionId: number;
  errCode: number;
};
export type SharedDirectoryListRequest = {
  kind: 'sharedDirectoryListRequest';
  completionId: number;
  directoryId: number;
  path: string;
};
export type SharedDirectoryListResponse = {
  kind: 'sharedDirectoryListResponse';
  completionId: number;
  errCode: number;
  fsoList: FileSystemObject[];
};
export type Png2Frame = { kind: 'png2Frame'; png: Buffer } & Rect;
export type Alert = { kind: 'alert'; message: string; severity: number };
/** A raw RDP server fast-path update PDU. */
export type RdpFastPathPdu = { kind: 'rdpFastPathPdu'; data: Buffer };
/** A raw RDP PDU for the RDP server. */
export type RdpResponsePdu = { kind: 'rdpResponsePdu'; data: Buffer };
export type ConnectionActivated = {
  kind: 'connectionActivated';
  ioChannelId: number;
  userChannelId: number;
  screenWidth: number;
  screenHeight: number;
};
export type SyncKeys = {
  kind: 'syncKeys';
  scrollLock: boolean;
  numLock: boolean;
  capsLock: boolean;
  kanaLock: boolean;
};
export type SharedDirectoryTruncateRequest = {
  kind: 'sharedDirectoryTruncateRequest';
  completionId: number;
  directoryId: number;
  path: string;
  endOfFile: number;
};
export type SharedDirectoryTruncateResponse = {
  kind: 'sharedDirectoryTruncateResponse';
  completionId: number;
  errCode: number;
};
/** Milliseconds; the web proxy sends it to browsers only. */
export type LatencyStats = { kind: 'latencyStats'; clientLatency: number; serverLatency: number };
/** 16-byte UUID; the proxy pings the WDS, which echoes it. */
export type Ping = { kind: 'ping'; uuid: Buffer };
export type ClientKeyboardLayout = { kind: 'clientKeyboardLayout'; keyboardLayout: number };
/** Proxy → web client only: switch to TDPB. Empty body. */
export type TdpbUpgrade = { kind: 'tdpbUpgrade' };

export type TdpMessage =
  | ClientScreenSpec
  | PngFrame
  | MouseMove
  | MouseButton
  | KeyboardButton
  | ClipboardData
  | ClientUsername
  | MouseWheel
  | TdpErrorMessage
  | Mfa
  | SharedDirectoryAnnounce
  | SharedDirectoryAcknowledge
  | SharedDirectoryInfoRequest
  | SharedDirectoryInfoResponse
  | SharedDirectoryCreateRequest
  | SharedDirectoryCreateResponse
  | SharedDirectoryDeleteRequest
  | SharedDirectoryDeleteResponse
  | SharedDirectoryReadRequest
  | SharedDirectoryReadResponse
  | SharedDirectoryWriteRequest
  | SharedDirectoryWriteResponse
  | SharedDirectoryMoveRequest
  | SharedDirectoryMoveResponse
  | SharedDirectoryListRequest
  | SharedDirectoryListResponse
  | Png2Frame
  | Alert
  | RdpFastPathPdu
  | RdpResponsePdu
  | ConnectionActivated
  | SyncKeys
  | SharedDirectoryTruncateRequest
  | SharedDirectoryTruncateResponse
  | LatencyStats
  | Ping
  | ClientKeyboardLayout
  | TdpbUpgrade;

/** The message object of one kind. */
export type TdpMessageOf<K extends TdpKind> = Extract<TdpMessage, { kind: K }>;

/** Who sends each kind (C = client, S = server: the WDS, or the proxy on the web path). */
export const TdpDirection: Record<TdpKind, 'C>S' | 'S>C' | 'both'> = {
  clientScreenSpec: 'C>S',
  pngFrame: 'S>C',
  mouseMove: 'C>S',
  mouseButton: 'C>S',
  keyboardButton: 'C>S',
  clipboardData: 'both',
  clientUsername: 'C>S',
  mouseWheel: 'C>S',
  error: 'S>C',
  mfa: 'both',
  sharedDirectoryAnnounce: 'C>S',
  sharedDirectoryAcknowledge: 'S>C',
  sharedDirectoryInfoRequest: 'S>C',
  sharedDirectoryInfoResponse: 'C>S',
  sharedDirectoryCreateRequest: 'S>C',
  sharedDirectoryCreateResponse: 'C>S',
  sharedDirectoryDeleteRequest: 'S>C',
  sharedDirectoryDeleteResponse: 'C>S',
  sharedDirectoryReadRequest: 'S>C',
  sharedDirectoryReadResponse: 'C>S',
  sharedDirectoryWriteRequest: 'S>C',
  sharedDirectoryWriteResponse: 'C>S',
  sharedDirectoryMoveRequest: 'S>C',
  sharedDirectoryMoveResponse: 'C>S',
  sharedDirectoryListRequest: 'S>C',
  sharedDirectoryListResponse: 'C>S',
  png2Frame: 'S>C',
  alert: 'S>C',
  rdpFastPathPdu: 'S>C',
  rdpResponsePdu: 'C>S',
  connectionActivated: 'S>C',
  syncKeys: 'C>S',
  sharedDirectoryTruncateRequest: 'S>C',
  sharedDirectoryTruncateResponse: 'C>S',
  latencyStats: 'S>C',
  ping: 'both',
  clientKeyboardLayout: 'C>S',
  tdpbUpgrade: 'S>C',
};
