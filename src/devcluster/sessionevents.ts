// Session recordings as the dev cluster's Auth service serves them:
//   StreamSessionEvents  the events of <recordingsDir>/<sid>.tar (proto-stream V1) from
//                        StartIndex on, as a server stream of events.OneOf;
//   GetSessionEvents     the audit search tsh recordings ls uses: the session.end and
//                        windows.desktop.session.end / db.session.end events of the recordings in a time range
//                        (upstream's SessionRecordingEvents), paged by LastKey/StartKey.
// Upstream: api/proto/teleport/legacy/client/proto/authservice.proto (messages),
// lib/events/auditlog.go / lib/auth (semantics). RBAC is simplified: a user sees the sessions
// they took part in (the user of session.start/session.end or of the desktop start/end events,
// or a participant), unless one of their roles sets `view_all_sessions: true`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status, type ServerWritableStream } from '@grpc/grpc-js';
import type {
  Events,
  GetSessionEventsRequest,
  StreamSessionEventsRequest,
} from '../gen/teleport/legacy/client/proto/authservice.js';
import { Order } from '../gen/teleport/legacy/client/proto/authservice.js';
import type {
  DatabaseSessionEnd,
  OneOf,
  SessionEnd,
  WindowsDesktopSessionEnd,
} from '../gen/teleport/legacy/types/events/events.js';
import { RecordingReader } from '../recording/reader.js';
import type { DevClusterConfig, UserConfig } from './config.js';
import { userRoles } from './rbac.js';
import { DEFAULT_PAGE, GrpcError, MAX_PAGE } from './grpcerror.js';

const SESSION_ID = /^[0-9A-Za-z][0-9A-Za-z._-]*$/;

/** What GetSessionEvents needs of one recording file. */
interface Summary {
  /** Cache validity: file size and mtime. */
  stamp: string;
  sessionId: string;
  /** Users that may see the session without view_all_sessions. */
  users: Set<string>;
  end?: SessionEndEvent;
}

/** The events GetSessionEvents lists: one per finished recording. */
type SessionEndEvent = OneOf & {
  Event:
    | { $case: 'SessionEnd'; value: SessionEnd }
    | { $case: 'WindowsDesktopSessionEnd'; value: WindowsDesktopSessionEnd }
    | { $case: 'DatabaseSessionEnd'; value: DatabaseSessionEnd };
};

function isSessionEnd(ev: OneOf): ev is SessionEndEvent {
  const c = ev.Event?.$case;
  return c === 'SessionEnd' || c === 'WindowsDesktopSessionEnd' || c === 'DatabaseSessionEnd';
}

function owners(ev: OneOf, into: Set<string>): void {
  const e = ev.Event;
  if (!e) return;
  switch (e.$case) {
    case 'SessionStart':
    case 'SessionJoin':
    case 'WindowsDesktopSessionStart':
    case 'DatabaseSessionStart':
      if (e.value.User?.User) into.add(e.value.User.User);
      break;
    case 'SessionEnd':
    case 'WindowsDesktopSessionEnd':
    case 'DatabaseSessionEnd':
      if (e.value.User?.User) into.add(e.value.User.User);
      for (const p of e.value.Participants) into.add(p);
      break;
  }
}

/** Whether one of the user's roles has the view_all_sessions option. */
export function canViewAllSessions(cfg: DevClusterConfig, user: UserConfig): boolean {
  return userRoles(cfg, user).some((r) => r.view_all_sessions === true);
}

/** Until the call takes more, or is cancelled (no 'drain' comes then). */
function drainedOrGone(call: ServerWritableStream<StreamSessionEventsRequest, OneOf>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}

export class SessionEventStore {
  private readonly cache = new Map<string, Summary>();

  constructor(private readonly dir: () => string) {}

  /** Path of a session's recording, or undefined when there is none. */
  private fileOf(sid: string): string | undefined {
    const dir = this.dir();
    if (!dir || !SESSION_ID.test(sid)) return undefined;
    const file = path.join(dir, `${sid}.tar`);
    try {
      return fs.statSync(file).isFile() ? file : undefined;
    } catch {
      return undefined;
    }
  }

