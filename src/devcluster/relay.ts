// Byte relays between two duplex streams (an SSH channel and a TCP socket, mostly): both directions
// with backpressure (pipe), and a failure on one side ends the other, never the process.
import type { Duplex } from 'node:stream';

/**
 * Relays `a` <-> `b`. An EOF is passed on as an end (half-closed protocols work) and a close ends
 * the other side once what it has buffered is written; an error destroys both. `onDone` runs once
 * both sides are closed, with the first error if there was one.
 */
export function relay(a: Duplex, b: Duplex, onDone?: (err?: Error) => void): void {
  let failure: Error | undefined;
  let open = 2;
  const wire = (s: Duplex, other: Duplex) => {
    s.on('error', (err: Error) => {
      failure ??= err;
      s.destroy();
      other.destroy();
    });
    s.on('close', () => {
      if (!other.writableEnded) other.end();
      if (--open === 0) onDone?.(failure);
    });
  };
  wire(a, b);
  wire(b, a);
  a.pipe(b);
  b.pipe(a);
}
