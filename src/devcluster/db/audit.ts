// Database session audit events and their recording. Upstream (lib/srv/db/common/audit.go) emits
// every database event to the audit log and to the session's recording; the dev cluster's audit
// log is its recordings: `<recordings dir>/<session id>.tar` (proto-stream V1, as the SSH and
// desktop recordings), which `tshjs play` renders (src/recording/postgres.ts) and
// GetSessionEvents lists by its db.session.end. Writes are queued off the relay's path; a failure
// ends the recording, never the session.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OneOf, type Metadata } from '../../gen/teleport/legacy/types/events/events.js';
import { MAX_RECORD_SIZE } from '../../recording/header.js';
import { RecordingWriter } from '../../recording/writer.js';

/** Event types and codes (lib/events/api.go, lib/events/codes.go). */
export const DB_EVENTS = {
  DatabaseSessionStart: { type: 'db.session.start', code: 'TDB00I', failure: 'TDB00W' },
  DatabaseSessionEnd: { type: 'db.session.end', code: 'TDB01I' },
  DatabaseSessionQuery: { type: 'db.session.query', code: 'TDB02I', failure: 'TDB02W' },
  DatabaseSessionCommandResult: { type: 'db.session.result', code: 'TDB10I' },
  PostgresParse: { type: 'db.session.postgres.statements.parse', code: 'TPG00I' },
  PostgresBind: { type: 'db.session.postgres.statements.bind', code: 'TPG01I' },
  PostgresExecute: { type: 'db.session.postgres.statements.execute', code: 'TPG02I' },
  PostgresClose: { type: 'db.session.postgres.statements.close', code: 'TPG03I' },
  PostgresFunctionCall: { type: 'db.session.postgres.function', code: 'TPG04I' },
} as const satisfies Record<string, { type: string; code: string; failure?: string }>;

/** db.session.query.failed (DatabaseSessionQueryFailedEvent). */
export const DB_QUERY_FAILED_EVENT = 'db.session.query.failed';

type EventCase = NonNullable<OneOf['Event']>['$case'];

/**
 * Type and code of a database event; events this table does not know (e.g. the MySQL ones) keep
 * what their Metadata already says.
 */
export function eventTypeAndCode(ev: OneOf): { type: string; code: string } | undefined {
  const c = ev.Event?.$case as EventCase | undefined;
  const known = c && (DB_EVENTS as Record<string, { type: string; code: string; failure?: string }>)[c];
  if (!known) return undefined;
  const status = (ev.Event!.value as { Status?: { Success: boolean } }).Status;
  const failed = status !== undefined && !status.Success && known.failure;
  if (c === 'DatabaseSessionQuery' && failed) return { type: DB_QUERY_FAILED_EVENT, code: known.failure! };
  return { type: known.type, code: failed ? known.failure! : known.code };
}

const encodeOneOf = (ev: OneOf): Uint8Array => OneOf.encode(ev).finish();

/**
 * Encoded bytes that go to zlib in one call, and how long a smaller batch may wait. A busy session
 * (pgbench: thousands of queries a second, two events each) would otherwise pay a zlib call, a
 * thread-pool round trip and its callback for every event or two; batching keeps the recording
 * off the relay's path. The events, their order, times and indexes are fixed when they happen.
 */
const BATCH_BYTES = 256 * 1024;
const BATCH_DELAY_MS = 200;

/** One session's recording file: events appended in order, each with the next Metadata.Index. */
export class DatabaseRecording {
  readonly file: string;
  private writer?: RecordingWriter;
  /** Encoded events waiting for the write loop, their bytes, and whether the loop runs. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private draining = false;
  private timer?: NodeJS.Timeout;
  private out?: fs.WriteStream;
  private index = 0;
  private chain: Promise<void> = Promise.resolve();
  private failed = false;
  private closed = false;

  constructor(
    dir: string,
    readonly sessionId: string,
    private readonly clusterName: string,
    private readonly onError: (err: Error) => void,
  ) {
    this.file = path.join(dir, `${sessionId}.tar`);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.out = fs.createWriteStream(this.file, { mode: 0o600 });
      this.out.on('error', (err) => this.fail(err));
      // lib/events/gzip.go: recordings are compressed with gzip.BestSpeed.
      this.writer = new RecordingWriter(this.out, { level: 1 });
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.onError(err);
  }

  /** Fills in Metadata (index, id, type, code, cluster; time unless set) and queues the event. */
  record(ev: OneOf, time = new Date(), encode: (ev: OneOf) => Uint8Array = encodeOneOf): void {
    if (this.closed || this.failed || !ev.Event) return;
    const value = ev.Event.value as { Metadata?: Metadata };
    const tc = eventTypeAndCode(ev);
    value.Metadata = {
      ...value.Metadata,
      Index: BigInt(this.index++),
      Type: tc?.type ?? value.Metadata?.Type ?? '',
      ID: value.Metadata?.ID || randomUUID(),
      Code: tc?.code ?? value.Metadata?.Code ?? '',
      Time: value.Metadata?.Time ?? time,
      ClusterName: this.clusterName,
    } as Metadata;
    this.queue(encode(ev));
  }

  /** Queues one encoded events.OneOf; a full batch goes to the writer now, a small one soon. */
  queue(bytes: Uint8Array): void {
    if (this.closed || this.failed || !this.writer) return;
    if (bytes.length > MAX_RECORD_SIZE) return; // upstream refuses to record it, too
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= BATCH_BYTES) this.drain();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.draining) return;
    this.timer = setTimeout(() => this.drain(), BATCH_DELAY_MS);
    this.timer.unref();
  }

  /** Hands what is queued to the writer, in order, one batch per zlib call. */
  private drain(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const writer = this.writer;
    if (this.draining || !writer || !this.pending.length) return;
    this.draining = true;
    this.chain = this.chain.then(
      async () => {
        // What queues up during a write waits for a full batch, the timer or close().
        do {
          const batch = this.pending;
          this.pending = [];
          this.pendingBytes = 0;
          await writer.writeRecords(batch);
        } while (this.pending.length && !this.failed && (this.closed || this.pendingBytes >= BATCH_BYTES));
        this.draining = false;
        if (this.pending.length && !this.failed) this.schedule();
      },
      () => undefined,
    );
    this.chain.catch((err: Error) => {
      this.draining = false;
      this.fail(err);
    });
  }

  /** Flushes and closes the file; resolves once it is on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.drain();
    this.closed = true;
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
    if (this.index === 0) fs.rmSync(this.file, { force: true });
  }
}
