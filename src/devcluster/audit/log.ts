// The dev cluster's audit log: every event is kept in memory (tests and the dev cluster read it back
// with list()) and, when the cluster has a data dir, appended as one JSON object per line to
// <data_dir>/log/events.log (the file layout of upstream's file audit log, lib/events/filelog.go).
// Field names are upstream's JSON names (lib/events/api.go: event, code, time, uid, plus the
// metadata blocks flattened, e.g. user, cluster_name, app_name).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';

/** One audit event with upstream's JSON field names. */
export interface AuditEvent {
  /** Event type, e.g. `app_auth_config.verify.success`. */
  event: string;
  /** Event code, e.g. `T1000I`. */
  code: string;
  /** RFC 3339 time with milliseconds, UTC. */
  time: string;
  /** Unique event id. */
  uid: string;
  [k: string]: unknown;
}

export type AuditEventInput = Omit<AuditEvent, 'time' | 'uid'> & Partial<Pick<AuditEvent, 'time' | 'uid'>>;

export interface AuditLogOptions {
  /** JSON-lines file to append to; its directory is created on first emit. */
  file?: string;
  /** Events kept in memory; older ones are dropped (the file keeps them all). Default 10000. */
  maxInMemory?: number;
}

export class AuditLog {
  private readonly events: AuditEvent[] = [];
  private readonly file?: string;
  private readonly max: number;
  private dirReady = false;
  private readonly listeners = new Set<(ev: AuditEvent) => void>();

  constructor(opts: AuditLogOptions = {}) {
    this.file = opts.file;
    this.max = opts.maxInMemory ?? 10_000;
  }

  /** Records one event; fills in time and uid when absent. Write failures never reach the caller. */
  emit(input: AuditEventInput): AuditEvent {
    const ev: AuditEvent = {
      ...input,
      time: input.time ?? new Date().toISOString(),
      uid: input.uid ?? randomUUID(),
    } as AuditEvent;
    this.events.push(ev);
    if (this.events.length > this.max) this.events.splice(0, this.events.length - this.max);
    if (this.file) this.append(this.file, ev);
    for (const l of this.listeners) l(ev);
    return ev;
  }

  /** Events in emit order, optionally only of the given type(s). */
  list(filter: { event?: string | string[] } = {}): AuditEvent[] {
    const want = filter.event === undefined ? undefined : new Set([filter.event].flat());
    return this.events.filter((e) => !want || want.has(e.event));
  }

  /** Calls fn for every later event; returns the unsubscribe function. */
  subscribe(fn: (ev: AuditEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private append(file: string, ev: AuditEvent): void {
    try {
      if (!this.dirReady) {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        this.dirReady = true;
      }
      // Synchronous so that an event is on disk before the request that caused it is answered.
      fs.appendFileSync(file, JSON.stringify(ev) + '\n', { mode: 0o600 });
    } catch {
      // The in-memory copy is still there; an unwritable log must not fail the request.
    }
  }
}
