// The OIDC identity provider behind an `oidc` connector: an in-process `oidc-provider` (9.x) on
// 127.0.0.1, with the connector's users, its own login form, and the proxy registered as the one
// confidential client (authorization code + PKCE). Loaded only when an oidc connector is used.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectorConfig } from './config.js';
import { checkIdpUser } from './mapping.js';
import { readForm, renderLoginForm, textReply } from './loginform.js';

/** The parts of oidc-provider's API used here (the package ships no types). */
interface OidcCtx {
  oidc: {
    client: { clientId: string };
    session: { accountId?: string; grantIdFor(clientId: string): string | undefined };
    result?: { consent?: { grantId?: string } };
    provider: ProviderLike;
  };
}
interface GrantLike {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}
interface ProviderLike {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ uid: string; prompt: { name: string }; params: Record<string, unknown> }>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    opts?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  on(event: string, fn: (...args: unknown[]) => void): void;
  Grant: {
    new (o: { clientId: string; accountId?: string }): GrantLike;
    find(id: string): Promise<GrantLike | undefined>;
  };
}
type ProviderCtor = new (issuer: string, config: Record<string, unknown>) => ProviderLike;

export interface OidcIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** Runs fn with console.warn/info/log sent to `log`, for libraries that print at load time. */
async function quietConsole<T>(
  log: (msg: string, f?: Record<string, unknown>) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = { warn: console.warn, info: console.info, log: console.log };
  const sink = (...args: unknown[]) => log('oidc idp notice', { text: args.map(String).join(' ') });
  console.warn = console.info = console.log = sink;
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}

export class OidcIdp {
  private server?: http.Server;
  issuer = '';
  readonly clientId: string;
  readonly clientSecret = randomBytes(24).toString('hex');

  constructor(
    private readonly c: ConnectorConfig,
    private readonly redirectUri: string,
    private readonly log: (msg: string, f?: Record<string, unknown>) => void,
  ) {
    this.clientId = `teleport-${c.name}`;
  }

  async start(): Promise<void> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // oidc-provider writes its start-up notices (Node 20 is below its supported LTS, the in-memory
    // adapter) to the console; they go to the cluster's log instead.
    const provider = await quietConsole(this.log, async () => {
      // The default export; one level deeper when a CommonJS bundle wrapped the ES module.
      const mod = (await import('oidc-provider' as string)) as {
        default: ProviderCtor | { default: ProviderCtor };
      };
      const Provider = typeof mod.default === 'function' ? mod.default : mod.default.default;
      return new Provider(this.issuer, this.providerConfig());
    });
    provider.on('server_error', (_ctx, err) => this.log('oidc idp error', { error: String(err) }));
    const handle = provider.callback();
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path.startsWith('/interaction/')) {
        this.interaction(provider, req, res).catch((err: unknown) => {
          this.log('oidc idp interaction error', { error: String(err) });
          if (!res.headersSent) textReply(res, 400, `${(err as Error).message ?? err}\n`);
        });
        return;
      }
      handle(req, res);
    });
  }

  close(): void {
    this.server?.closeAllConnections();
    this.server?.close();
  }

  private providerConfig(): Record<string, unknown> {
    const claimNames = [...new Set(this.c.users.flatMap((u) => Object.keys(u.claims)))].filter(
      (k) => k !== 'sub',
    );
    const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const users = this.c.users;
    return {
      clients: [
        {
          client_id: this.clientId,
          client_secret: this.clientSecret,
          redirect_uris: [this.redirectUri],
          response_types: ['code'],
          grant_types: ['authorization_code'],
        },
      ],
      jwks: { keys: [{ ...jwk, kid: 'devcluster', use: 'sig', alg: 'RS256' }] },
      cookies: { keys: [randomBytes(32).toString('hex')] },
      // Every configured claim rides on the openid scope, and goes into the ID token too.
      claims: { openid: ['sub', ...claimNames] },
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      // Explicit lifetimes (seconds), short as a dev IdP needs.
      ttl: {
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
        AuthorizationCode: 60,
        AccessToken: 600,
        IdToken: 600,
      },
      interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
      findAccount: (_ctx: unknown, sub: string) => {
        const u = users.find((x) => x.name === sub);
        if (!u) return undefined;
        return { accountId: sub, claims: () => ({ ...u.claims, sub }) };
      },
      // The proxy is a first-party client: no consent page, the grant covers every claim.
      loadExistingGrant: async (ctx: OidcCtx) => {
        const id = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
        if (id) return ctx.oidc.provider.Grant.find(id);
        const grant = new ctx.oidc.provider.Grant({
          clientId: ctx.oidc.client.clientId,
          accountId: ctx.oidc.session.accountId,
        });
        grant.addOIDCScope('openid');
        grant.addOIDCClaims(['sub', ...claimNames]);
        await grant.save();
        return grant;
      },
    };
  }

  private async interaction(p: ProviderLike, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await p.interactionDetails(req, res);
    const title = `Sign in to ${this.c.display ?? this.c.name}`;
    const action = `/interaction/${details.uid}`;
    if (req.method === 'GET') return renderLoginForm(res, { title, action });
    const form = await readForm(req);
    if (form.get('action') === 'cancel') {
      return p.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false },
      );
    }
    const user = checkIdpUser(this.c, form.get('username') ?? '', form.get('password') ?? '');
    if (!user) return renderLoginForm(res, { title, action, error: 'Invalid username or password.' });
    return p.interactionFinished(
      req,
      res,
      { login: { accountId: user.name } },
      { mergeWithLastSubmission: false },
    );
  }
}
