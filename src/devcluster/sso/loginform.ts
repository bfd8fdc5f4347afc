// The login page the dev cluster's identity providers show: user name, password, a Sign in and a
// Cancel button (Cancel makes the IdP answer with an error, for the error path of the flow).
import type { IncomingMessage, ServerResponse } from 'node:http';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderLoginForm(
  res: ServerResponse,
  o: { title: string; action: string; hidden?: Record<string, string>; error?: string },
): void {
  const hidden = Object.entries(o.hidden ?? {})
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${esc(o.title)}</title></head>
<body><h1>${esc(o.title)}</h1>${o.error ? `<p id="error" role="alert">${esc(o.error)}</p>` : ''}
<form method="post" action="${esc(o.action)}">${hidden}
<label>Username <input id="username" name="username" autocomplete="username" autofocus></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
<button id="submit" type="submit" name="action" value="login">Sign in</button>
<button id="cancel" type="submit" name="action" value="cancel">Cancel</button>
</form></body></html>`;
  res.writeHead(o.error ? 401 : 200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

/** An HTML page that posts `fields` to `action` as soon as it loads (the SAML POST binding). */
export function renderAutoPost(res: ServerResponse, action: string, fields: Record<string, string>): void {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Signing in</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="${esc(action)}">${inputs}
<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

export function readForm(req: IncomingMessage, limit = 1 << 20): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) req.destroy(new Error('form too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, 'Content-Length': 0 });
  res.end();
}

export function textReply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
