// Postgres database sessions as terminal output, like upstream's player (lib/player/db):
// once a DatabaseSessionStart with protocol postgres is seen, the events that follow become
// SessionPrint events (queries with a `<db>=> ` prompt, results, prepared statements), with
// delays measured from the session start.
import { goFormatUTC } from '../format/gotime.js';
import type { Metadata, OneOf, SessionPrint } from '../gen/teleport/legacy/types/events/events.js';

const LINE_BREAK = '\r\n';

/** api/utils HumanTimeFormat: Go layout "Mon Jan _2 15:04 UTC". */
export function humanTime(d: Date): string {
  return goFormatUTC(d, 'Mon Jan _2 15:04 UTC');
}

/** Go's %q for the parameter values of prepared statements (JSON string syntax is close enough for text). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

export class PostgresTranslator {
  private startAt = 0;
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, { stmt: string; params: string[] }>();
  private expectingResult = false;

  private print(md: Metadata | undefined, data: string): OneOf {
    const time = md?.Time?.getTime() ?? this.startAt;
    const value: SessionPrint = {
      Metadata: md,
      ChunkIndex: 0n,
      Data: Buffer.from(data),
      Bytes: BigInt(Buffer.byteLength(data)),
      DelayMilliseconds: BigInt(Math.max(0, time - this.startAt)),
      Offset: 0n,
    };
    return { Event: { $case: 'SessionPrint', value } } as OneOf;
  }

  private command(db: string, text: string): string {
    return `${LINE_BREAK}${db}=> ${text}${LINE_BREAK}`;
  }

  /** The print event for one recorded event, or undefined when it shows nothing. */
  translate(ev: OneOf): OneOf | undefined {
    const e = ev.Event;
    switch (e?.$case) {
      case 'DatabaseSessionStart':
        this.startAt = e.value.Metadata?.Time?.getTime() ?? 0;
        return this.print(
          e.value.Metadata,
          `Session started to database ${goQuote(e.value.Database?.DatabaseService ?? '')} at ${humanTime(new Date(this.startAt))}${LINE_BREAK}`,
        );
      case 'DatabaseSessionQuery':
        this.expectingResult = true;
        return this.print(
          e.value.Metadata,
          this.command(e.value.Database?.DatabaseName ?? '', e.value.DatabaseQuery),
        );
      case 'DatabaseSessionCommandResult': {
        if (!this.expectingResult) return undefined;
        this.expectingResult = false;
        const st = e.value.Status;
        if (st && !st.Success) return this.print(e.value.Metadata, `${st.Error}${LINE_BREAK}`);
        const n = Number(e.value.AffectedRecords);
        return this.print(
          e.value.Metadata,
          `SUCCESS${LINE_BREAK}(${n} row${n === 1 ? '' : 's'} affected)${LINE_BREAK}`,
        );
      }
      case 'PostgresParse':
        this.expectingResult = false;
        this.statements.set(e.value.StatementName, e.value.Query);
        return undefined;
      case 'PostgresBind':
        this.expectingResult = false;
        this.portals.set(e.value.PortalName, { stmt: e.value.StatementName, params: e.value.Parameters });
        return undefined;
      case 'PostgresExecute': {
        const bind = this.portals.get(e.value.PortalName);
        // An execution of a portal that was never bound cannot be shown.
        this.expectingResult = !!bind;
        if (!bind) return undefined;
        let text = this.statements.get(bind.stmt) ?? `EXECUTE ${bind.stmt}`;
        if (bind.params.length)
          text += ` (${bind.params.map((p, i) => `$${i + 1} = ${goQuote(p)}`).join(', ')})`;
        return this.print(e.value.Metadata, this.command(e.value.Database?.DatabaseName ?? '', text));
      }
      case 'PostgresFunctionCall':
        this.expectingResult = false;
        return undefined;
      case 'DatabaseSessionEnd':
        return this.print(
          e.value.Metadata,
          `${LINE_BREAK}Session ended at ${humanTime(e.value.Metadata?.Time ?? new Date(this.startAt))}${LINE_BREAK}`,
        );
      default:
        return undefined;
    }
  }
}

/** Translates a Postgres session's events; other sessions pass through unchanged. */
export async function* translateDatabaseSession(events: AsyncIterable<OneOf>): AsyncGenerator<OneOf> {
  let pg: PostgresTranslator | undefined;
  for await (const ev of events) {
    if (
      !pg &&
      ev.Event?.$case === 'DatabaseSessionStart' &&
      ev.Event.value.Database?.DatabaseProtocol === 'postgres'
    ) {
      pg = new PostgresTranslator();
    }
    if (!pg) {
      yield ev;
      continue;
    }
    const out = pg.translate(ev);
    if (out) yield out;
  }
}
