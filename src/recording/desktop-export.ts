// Desktop recording export: the events of a Windows desktop session in, video frames out, as
// upstream's `tsh recordings export` (tool/tsh/common/recording_export.go):
//   1. a first pass over the events counts them, refuses any session that is not a desktop one
//      ("only desktop recordings can be exported"), and takes the largest screen size of the
//      recording (legacy ClientScreenSpec; here also TDPB ClientScreenSpec / ClientHello.screen_spec
//      and the activation size of ConnectionActivated / TDPB ServerHello, which a TDPB recording
//      carries instead: its WDS records what it sends);
//   2. a second pass draws each DesktopRecording message (legacy `Message`, or TDPB `TDPBMessage`
//      with its length prefix) into a screen: fast-path PDUs (RemoteFX, planar, bitmaps) and PNG
//      frames; a screen spec clears it;
//   3. frames at a fixed 30 per second: the first drawing event only marks the time; after that,
//      once there is screen data, each event emits floor((delay - last) / (1000/30)) copies of the
//      current screen and moves `last` to its delay when it emitted any. The pass ends at
//      WindowsDesktopSessionEnd (or the end of the stream).
// The screen (a graphics decoder) and the frame sink (AVI, PNG files) are given by the caller, so
// this layer needs neither the RDP decoders nor the file system.
import type { OneOf } from '../gen/teleport/legacy/types/events/events.js';
import { decodeMessage } from '../wire/tdp/parser.js';
import { decodeTdpb } from '../wire/tdp/tdpb.js';
import { badParameter } from '../util/errors.js';
import { RecordingError } from './header.js';

/** Upstream's frame rate (framesPerSecond). */
export const FRAMES_PER_SECOND = 30;
export const FRAME_DELAY_MS = 1000 / FRAMES_PER_SECOND;

export const NOT_DESKTOP = 'only desktop recordings can be exported';

/** What a recorded TDP or TDPB message means for the picture. */
export type ScreenOp =
  | { op: 'size'; width: number; height: number; activation: boolean }
  | { op: 'fastpath'; pdu: Buffer }
  | { op: 'png'; left: number; top: number; png: Buffer }
  | { op: 'other' };

/** The screen operation of one DesktopRecording event (RecordingError on bytes that are not TDP/TDPB). */
export function screenOp(message: Buffer, tdpbMessage: Buffer): ScreenOp {
  try {
    if (message.length > 0) {
      const m = decodeMessage(message);
      switch (m.kind) {
        case 'clientScreenSpec':
          return { op: 'size', width: m.width, height: m.height, activation: false };
        case 'connectionActivated':
          return { op: 'size', width: m.screenWidth, height: m.screenHeight, activation: true };
        case 'rdpFastPathPdu':
          return { op: 'fastpath', pdu: m.data };
        case 'pngFrame':
        case 'png2Frame':
          return { op: 'png', left: m.left, top: m.top, png: m.png };
        default:
          return { op: 'other' };
      }
    }
    if (tdpbMessage.length > 0) {
      const m = decodeTdpb(tdpbMessage);
      switch (m.$case) {
        case 'clientScreenSpec':
          return { op: 'size', width: m.value.width, height: m.value.height, activation: false };
        case 'clientHello': {
          const spec = m.value.screenSpec;
          return spec
            ? { op: 'size', width: spec.width, height: spec.height, activation: false }
            : { op: 'other' };
        }
        case 'serverHello': {
          const a = m.value.activationSpec;
          return a
            ? { op: 'size', width: a.screenWidth, height: a.screenHeight, activation: true }
            : { op: 'other' };
        }
        case 'fastPathPdu':
          return { op: 'fastpath', pdu: m.value.pdu };
        case 'pngFrame':
          return {
            op: 'png',
            left: m.value.coordinates?.left ?? 0,
            top: m.value.coordinates?.top ?? 0,
            png: m.value.data,
          };
        default:
          return { op: 'other' };
      }
    }
  } catch (err) {
    throw new RecordingError(`recording includes invalid data: ${(err as Error).message}`, { cause: err });
  }
  return { op: 'other' };
}

