// Session recording for the dev cluster's in-process nodes: every session is written as an
// upstream proto-stream V1 recording (`<dir>/<session id>.tar`) with session.start, print
// (output chunks with their delay and offset), resize and session.end events, so `tshjs play`
// and upstream `tsh play` can replay it.
//
// Off the hot path: an event is encoded when it happens (its time, index and offset are fixed then)
// and queued; one loop feeds the queue to the gzip writer. print() says when the queue is over its
// high-water mark (false, then 'drain'), so the session can hold its output back instead of the
// queue growing without bound. A failure (disk, file) ends the recording, never the process: it is
// reported once through onError and later events are dropped.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Metadata, OneOf } from '../gen/teleport/legacy/types/events/events.js';
import { MAX_RECORD_SIZE } from '../recording/header.js';
import { RecordingWriter } from '../recording/writer.js';
import { trimSessionEnd, trimSessionStart } from './trim.js';

export interface SessionInfo {
  clusterName: string;
  user: string;
  login: string;
  serverId: string;
  serverHostname: string;
  serverAddr: string;
  remoteAddr: string;
  /** "W:H" */
  terminalSize: string;
  command: string[];
  interactive: boolean;
}

/**
 * Largest Data of one print event: a record must stay under the proto-stream's 64 KiB message
 * limit (MAX_RECORD_SIZE) with its metadata, so one large read of session output becomes several
 * print events.
 */
const PRINT_CHUNK = 32 * 1024;
/** Queued, not yet compressed bytes above which print() asks the session to wait. */
const HIGH_WATER = 8 * 1024 * 1024;
/** upstream lib/events/gzip.go: recordings are compressed with gzip.BestSpeed. */
const GZIP_LEVEL = 1;
/** lib/events/codes.go */
const CODES = { 'session.start': 'T2000I', resize: 'T2002I', 'session.end': 'T2004I', print: '' } as const;
/** events.OneOf field tags (field number << 3 | 2) of the events recorded here. */
const ONEOF_SESSION_PRINT = 58;

