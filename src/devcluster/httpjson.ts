// JSON over the dev cluster's web API: the reply roundtrip.ReplyJSON writes and the request body
// reader every handler shares (the proxy routes, SSO's console endpoint, headless login).
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body a handler reads. */
export const MAX_JSON_BODY = 1 << 20;

export function replyJSON(res: ServerResponse, status: number, body: unknown, indent = 0): void {
  const text = JSON.stringify(body, null, indent);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, no-store, must-revalidate',
  });
  res.end(text);
}

/**
 * The request body as a JSON object (an empty body is {}). `badRequest` makes the handler's own
 * 400 error for a body that is too large or not a JSON object.
 */
export function readJSON(
  req: IncomingMessage,
  badRequest: (message: string) => Error,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_JSON_BODY) {
        reject(badRequest('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        const v = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch {
        reject(badRequest('request body is not a JSON object'));
      }
    });
    req.on('error', reject);
  });
}