  private async summary(file: string): Promise<Summary | undefined> {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return undefined;
    }
    const stamp = `${st.size}/${st.mtimeMs}`;
    const hit = this.cache.get(file);
    if (hit?.stamp === stamp) return hit;
    const s: Summary = { stamp, sessionId: path.basename(file, '.tar'), users: new Set() };
    try {
      for await (const ev of new RecordingReader(fs.createReadStream(file))) {
        owners(ev, s.users);
        if (isSessionEnd(ev)) {
          s.end = ev;
          if (ev.Event.value.Session?.SessionID) s.sessionId = ev.Event.value.Session.SessionID;
        }
      }
    } catch {
      // A recording still being written (or damaged): keep what was read.
    }
    this.cache.set(file, s);
    return s;
  }

  /** StreamSessionEvents: every event with Index >= StartIndex, in recording order. */
  async stream(
    call: ServerWritableStream<StreamSessionEventsRequest, OneOf>,
    cfg: DevClusterConfig,
    user: UserConfig,
  ): Promise<void> {
    const { SessionID, StartIndex } = call.request;
    if (!SessionID) throw new GrpcError(status.INVALID_ARGUMENT, 'missing parameter SessionID');
    const file = this.fileOf(SessionID);
    if (!file) {
      throw new GrpcError(status.NOT_FOUND, `recording for session ${SessionID} is not found`);
    }
    if (!canViewAllSessions(cfg, user)) {
      const s = await this.summary(file);
      if (!s?.users.has(user.name)) {
        throw new GrpcError(
          status.PERMISSION_DENIED,
          `access denied to session ${SessionID} for user "${user.name}"`,
        );
      }
    }
    const start = BigInt(Math.max(0, StartIndex));
    for await (const ev of new RecordingReader(fs.createReadStream(file))) {
      if (call.cancelled) return;
      if (!ev.Event || (ev.Event.value.Metadata?.Index ?? 0n) < start) continue;
      if (!call.write(ev)) await drainedOrGone(call);
    }
  }

  /** GetSessionEvents: session.end and windows.desktop.session.end events in [StartDate, EndDate], paged. */
  async search(req: GetSessionEventsRequest, cfg: DevClusterConfig, user: UserConfig): Promise<Events> {
    if (req.Limit < 0) throw new GrpcError(status.INVALID_ARGUMENT, 'negative parameter limit');
    const limit = Math.min(req.Limit || DEFAULT_PAGE, MAX_PAGE);
    const from = req.StartDate?.getTime() ?? -Infinity;
    const to = req.EndDate?.getTime() ?? Infinity;
    const all = canViewAllSessions(cfg, user);
    const dir = this.dir();
    let names: string[] = [];
    try {
      names = dir ? fs.readdirSync(dir).filter((n) => n.endsWith('.tar')) : [];
    } catch {
      names = [];
    }
    const found: Array<{ key: string; time: number; ev: OneOf }> = [];
    for (const n of names) {
      const s = await this.summary(path.join(dir, n));
      if (!s?.end) continue;
      if (!all && !s.users.has(user.name)) continue;
      const time = s.end.Event.value.Metadata?.Time?.getTime() ?? 0;
      if (time < from || time > to) continue;
      found.push({ key: `${String(time).padStart(16, '0')}/${s.sessionId}`, time, ev: s.end });
    }
    const asc = req.Order === Order.ASCENDING;
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) * (asc ? 1 : -1));
    let i = 0;
    if (req.StartKey) {
      // The page after the event whose key was returned as LastKey.
      i = found.findIndex((f) => (asc ? f.key > req.StartKey : f.key < req.StartKey));
      if (i < 0) i = found.length;
    }
    const page = found.slice(i, i + limit);
    const more = i + limit < found.length;
    return { Items: page.map((f) => f.ev), LastKey: more ? page[page.length - 1].key : '' };
  }
}
