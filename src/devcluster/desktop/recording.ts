// Desktop session recordings, written like the in-process nodes' SSH recordings
// (`<recordings dir>/<session id>.tar`, proto-stream V1): windows.desktop.session.start, one
// desktop.recording event per recorded TDP/TDPB message (legacy: Message; TDPB: TDPBMessage,
// the whole frame with its length prefix) with DelayMilliseconds since the first recorded
// message, and windows.desktop.session.end. A failure ends the recording, never the session.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Metadata,
  OneOf,
  type WindowsDesktopSessionEnd,
  type WindowsDesktopSessionStart,
} from '../../gen/teleport/legacy/types/events/events.js';
import { MAX_RECORD_SIZE } from '../../recording/header.js';
import { RecordingWriter } from '../../recording/writer.js';
import type { Dialect } from './conn.js';
import {
  CODE_CLIPBOARD_RECEIVE,
  CODE_CLIPBOARD_SEND,
  EVENT_CLIPBOARD_RECEIVE,
  EVENT_CLIPBOARD_SEND,
  CODE_SESSION_END,
  CODE_SESSION_START,
  CODE_SESSION_START_FAILURE,
  EVENT_RECORDING,
  EVENT_SESSION_END,
  EVENT_SESSION_START,
} from './texts.js';

export interface DesktopSessionInfo {
  clusterName: string;
  user: string;
  roles: string[];
  /** Host id of the service (WindowsDesktopService field). */
  serviceId: string;
  desktopName: string;
  desktopAddr: string;
  domain: string;
  labels: Record<string, string>;
  remoteAddr: string;
  dialect: Dialect;
}

/** Queued, not yet written bytes above which record() asks the session to wait for 'drain'. */
const HIGH_WATER = 8 * 1024 * 1024;
export class DesktopRecorder extends EventEmitter {
  readonly sessionId = randomUUID();
  readonly file: string;
  private readonly started = new Date();
  private windowsUser = '';
  private firstRecorded?: number;
  private index = 0;
  private writer?: RecordingWriter;
  private out?: fs.WriteStream;
  private queue: Buffer[] = [];
  private queued = 0;
  private waiting = false;
  private pumping?: Promise<void>;
  private failed?: Error;
  private ended = false;

