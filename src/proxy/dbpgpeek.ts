// The first bytes of a Postgres connection, as the database local proxy looks at them without
// consuming them (lib/srv/alpnproxy/local_proxy.go getCertForConn, peekPostgresStartupMessage):
// psql sends a CancelRequest in clear text, without the TLS that would carry the client
// certificate, so for that message alone the proxy presents the db certificate itself.
// Message layouts: PostgreSQL "Frontend/Backend Protocol", Message Formats (protocol 3.0).
import type { Socket } from 'node:net';

/** Every startup-phase message begins with Int32 length (self included) and an Int32 code. */
export const PG_STARTUP_HEAD = 8;
/** CancelRequest: length 16, code 80877102, then the process ID and secret key. */
export const PG_CANCEL_REQUEST_CODE = 80877102;
export const PG_CANCEL_REQUEST_LENGTH = 16;
export const PG_SSL_REQUEST_CODE = 80877103;
export const PG_GSSENC_REQUEST_CODE = 80877104;
/** StartupMessage's code is the protocol version: major 3 in the high 16 bits. */
const PROTOCOL_MAJOR_3 = 3;

export type PgStartupKind = 'cancel' | 'ssl' | 'gssenc' | 'startup' | 'unknown';

/**
 * What the first 8 bytes of a Postgres connection announce; undefined while fewer have arrived.
 * Only the head is needed: the SSLRequest is 8 bytes and its sender waits for an answer.
 */
export function classifyPgStartup(head: Buffer): PgStartupKind | undefined {
  if (head.length < PG_STARTUP_HEAD) return undefined;
  const length = head.readUInt32BE(0);
  const code = head.readUInt32BE(4);
  if (code === PG_CANCEL_REQUEST_CODE) return length === PG_CANCEL_REQUEST_LENGTH ? 'cancel' : 'unknown';
  if (code === PG_SSL_REQUEST_CODE) return length === PG_STARTUP_HEAD ? 'ssl' : 'unknown';
  if (code === PG_GSSENC_REQUEST_CODE) return length === PG_STARTUP_HEAD ? 'gssenc' : 'unknown';
  if (code >>> 16 === PROTOCOL_MAJOR_3 && length > PG_STARTUP_HEAD) return 'startup';
  return 'unknown';
}

/**
 * Reads the first 8 bytes of a paused socket and puts them back (unshift), so whoever reads next
 * sees the stream untouched. Resolves with undefined when the connection ends (or fails: a client
 * that went away is no error of the proxy's) before that.
 */
export function peekPgStartup(socket: Socket): Promise<{ kind: PgStartupKind; head: Buffer } | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = (v: { kind: PgStartupKind; head: Buffer } | undefined) => {
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
      resolve(v);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (got < PG_STARTUP_HEAD && (chunk = socket.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        got += chunk.length;
      }
      if (got < PG_STARTUP_HEAD) return;
      const all = Buffer.concat(chunks);
      socket.unshift(all);
      done({ kind: classifyPgStartup(all)!, head: all.subarray(0, PG_STARTUP_HEAD) });
    };
    const onEnd = () => done(undefined);
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onEnd);
    onReadable();
  });
}