/** Appends a protobuf varint (non-negative, below 2^53). */
function varint(out: number[], v: number): void {
  while (v > 0x7f) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/**
 * events.OneOf{SessionPrint} encoded by hand (the generated encoder grows and copies its buffer
 * several times per event): the same bytes, field by field, with Data copied once.
 */
export function encodePrintEvent(
  meta: Uint8Array,
  chunk: number,
  data: Uint8Array,
  delay: number,
  offset: number,
): Buffer {
  const field = (out: number[], tag: number, v: number) => {
    if (!v) return; // proto3 leaves zero values out
    out.push(tag);
    varint(out, v);
  };
  const head: number[] = [0x0a];
  varint(head, meta.length);
  const mid: number[] = [];
  field(mid, 0x10, chunk);
  field(mid, 0x1a, data.length); // Data's tag and length; its bytes follow
  const tail: number[] = [];
  field(tail, 0x20, data.length);
  field(tail, 0x28, delay);
  field(tail, 0x30, offset);
  const bodyLen = head.length + meta.length + mid.length + data.length + tail.length;
  const outer: number[] = [ONEOF_SESSION_PRINT];
  varint(outer, bodyLen);
  const buf = Buffer.allocUnsafe(outer.length + bodyLen);
  let p = 0;
  for (const part of [outer, head]) for (const b of part) buf[p++] = b;
  buf.set(meta, p);
  p += meta.length;
  for (const b of mid) buf[p++] = b;
  buf.set(data, p);
  p += data.length;
  for (const b of tail) buf[p++] = b;
  return buf;
}

export interface RecorderOptions {
  /** Called once with the failure that ended the recording. */
  onError?: (err: Error) => void;
}

export class SessionRecorder extends EventEmitter {
  readonly sessionId = randomUUID();
  readonly file: string;
  private out?: fs.WriteStream;
  private writer?: RecordingWriter;
  private readonly start = new Date();
  private index = 0;
  private chunk = 0;
  private offset = 0;
  /** Encoded events (events.OneOf) not yet handed to the writer, and their bytes. */
  private queue: Buffer[] = [];
  private queued = 0;
  private waiting = false;
  /** Whether the loop feeding the writer runs, and who waits for it to finish. */
  private pumping = false;
  private idle: Array<() => void> = [];
  private ended = false;
  private failed?: Error;

  constructor(
    dir: string,
    private readonly info: SessionInfo,
    private readonly opts: RecorderOptions = {},
  ) {
    super();
    this.file = path.join(dir, `${this.sessionId}.tar`);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.out = fs.createWriteStream(this.file, { mode: 0o600 });
      this.out.on('error', (err) => this.fail(err));
      this.writer = new RecordingWriter(this.out, { level: GZIP_LEVEL });
    } catch (err) {
      queueMicrotask(() => this.fail(err as Error));
    }
    const start = trimSessionStart(this.sessionStart(), this.maxEventSize());
    this.emitEvent({ $case: 'SessionStart', value: start });
  }

  /** Whether the recording failed (its events are dropped from then on). */
  get error(): Error | undefined {
    return this.failed;
  }

  /**
   * Largest event message upstream's trimming is asked for: a record holds the events.OneOf around
   * it (a tag and a length of up to 3 bytes), and upstream's slice writer refuses a OneOf over 64 KiB.
   */
  private maxEventSize(): number {
    return MAX_RECORD_SIZE - 4;
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    this.queue = [];
    this.queued = 0;
    this.opts.onError?.(err);
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    if (this.waiting && this.queued <= HIGH_WATER / 2) {
      this.waiting = false;
      this.emit('drain');
    }
  }

  private metadata(type: keyof typeof CODES, time: Date): Metadata {
    return {
      Index: BigInt(this.index++),
      Type: type,
      ID: type === 'print' ? '' : randomUUID(),
      Code: CODES[type],
      Time: time,
      ClusterName: this.info.clusterName,
    };
  }

  private common() {
    const i = this.info;
    return {
      User: {
        User: i.user,
        Login: i.login,
        Impersonator: '',
        AWSRoleARN: '',
        AccessRequests: [],
        AzureIdentity: '',
        GCPServiceAccount: '',
        RequiredPrivateKeyPolicy: '',
        UserKind: 1,
        BotName: '',
        BotInstanceID: '',
        UserOrigin: 0,
        UserRoles: [],
        UserClusterName: i.clusterName,
        BeamID: '',
        BotScopeOfOrigin: '',
      },
      Session: { SessionID: this.sessionId, WithMFA: '', PrivateKeyPolicy: '' },
      Server: {
        ServerNamespace: 'default',
        ServerID: i.serverId,
        ServerHostname: i.serverHostname,
        ServerAddr: i.serverAddr,
        ServerLabels: {},
        ForwardedBy: '',
        ServerSubKind: '',
        ServerVersion: '',
      },
      Connection: { LocalAddr: i.serverAddr, RemoteAddr: i.remoteAddr, Protocol: 'ssh' },
    };
  }

  private sessionStart() {
    return {
      Metadata: this.metadata('session.start', this.start),
      ...this.common(),
      TerminalSize: this.info.terminalSize,
      KubernetesCluster: undefined,
      KubernetesPod: undefined,
      InitialCommand: this.info.command,
      SessionRecording: 'node',
      Invited: [],
      Reason: '',
    };
  }

  private emitEvent(event: NonNullable<OneOf['Event']>): void {
    this.enqueue(Buffer.from(OneOf.encode({ Event: event }).finish()));
  }

  private enqueue(record: Buffer): void {
    if (this.failed || !this.writer) return;
    this.queue.push(record);
    this.queued += record.length;
    if (!this.pumping) {
      this.pumping = true;
      void this.pump();
    }
  }

  /** Hands queued events to the writer one after another, until the queue is empty. */
  private async pump(): Promise<void> {
    const writer = this.writer!;
    try {
      while (this.queue.length && !this.failed) {
        const record = this.queue.shift()!;
        this.queued -= record.length;
        this.releaseWaiters();
        await writer.writeRecord(record);
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.pumping = false;
      for (const done of this.idle.splice(0)) done();
    }
  }

  /**
   * Output from the session, as the user saw it, in print events of at most PRINT_CHUNK bytes.
   * False: the queue is over its high-water mark; hold further output until 'drain'.
   */
  print(data: Buffer): boolean {
    if (this.failed || this.ended) return true;
    const now = new Date();
    const delay = now.getTime() - this.start.getTime();
    for (let off = 0; off < data.length; off += PRINT_CHUNK) {
      const part = data.subarray(off, Math.min(off + PRINT_CHUNK, data.length));
      const meta = Metadata.encode(this.metadata('print', now)).finish();
      this.enqueue(encodePrintEvent(meta, this.chunk++, part, delay, this.offset));
      this.offset += part.length;
    }
    if (this.queued <= HIGH_WATER) return true;
    this.waiting = true;
    return false;
  }

  resize(cols: number, rows: number): void {
    if (this.ended) return;
    this.emitEvent({
      $case: 'Resize',
      value: {
        Metadata: this.metadata('resize', new Date()),
        ...this.common(),
        TerminalSize: `${cols}:${rows}`,
        KubernetesCluster: undefined,
        KubernetesPod: undefined,
      },
    });
  }

  /** Writes session.end and closes the file; resolves when it is on disk (or the recording failed). */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const endTime = new Date();
    const end = trimSessionEnd(
      {
        Metadata: this.metadata('session.end', endTime),
        ...this.common(),
        EnhancedRecording: false,
        Interactive: this.info.interactive,
        Participants: [this.info.user],
        StartTime: this.start,
        EndTime: endTime,
        KubernetesCluster: undefined,
        KubernetesPod: undefined,
        InitialCommand: this.info.command,
        SessionRecording: 'node',
      },
      this.maxEventSize(),
    );
    this.emitEvent({ $case: 'SessionEnd', value: end });
    if (this.pumping) await new Promise<void>((resolve) => this.idle.push(resolve));
    const out = this.out;
    if (!out) return;
    try {
      if (!this.failed) await this.writer!.close();
    } catch (err) {
      this.fail(err as Error);
    }
    await new Promise<void>((resolve) => {
      if (out.destroyed) return resolve();
      out.end(() => resolve());
      out.once('error', () => resolve());
    });
  }
}
