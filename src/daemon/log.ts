// The daemon's log (stderr): info lines always, with --debug one line per RPC (name, duration,
// outcome). Field values whose names look secret are never written.
import type { Logger } from '../client/config.js';

const SECRET_KEY = /pass|token|otp|secret|key|cert|pin|puk|totp|cookie|session/i;

/** Values safe to log: secret-looking fields replaced, long strings cut. */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_KEY.test(k)) out[k] = '<redacted>';
    else if (typeof v === 'string' && v.length > 200) out[k] = `${v.slice(0, 200)}…`;
    else out[k] = v;
  }
  return out;
}

export interface DaemonLog {
  readonly debugEnabled: boolean;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** One finished RPC (debug only). */
  rpc(method: string, ms: number, err?: unknown): void;
  /** The client core's logger (its debug lines, redacted). */
  readonly client: Logger;
}

function format(level: string, msg: string, fields?: Record<string, unknown>): string {
  const f = fields ? redact(fields) : {};
  const tail = Object.entries(f)
    .map(([k, v]) => `${k}:${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${new Date().toISOString()} ${level} [TSHD] ${msg}${tail ? ' ' + tail : ''}\n`;
}

export function createDaemonLog(opts: { debug?: boolean; write?: (line: string) => void } = {}): DaemonLog {
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const debugEnabled = !!opts.debug;
  const log: DaemonLog = {
    debugEnabled,
    info: (msg, fields) => write(format('INFO', msg, fields)),
    debug: (msg, fields) => {
      if (debugEnabled) write(format('DEBU', msg, fields));
    },
    error: (msg, fields) => write(format('ERRO', msg, fields)),
    rpc: (method, ms, err) => {
      if (!debugEnabled) return;
      const fields: Record<string, unknown> = { method, duration: `${ms.toFixed(1)}ms` };
      if (err !== undefined) fields.error = err instanceof Error ? err.message : String(err);
      write(format('DEBU', err === undefined ? 'RPC done' : 'RPC failed', fields));
    },
    client: (msg, fields) => log.debug(msg, fields),
  };
  return log;
}