export interface DesktopRecordingInfo {
  /** Events in the recording (the progress total). */
  totalEvents: number;
  width: number;
  height: number;
  /** A fast-path PDU was seen (RemoteFX/planar), else only PNG frames (old recordings). */
  fastPath: boolean;
}

// Session starts of other kinds (OneOf cases of our events.proto subset).
const NOT_DESKTOP_STARTS = new Set(['SessionStart', 'DatabaseSessionStart']);
// OneOf field numbers of AppSessionStart (37); MCPSessionStart is not in our subset.
const NOT_DESKTOP_FIELDS = new Set([37]);

/** Throws upstream's BadParameter when the event starts a session that is not a desktop one. */
export function checkDesktopEvent(ev: OneOf, unknownField?: number): void {
  if ((ev.Event && NOT_DESKTOP_STARTS.has(ev.Event.$case)) || NOT_DESKTOP_FIELDS.has(unknownField ?? -1)) {
    throw badParameter(NOT_DESKTOP);
  }
}

/** The first pass: event count, the largest screen, whether it is a fast-path recording. */
export async function scanDesktopRecording(events: AsyncIterable<OneOf>): Promise<DesktopRecordingInfo> {
  const info: DesktopRecordingInfo = { totalEvents: 0, width: 0, height: 0, fastPath: false };
  for await (const ev of events) {
    checkDesktopEvent(ev);
    info.totalEvents++;
    if (ev.Event?.$case !== 'DesktopRecording') continue;
    const op = screenOp(ev.Event.value.Message, ev.Event.value.TDPBMessage);
    if (op.op === 'size') {
      info.width = Math.max(info.width, op.width);
      info.height = Math.max(info.height, op.height);
    } else if (op.op === 'fastpath') info.fastPath = true;
  }
  return info;
}

/** The picture being rebuilt (the command gives a DesktopGraphics-backed one). */
export interface DesktopScreen {
  /** A screen spec: clear to black. `activation`: a (re)activation, codec state starts over. */
  reset(activation: boolean): void;
  fastPath(pdu: Buffer): void;
  png(left: number, top: number, png: Buffer): void;
  /** The current picture, RGBA, info.width x info.height. */
  rgba(): Uint8Array;
}

/** Where frames go: `count` identical frames of the picture. */
export interface FrameSink {
  emit(rgba: Uint8Array, count: number): Promise<void>;
}

export interface ExportProgress {
  /** One more event processed. */
  tick(): void;
}

/** The second pass: draws the events and emits frames at FRAMES_PER_SECOND; returns the frame count. */
export async function renderDesktopRecording(
  events: AsyncIterable<OneOf>,
  screen: DesktopScreen,
  sink: FrameSink,
  progress?: ExportProgress,
): Promise<number> {
  let frames = 0;
  let gotScreenData = false;
  let lastEmitted = -1;
  for await (const ev of events) {
    progress?.tick();
    const c = ev.Event?.$case;
    if (c === 'WindowsDesktopSessionEnd') break;
    checkDesktopEvent(ev);
    if (c !== 'DesktopRecording') continue;
    const rec = ev.Event!.value as { Message: Buffer; TDPBMessage: Buffer; DelayMilliseconds: bigint };
    const op = screenOp(rec.Message, rec.TDPBMessage);
    switch (op.op) {
      case 'size':
        screen.reset(op.activation);
        break;
      case 'fastpath':
        gotScreenData = true;
        screen.fastPath(op.pdu);
        break;
      case 'png':
        gotScreenData = true;
        screen.png(op.left, op.top, op.png);
        break;
    }
    const delay = Number(rec.DelayMilliseconds);
    if (lastEmitted === -1) {
      lastEmitted = delay;
      continue;
    }
    if (!gotScreenData) continue;
    const n = Math.floor((delay - lastEmitted) / FRAME_DELAY_MS);
    if (n > 0) {
      await sink.emit(screen.rgba(), n);
      frames += n;
      lastEmitted = delay;
    }
  }
  return frames;
}
