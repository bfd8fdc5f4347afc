// Recording of one `kubectl exec` session, as Teleport's Kubernetes service records it
// (lib/kube/proxy/sess.go): session.start, print (stdout and stderr as the user saw them), resize
// and session.end, with Connection.Protocol "kube" and the Kubernetes cluster and pod metadata,
// in `<recordings dir>/<session id>.tar` (proto-stream V1), so `tshjs play` replays it and
// `tshjs recordings ls` lists it. Writes are chained off the session's path; a failure ends the
// recording (reported once), never the session.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TlsIdentity } from '../../auth/x509/identity.js';
import {
  OneOf,
  type KubernetesClusterMetadata,
  type KubernetesPodMetadata,
  type Metadata,
} from '../../gen/teleport/legacy/types/events/events.js';
import { MAX_RECORD_SIZE } from '../../recording/header.js';
import { RecordingWriter } from '../../recording/writer.js';

/** lib/events/codes.go */
const CODES = { 'session.start': 'T2000I', resize: 'T2002I', 'session.end': 'T2004I', print: '' } as const;
const PRINT_CHUNK = 32 * 1024;

export interface KubeSessionInfo {
  clusterName: string;
  identity: TlsIdentity;
  serverId: string;
  localAddr: string;
  remoteAddr: string;
  kubeCluster: KubernetesClusterMetadata;
  pod: KubernetesPodMetadata;
  command: string[];
  tty: boolean;
  terminalSize: string;
}

export class KubeRecorder {
  readonly sessionId = randomUUID();
  readonly file: string;
  private readonly start = new Date();
  private writer?: RecordingWriter;
  private out?: fs.WriteStream;
  private chain: Promise<void> = Promise.resolve();
  private index = 0;
  private chunk = 0;
  private offset = 0;
  private failed = false;
  private ended = false;

  constructor(
    dir: string,
    private readonly info: KubeSessionInfo,
    private readonly onError: (err: Error) => void,
  ) {
    this.file = path.join(dir, `${this.sessionId}.tar`);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.out = fs.createWriteStream(this.file, { mode: 0o600 });
      this.out.on('error', (err) => this.fail(err));
      // lib/events/gzip.go: gzip.BestSpeed.
      this.writer = new RecordingWriter(this.out, { level: 1 });
    } catch (err) {
      queueMicrotask(() => this.fail(err as Error));
    }
    this.emit({
      $case: 'SessionStart',
      value: {
        Metadata: this.metadata('session.start', this.start),
        ...this.common(),
        TerminalSize: info.terminalSize,
        KubernetesCluster: info.kubeCluster,
        KubernetesPod: info.pod,
        InitialCommand: info.command,
        SessionRecording: 'node',
        Invited: [],
        Reason: '',
      },
    });
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(err);
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
    const { identity: id, clusterName } = this.info;
    return {
      User: {
        User: id.username,
        Login: '',
        Impersonator: id.impersonator ?? '',
        AWSRoleARN: '',
        AccessRequests: [...id.activeRequests],
        AzureIdentity: '',
        GCPServiceAccount: '',
        RequiredPrivateKeyPolicy: id.privateKeyPolicy ?? '',
        UserKind: 1, // USER_KIND_HUMAN
        BotName: id.botName ?? '',
        BotInstanceID: id.botInstanceId ?? '',
        UserOrigin: 0,
        UserRoles: [...id.groups],
        UserClusterName: id.teleportCluster ?? clusterName,
        BeamID: '',
        BotScopeOfOrigin: '',
      },
      Session: { SessionID: this.sessionId, WithMFA: id.mfaVerified ?? '', PrivateKeyPolicy: '' },
      Server: {
        ServerNamespace: 'default',
        ServerID: this.info.serverId,
        // sess.go getServerMetadata: the Kubernetes cluster's name as the host name.
        ServerHostname: this.info.kubeCluster.KubernetesCluster,
        ServerAddr: this.info.localAddr,
        ServerLabels: {},
        ForwardedBy: '',
        ServerSubKind: '',
        ServerVersion: '',
      },
      Connection: { LocalAddr: this.info.localAddr, RemoteAddr: this.info.remoteAddr, Protocol: 'kube' },
    };
  }

  private emit(event: NonNullable<OneOf['Event']>): void {
    if (this.failed || !this.writer) return;
    const bytes = OneOf.encode({ Event: event }).finish();
    if (bytes.length > MAX_RECORD_SIZE) return;
    const writer = this.writer;
    this.chain = this.chain.then(() => (this.failed ? undefined : writer.writeRecord(bytes)));
    this.chain.catch((err: Error) => this.fail(err));
  }

  /** Session output (stdout and stderr interleaved as sent), in chunks under the record limit. */
  print(data: Buffer): void {
    if (this.ended) return;
    const now = new Date();
    for (let off = 0; off < data.length; off += PRINT_CHUNK) {
      const part = Buffer.from(data.subarray(off, Math.min(off + PRINT_CHUNK, data.length)));
      this.emit({
        $case: 'SessionPrint',
        value: {
          Metadata: this.metadata('print', now),
          ChunkIndex: BigInt(this.chunk++),
          Data: part,
          Bytes: BigInt(part.length),
          DelayMilliseconds: BigInt(now.getTime() - this.start.getTime()),
          Offset: BigInt(this.offset),
        },
      });
      this.offset += part.length;
    }
  }

  resize(width: number, height: number): void {
    if (this.ended) return;
    this.emit({
      $case: 'Resize',
      value: {
        Metadata: this.metadata('resize', new Date()),
        ...this.common(),
        TerminalSize: `${width}:${height}`,
        KubernetesCluster: this.info.kubeCluster,
        KubernetesPod: this.info.pod,
      },
    });
  }

  /** Writes session.end and closes the file; resolves once it is on disk. */
  async end(): Promise<void> {
    if (this.ended) return;
    const endTime = new Date();
    this.emit({
      $case: 'SessionEnd',
      value: {
        Metadata: this.metadata('session.end', endTime),
        ...this.common(),
        EnhancedRecording: false,
        Interactive: this.info.tty,
        Participants: [this.info.identity.username],
        StartTime: this.start,
        EndTime: endTime,
        KubernetesCluster: this.info.kubeCluster,
        KubernetesPod: this.info.pod,
        InitialCommand: this.info.command,
        SessionRecording: 'node',
      },
    });
    this.ended = true;
    await this.chain.catch(() => undefined);
    const out = this.out;
    if (!out) return;
    try {
      if (!this.failed) await this.writer!.close();
    } catch (err) {
      this.fail(err as Error);
    }
    await new Promise<void>((resolve) => {
      if (out.destroyed) return resolve();
      out.once('error', () => resolve());
      out.end(() => resolve());
    });
  }
}
