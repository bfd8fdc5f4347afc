// A small GitHub-shaped OAuth app server behind a `github` connector: /login/oauth/authorize with
// its own login form, /login/oauth/access_token, and the API calls Teleport makes (/user,
// /user/teams), on 127.0.0.1. Errors come back as GitHub sends them (error=access_denied...).
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectorConfig, IdpUser } from './config.js';
import { checkIdpUser } from './mapping.js';
import { readForm, redirect, renderLoginForm, textReply } from './loginform.js';

const CODE_TTL_MS = 10 * 60_000;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export class GithubIdp {
  private server?: http.Server;
  base = '';
  readonly clientId = `Iv1.${randomBytes(8).toString('hex')}`;
  readonly clientSecret = randomBytes(20).toString('hex');
  private readonly codes = new Map<string, { user: IdpUser; redirectUri: string; expires: number }>();
  private readonly tokens = new Map<string, IdpUser>();

  constructor(
    private readonly c: ConnectorConfig,
    private readonly redirectUri: string,
    private readonly log: (msg: string, f?: Record<string, unknown>) => void,
  ) {}

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log('github idp error', { error: String(err) });
        if (!res.headersSent) textReply(res, 500, 'internal error\n');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  close(): void {
    this.server?.closeAllConnections();
    this.server?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const title = `Sign in to ${this.c.display ?? 'GitHub'}`;
    if (url.pathname === '/login/oauth/authorize') {
      const q = req.method === 'POST' ? await readForm(req) : url.searchParams;
      const redirectUri = q.get('redirect_uri') ?? '';
      const state = q.get('state') ?? '';
      if (q.get('client_id') !== this.clientId || redirectUri !== this.redirectUri)
        return textReply(res, 400, 'The redirect_uri is not associated with this application.\n');
      const hidden = { client_id: this.clientId, redirect_uri: redirectUri, state };
      if (req.method === 'GET') return renderLoginForm(res, { title, action: url.pathname, hidden });
      const back = new URL(redirectUri);
      if (q.get('action') === 'cancel') {
        back.search = new URLSearchParams({
          error: 'access_denied',
          error_description: 'The user has denied your application access.',
          state,
        }).toString();
        return redirect(res, back.toString());
      }
      const user = checkIdpUser(this.c, q.get('username') ?? '', q.get('password') ?? '');
      if (!user)
        return renderLoginForm(res, {
          title,
          action: url.pathname,
          hidden,
          error: 'Incorrect username or password.',
        });
      const code = randomBytes(10).toString('hex');
      this.codes.set(code, { user, redirectUri, expires: Date.now() + CODE_TTL_MS });
      back.search = new URLSearchParams({ code, state }).toString();
      return redirect(res, back.toString());
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const f = await readForm(req);
      const grant = this.codes.get(f.get('code') ?? '');
      this.codes.delete(f.get('code') ?? '');
      if (f.get('client_id') !== this.clientId || f.get('client_secret') !== this.clientSecret)
        return json(res, 200, { error: 'incorrect_client_credentials' });
      if (!grant || grant.expires < Date.now())
        return json(res, 200, {
          error: 'bad_verification_code',
          error_description: 'The code passed is incorrect or expired.',
        });
      const token = `gho_${randomBytes(18).toString('hex')}`;
      this.tokens.set(token, grant.user);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:org' });
    }
    const auth = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '');
    const user = auth ? this.tokens.get(auth[1]) : undefined;
    if (url.pathname === '/user' || url.pathname === '/user/teams') {
      if (!user) return json(res, 401, { message: 'Bad credentials' });
      if (url.pathname === '/user') return json(res, 200, { login: user.name, id: 1, type: 'User' });
      return json(
        res,
        200,
        user.teams.map((t) => {
          const [org, slug] = t.split('/');
          return { name: slug, slug, organization: { login: org } };
        }),
      );
    }
    textReply(res, 404, 'Not Found\n');
  }
}