  constructor(
    dir: string,
    private readonly info: DesktopSessionInfo,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    super();
    this.file = path.join(dir, `${this.sessionId}.tar`);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.out = fs.createWriteStream(this.file, { mode: 0o600 });
      this.out.on('error', (err) => this.fail(err));
      this.writer = new RecordingWriter(this.out, { level: 1 });
    } catch (err) {
      queueMicrotask(() => this.fail(err as Error));
    }
  }

  get error(): Error | undefined {
    return this.failed;
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    this.queue = [];
    this.queued = 0;
    this.onError(err);
    this.release();
  }

  private release(): void {
    if (this.waiting && this.queued <= HIGH_WATER / 2) {
      this.waiting = false;
      this.emit('drain');
    }
  }

  private metadata(type: string, code: string, time: Date, id: string = randomUUID()): Metadata {
    return {
      Index: BigInt(this.index++),
      Type: type,
      ID: id,
      Code: code,
      Time: time,
      ClusterName: this.info.clusterName,
    };
  }

  private common() {
    const i = this.info;
    return {
      User: {
        User: i.user,
        Login: '',
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
        UserRoles: [...i.roles],
        UserClusterName: i.clusterName,
        BeamID: '',
        BotScopeOfOrigin: '',
      },
      Session: { SessionID: this.sessionId, WithMFA: '', PrivateKeyPolicy: '' },
      Connection: { LocalAddr: i.desktopAddr, RemoteAddr: i.remoteAddr, Protocol: 'tdp' },
    };
  }

  private enqueue(record: Buffer): boolean {
    if (this.failed || !this.writer) return true;
    if (record.length > MAX_RECORD_SIZE) return true; // upstream refuses to record it, too
    this.queue.push(record);
    this.queued += record.length;
    if (!this.pumping) this.pumping = this.pump();
    if (this.queued <= HIGH_WATER) return true;
    this.waiting = true;
    return false;
  }

  private async pump(): Promise<void> {
    await Promise.resolve(); // so `pumping` is set before the finally below clears it
    try {
      while (this.queue.length && !this.failed) {
        const r = this.queue.shift()!;
        this.queued -= r.length;
        this.release();
        await this.writer!.writeRecord(r);
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.pumping = undefined;
    }
  }

  /** windows.desktop.session.start; `error` makes it a failed start (TDP00W). */
  start(windowsUser: string, error?: string): void {
    this.windowsUser = windowsUser;
    const ev: WindowsDesktopSessionStart = {
      Metadata: this.metadata(
        EVENT_SESSION_START,
        error ? CODE_SESSION_START_FAILURE : CODE_SESSION_START,
        this.started,
      ),
      ...this.common(),
      Status: { Success: !error, Error: error ?? '', UserMessage: error ?? '' },
      WindowsDesktopService: this.info.serviceId,
      DesktopAddr: this.info.desktopAddr,
      Domain: this.info.domain,
      WindowsUser: windowsUser,
      DesktopLabels: { ...this.info.labels },
      DesktopName: this.info.desktopName,
      AllowUserCreation: false,
      NLA: false,
      CertMetadata: undefined,
    };
    this.enqueue(
      Buffer.from(OneOf.encode({ Event: { $case: 'WindowsDesktopSessionStart', value: ev } }).finish()),
    );
  }

  /** One desktop.recording event for an encoded message; false: wait for 'drain'. */
  message(encoded: Buffer): boolean {
    if (this.ended) return true;
    const now = Date.now();
    this.firstRecorded ??= now;
    const legacy = this.info.dialect === 'tdp';
    const ev = {
      Metadata: this.metadata(EVENT_RECORDING, '', new Date(now), ''),
      Message: legacy ? encoded : Buffer.alloc(0),
      DelayMilliseconds: BigInt(now - this.firstRecorded),
      TDPBMessage: legacy ? Buffer.alloc(0) : encoded,
    };
    return this.enqueue(
      Buffer.from(OneOf.encode({ Event: { $case: 'DesktopRecording', value: ev } }).finish()),
    );
  }

  /**
   * desktop.clipboard.send (the user's clipboard went to the desktop) or desktop.clipboard.receive
   * (text copied on the desktop went to the user): the length only, never the data.
   */
  clipboard(direction: 'send' | 'receive', length: number): void {
    if (this.ended) return;
    const send = direction === 'send';
    const ev = {
      Metadata: this.metadata(
        send ? EVENT_CLIPBOARD_SEND : EVENT_CLIPBOARD_RECEIVE,
        send ? CODE_CLIPBOARD_SEND : CODE_CLIPBOARD_RECEIVE,
        new Date(),
      ),
      ...this.common(),
      // Upstream fills these the other way round from the session events: the client, the desktop.
      Connection: { LocalAddr: this.info.remoteAddr, RemoteAddr: this.info.desktopAddr, Protocol: 'tdp' },
      DesktopAddr: this.info.desktopAddr,
      Length: length,
    };
    this.enqueue(
      Buffer.from(
        OneOf.encode({
          Event: send
            ? { $case: 'DesktopClipboardSend', value: ev }
            : { $case: 'DesktopClipboardReceive', value: ev },
        }).finish(),
      ),
    );
  }

  /** windows.desktop.session.end, then closes the file; resolves once it is on disk. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const endTime = new Date();
    const ev: WindowsDesktopSessionEnd = {
      Metadata: this.metadata(EVENT_SESSION_END, CODE_SESSION_END, endTime),
      ...this.common(),
      WindowsDesktopService: this.info.serviceId,
      DesktopAddr: this.info.desktopAddr,
      Domain: this.info.domain,
      WindowsUser: this.windowsUser,
      DesktopLabels: { ...this.info.labels },
      StartTime: this.started,
      EndTime: endTime,
      DesktopName: this.info.desktopName,
      Recorded: true,
      Participants: [this.info.user],
    };
    this.enqueue(
      Buffer.from(OneOf.encode({ Event: { $case: 'WindowsDesktopSessionEnd', value: ev } }).finish()),
    );
    await this.close();
  }

  /** Closes the file without an end event (a session that never started). */
  async close(): Promise<void> {
    this.ended = true;
    while (this.pumping) await this.pumping;
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
    // A client that left before its hello leaves no recording behind.
    if (this.index === 0) fs.rmSync(this.file, { force: true });
  }
}
