// The SAML identity provider behind a `saml` connector: a `samlify` (2.13) IdP on 127.0.0.1 with
// the connector's users and its own login form (HTTP-Redirect binding in, HTTP-POST binding out,
// signed assertions), and the proxy's service provider entity that reads its responses.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTlsCa } from '../tlsca.js';
import type { ConnectorConfig, IdpUser } from './config.js';
import type { Samlify, SamlIdentityProvider, SamlServiceProvider } from './libtypes.js';
import { checkIdpUser } from './mapping.js';
import { readForm, renderAutoPost, renderLoginForm, textReply } from './loginform.js';

let samlifyLoaded: Promise<Samlify> | undefined;

/** samlify with a schema validator (it refuses to parse without one), loaded on first use. */
function loadSamlify(): Promise<Samlify> {
  samlifyLoaded ??= (async () => {
    // samlify is CommonJS: its exports may sit under `default` when imported from ESM.
    const mod = (await import('samlify' as string)) as unknown as Samlify & { default?: Samlify };
    const saml = mod.default && typeof mod.default.IdentityProvider === 'function' ? mod.default : mod;
    const validator = (await import('@authenio/samlify-xmllint-wasm' as string)) as {
      validate: (xml: string) => Promise<unknown>;
    };
    saml.setSchemaValidator({ validate: (xml: string) => validator.validate(xml) });
    return saml;
  })();
  return samlifyLoaded;
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

const NS_ATTR_BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';
const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const STATUS_RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder';
const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

/** One saml:Attribute per attribute, each value its own AttributeValue (multi-valued groups). */
function attributeStatement(u: IdpUser): string {
  const attrs = Object.entries(u.claims)
    .map(([name, v]) => {
      const values = (Array.isArray(v) ? v : [v])
        .map((x) => `<saml:AttributeValue xsi:type="xs:string">${esc(x)}</saml:AttributeValue>`)
        .join('');
      return `<saml:Attribute Name="${esc(name)}" NameFormat="${NS_ATTR_BASIC}">${values}</saml:Attribute>`;
    })
    .join('');
  return attrs ? `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` : '';
}

export class SamlIdp {
  private server?: http.Server;
  base = '';
  idp!: SamlIdentityProvider;
  sp!: SamlServiceProvider;

  constructor(
    private readonly c: ConnectorConfig,
    /** The proxy's assertion consumer service and SP entity ID. */
    private readonly acsURL: string,
    private readonly spEntityID: string,
    private readonly log: (msg: string, f?: Record<string, unknown>) => void,
  ) {}

  async start(): Promise<void> {
    const saml = await loadSamlify();
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log('saml idp error', { error: String(err) });
        if (!res.headersSent) textReply(res, 400, `${(err as Error).message ?? err}\n`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = await createTlsCa({ clusterName: `saml-idp-${this.c.name}`, key });
    const privateKey = key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const redirectBinding = saml.Constants.namespace.binding.redirect;
    const postBinding = saml.Constants.namespace.binding.post;
    this.idp = saml.IdentityProvider({
      entityID: `${this.base}/metadata`,
      signingCert: cert,
      privateKey,
      wantAuthnRequestsSigned: false,
      nameIDFormat: [NAMEID_UNSPECIFIED],
      singleSignOnService: [{ Binding: redirectBinding, Location: `${this.base}/sso` }],
      // Declared so samlify does not warn; single logout itself is not served.
      singleLogoutService: [{ Binding: redirectBinding, Location: `${this.base}/slo` }],
    });
    this.sp = saml.ServiceProvider({
      entityID: this.spEntityID,
      authnRequestsSigned: false,
      wantAssertionsSigned: true,
      wantMessageSigned: false,
      assertionConsumerService: [{ Binding: postBinding, Location: this.acsURL }],
    });
  }

  close(): void {
    this.server?.closeAllConnections();
    this.server?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    if (url.pathname === '/metadata') {
      const xml = this.idp.getMetadata();
      res.writeHead(200, { 'Content-Type': 'application/samlmetadata+xml' });
      res.end(xml);
      return;
    }
    if (url.pathname !== '/sso') return textReply(res, 404, 'not found\n');
    const title = `Sign in to ${this.c.display ?? this.c.name}`;
    if (req.method === 'GET') {
      const samlRequest = url.searchParams.get('SAMLRequest');
      if (!samlRequest) return textReply(res, 400, 'missing SAMLRequest\n');
      const hidden: Record<string, string> = { SAMLRequest: samlRequest };
      const relay = url.searchParams.get('RelayState');
      if (relay !== null) hidden.RelayState = relay;
      return renderLoginForm(res, { title, action: '/sso', hidden });
    }
    const form = await readForm(req);
    const query: Record<string, string> = { SAMLRequest: form.get('SAMLRequest') ?? '' };
    const relay = form.get('RelayState');
    if (relay !== null) query.RelayState = relay;
    const parsed = await this.idp.parseLoginRequest(this.sp, 'redirect', { query });
    let user: IdpUser | undefined;
    if (form.get('action') !== 'cancel') {
      user = checkIdpUser(this.c, form.get('username') ?? '', form.get('password') ?? '');
      if (!user) {
        return renderLoginForm(res, {
          title,
          action: '/sso',
          hidden: query,
          error: 'Invalid username or password.',
        });
      }
    }
    const inResponseTo = String((parsed.extract as { request?: { id?: string } }).request?.id ?? '');
    const out = await this.idp.createLoginResponse(
      this.sp,
      parsed,
      'post',
      {},
      {
        customTagReplacement: (template: string) => this.fill(template, inResponseTo, user),
        relayState: relay ?? undefined,
      },
    );
    const fields: Record<string, string> = { SAMLResponse: out.context };
    if (relay !== null) fields.RelayState = relay;
    renderAutoPost(res, this.acsURL, fields);
  }

  /** The response template's tags; no user means the login was cancelled (a Responder status). */
  private fill(template: string, inResponseTo: string, user?: IdpUser): { id: string; context: string } {
    const id = `_${randomBytes(20).toString('hex')}`;
    const now = new Date();
    const later = new Date(now.getTime() + 5 * 60_000).toISOString();
    const values: Record<string, string> = {
      ID: id,
      AssertionID: `_${randomBytes(20).toString('hex')}`,
      Destination: this.acsURL,
      Audience: this.spEntityID,
      EntityID: this.spEntityID,
      SubjectRecipient: this.acsURL,
      Issuer: `${this.base}/metadata`,
      IssueInstant: now.toISOString(),
      AssertionConsumerServiceURL: this.acsURL,
      StatusCode: user ? STATUS_SUCCESS : STATUS_RESPONDER,
      ConditionsNotBefore: now.toISOString(),
      ConditionsNotOnOrAfter: later,
      SubjectConfirmationDataNotOnOrAfter: later,
      NameIDFormat: NAMEID_UNSPECIFIED,
      NameID: user?.name ?? '',
      InResponseTo: inResponseTo,
      AuthnStatement: `<saml:AuthnStatement AuthnInstant="${now.toISOString()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
      AttributeStatement: user ? attributeStatement(user) : '',
    };
    const context = template.replace(/\{(\w+)\}/g, (m, k: string) =>
      k in values ? (k === 'AuthnStatement' || k === 'AttributeStatement' ? values[k] : esc(values[k])) : m,
    );
    return { id, context };
  }
}
