// Session recording for the dev cluster's in-process nodes: every session is written as an
// upstream proto-stream V1 recording (`<dir>/<session id>.tar`) with session.start, print
// (output chunks with their delay and offset), resize and session.end events, so `tshjs play`
// and upstream `tsh play` can replay it.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Metadata, OneOf } from '../gen/teleport/legacy/types/events/events.js';
import { RecordingWriter } from '../recording/writer.js';

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

/** lib/events/codes.go */
/**
 * Largest Data of one print event: a record must stay under the proto-stream's 64 KiB message
 * limit (MAX_RECORD_SIZE) with its metadata, so one large read of session output becomes several
 * print events.
 */
const PRINT_CHUNK = 32 * 1024;
const CODES = { 'session.start': 'T2000I', resize: 'T2002I', 'session.end': 'T2004I', print: '' } as const;

export class SessionRecorder {
  readonly sessionId = randomUUID();
  readonly file: string;
  private readonly out: fs.WriteStream;
  private readonly writer: RecordingWriter;
  private readonly start = new Date();
  private index = 0n;
  private chunk = 0n;
  private offset = 0n;
  /** Writes run one after another; output chunks arrive faster than gzip takes them. */
  private queue: Promise<void> = Promise.resolve();
  private failed?: Error;

  constructor(
    dir: string,
    private readonly info: SessionInfo,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, `${this.sessionId}.tar`);
    this.out = fs.createWriteStream(this.file, { mode: 0o600 });
    this.writer = new RecordingWriter(this.out);
    this.emit('session.start', { $case: 'SessionStart', value: this.sessionStart() });
  }

  private metadata(type: keyof typeof CODES, time = new Date()): Metadata {
    return {
      Index: this.index++,
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

  private emit(_type: string, event: NonNullable<OneOf['Event']>): void {
    const oneOf = { Event: event } as OneOf;
    // A failed write ends the recording, never the process: the rejection is kept, not thrown.
    this.queue = this.queue
      .then(() => (this.failed ? undefined : this.writer.write(oneOf)))
      .catch((err: Error) => {
        this.failed ??= err;
      });
  }

  /** Output from the session, as the user saw it, in print events of at most PRINT_CHUNK bytes. */
  print(data: Buffer): void {
    for (let off = 0; off < data.length; off += PRINT_CHUNK) {
      this.printChunk(data.subarray(off, Math.min(off + PRINT_CHUNK, data.length)));
    }
  }

  private printChunk(data: Buffer): void {
    const now = new Date();
    this.emit('print', {
      $case: 'SessionPrint',
      value: {
        Metadata: this.metadata('print', now),
        ChunkIndex: this.chunk++,
        Data: Buffer.from(data),
        Bytes: BigInt(data.length),
        DelayMilliseconds: BigInt(now.getTime() - this.start.getTime()),
        Offset: this.offset,
      },
    });
    this.offset += BigInt(data.length);
  }

  resize(cols: number, rows: number): void {
    this.emit('resize', {
      $case: 'Resize',
      value: {
        Metadata: this.metadata('resize'),
        ...this.common(),
        TerminalSize: `${cols}:${rows}`,
        KubernetesCluster: undefined,
        KubernetesPod: undefined,
      },
    });
  }

  /** Writes session.end and closes the file; resolves when it is on disk. */
  async end(): Promise<void> {
    const endTime = new Date();
    this.emit('session.end', {
      $case: 'SessionEnd',
      value: {
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
    });
    await this.queue;
    await this.writer.close();
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
  }
}
