// A desktop recording as upstream writes one, built without our code: events encoded by protobufjs
// straight from proto/teleport/legacy/types/events/events.proto (TDPB envelopes from tdpb.proto),
// legacy TDP messages laid out byte by byte from the TDP spec, and the proto-stream V1 layout of
// lib/events/stream.go (24-byte big-endian part header, one gzip member, zero padding on all parts
// but the last; records of uint32 BE length + OneOf) done with node:zlib.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import protobuf from 'protobufjs';

const root = new protobuf.Root();
const PROTO = fileURLToPath(new URL('../../../proto', import.meta.url));
root.loadSync(path.join(PROTO, 'teleport/legacy/types/events/events.proto'), { keepCase: true });
root.loadSync(path.join(PROTO, 'teleport/desktop/v1/tdpb.proto'), { keepCase: true });
const OneOfType = root.lookupType('events.OneOf');
const Envelope = root.lookupType('teleport.desktop.v1.Envelope');

const u32 = (...v: number[]) => {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeUInt32BE(x, 4 * i));
  return b;
};

/** Legacy TDP messages (type byte + big-endian fields), as docs/desktop-tdp.md §2 lays them out. */
export const tdp = {
  screenSpec: (w: number, h: number) => Buffer.concat([Buffer.from([1]), u32(w, h)]),
  mouseMove: (x: number, y: number) => Buffer.concat([Buffer.from([3]), u32(x, y)]),
  png2: (left: number, top: number, right: number, bottom: number, png: Buffer) =>
    Buffer.concat([Buffer.from([27]), u32(png.length, left, top, right, bottom), png]),
  fastPath: (pdu: Buffer) => Buffer.concat([Buffer.from([29]), u32(pdu.length), pdu]),
};

/** A TDPB frame: uint32 BE length + Envelope. */
export function tdpbFrame(payload: Record<string, unknown>): Buffer {
  const body = Buffer.from(Envelope.encode(Envelope.fromObject(payload)).finish());
  return Buffer.concat([u32(body.length), body]);
}

const ts = (d: Date) => ({ seconds: Math.floor(d.getTime() / 1000), nanos: (d.getTime() % 1000) * 1e6 });

export interface DesktopEvents {
  sid: string;
  /** Legacy TDP (`Message`) or TDPB (`TDPBMessage`) bytes with their delays. */
  messages: { delay: number; legacy?: Buffer; tdpb?: Buffer }[];
  start?: Date;
  /** Leave the session end out (a recording cut short). */
  noEnd?: boolean;
  /** Another kind of session start first (not a desktop recording). */
  sshStart?: boolean;
}

/** The OneOf messages of a desktop session, encoded. */
export function desktopEvents(d: DesktopEvents): Buffer[] {
  const start = d.start ?? new Date('2024-05-06T07:08:09.010Z');
  let index = 0;
  const meta = (type: string, code: string, t: Date) => ({
    Index: index++,
    Type: type,
    Code: code,
    Time: ts(t),
    ClusterName: 'upstream.example.com',
  });
  const common = {
    User: { User: 'alice' },
    Session: { SessionID: d.sid },
    Connection: { RemoteAddr: '192.0.2.7:51000', Protocol: 'tdp' },
  };
  const events: Record<string, unknown>[] = [];
  if (d.sshStart) {
    events.push({ SessionStart: { Metadata: meta('session.start', 'T2000I', start), ...common } });
  }
  events.push({
    WindowsDesktopSessionStart: {
      Metadata: meta('windows.desktop.session.start', 'TDP00I', start),
      ...common,
      Status: { Success: true },
      DesktopAddr: '192.0.2.10:3389',
      WindowsUser: 'Administrator',
      DesktopName: 'win-1',
    },
  });
  for (const m of d.messages) {
    events.push({
      DesktopRecording: {
        Metadata: meta('desktop.recording', '', new Date(start.getTime() + m.delay)),
        Message: m.legacy ?? Buffer.alloc(0),
        DelayMilliseconds: m.delay,
        TDPBMessage: m.tdpb ?? Buffer.alloc(0),
      },
    });
  }
  const last = d.messages.at(-1)?.delay ?? 0;
  if (!d.noEnd) {
    events.push({
      WindowsDesktopSessionEnd: {
        Metadata: meta('windows.desktop.session.end', 'TDP01I', new Date(start.getTime() + last)),
        ...common,
        DesktopAddr: '192.0.2.10:3389',
        WindowsUser: 'Administrator',
        StartTime: ts(start),
        EndTime: ts(new Date(start.getTime() + last)),
        DesktopName: 'win-1',
        Recorded: true,
        Participants: ['alice'],
      },
    });
  }
  return events.map((e) => Buffer.from(OneOfType.encode(OneOfType.fromObject({ ...e })).finish()));
}

/** Proto-stream V1: the records split into parts of about partBytes (uncompressed), padded but the last. */
export function protoStreamV1(records: Buffer[], partBytes = 64 * 1024, padding = 512): Buffer {
  const parts: Buffer[][] = [[]];
  let size = 0;
  for (const r of records) {
    if (size > partBytes) {
      parts.push([]);
      size = 0;
    }
    parts.at(-1)!.push(u32(r.length), r);
    size += 4 + r.length;
  }
  return Buffer.concat(
    parts.flatMap((p, i) => {
      const gz = zlib.gzipSync(Buffer.concat(p));
      const pad = i < parts.length - 1 ? padding : 0;
      const h = Buffer.alloc(24);
      h.writeBigUInt64BE(1n, 0);
      h.writeBigUInt64BE(BigInt(gz.length), 8);
      h.writeBigUInt64BE(BigInt(pad), 16);
      return [h, gz, Buffer.alloc(pad)];
    }),
  );
}
