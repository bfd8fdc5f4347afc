// The client's first messages (upstream rdpclient readClientHello / readLegacyHandshake):
//   TDPB    the first ClientHello; anything before it (an early Ping, say) is skipped.
//   legacy  ClientUsername (earlier messages skipped), then ClientScreenSpec (other messages
//           skipped), then the next message is peeked: a ClientKeyboardLayout is taken, anything
//           else stays for the session. Like upstream's peek this waits for a third message,
//           so a legacy client sends a layout or a second ClientScreenSpec.
import type { DesktopConn, Received } from './conn.js';

export interface Hello {
  username: string;
  width: number;
  height: number;
  /** Percent; 0 means 100. */
  scale: number;
  keyboardLayout: number;
  /** A message read while peeking for the layout, for the session to handle. */
  pending?: Received;
}

/** Reads the hello; null when the client closed first. `seen` hears every message read. */
export async function readHello(conn: DesktopConn, seen: (r: Received) => void): Promise<Hello | null> {
  const next = async () => {
    const r = await conn.next();
    if (r) seen(r);
    return r;
  };
  if (conn.dialect === 'tdpb') {
    for (;;) {
      const r = await next();
      if (!r) return null;
      if (r.msg.kind === 'hello') return { ...r.msg };
    }
  }
  let username: string | undefined;
  while (username === undefined) {
    const r = await next();
    if (!r) return null;
    if (r.msg.kind === 'username') username = r.msg.username;
  }
  let spec: { width: number; height: number } | undefined;
  while (!spec) {
    const r = await next();
    if (!r) return null;
    if (r.msg.kind === 'screenSpec') spec = r.msg;
  }
  const hello: Hello = { username, width: spec.width, height: spec.height, scale: 0, keyboardLayout: 0 };
  const r = await next();
  if (!r) return null;
  if (r.msg.kind === 'keyboardLayout') hello.keyboardLayout = r.msg.layout;
  else hello.pending = r;
  return hello;
}
