// The few parts of the IdP libraries' APIs this directory uses, typed here so the code compiles
// without their own type declarations (they are loaded with import() only when a connector is
// used): openid-client 6 (the proxy as OIDC relying party) and samlify 2.13.

/** openid-client 6. */
export interface OpenIdClient {
  discovery(
    server: URL,
    clientId: string,
    metadata: undefined,
    clientAuth: unknown,
    options: { execute: unknown[] },
  ): Promise<OidcConfiguration>;
  ClientSecretBasic(secret: string): unknown;
  allowInsecureRequests: unknown;
  randomPKCECodeVerifier(): string;
  randomNonce(): string;
  calculatePKCECodeChallenge(verifier: string): Promise<string>;
  buildAuthorizationUrl(config: OidcConfiguration, params: Record<string, string>): URL;
  authorizationCodeGrant(
    config: OidcConfiguration,
    currentUrl: URL,
    checks: { pkceCodeVerifier?: string; expectedState?: string; expectedNonce?: string },
  ): Promise<{ access_token: string; claims(): Record<string, unknown> | undefined }>;
  fetchUserInfo(
    config: OidcConfiguration,
    accessToken: string,
    expectedSubject: string,
  ): Promise<Record<string, unknown>>;
}
/** openid-client's Configuration, opaque here. */
export type OidcConfiguration = { readonly __brand?: 'openid-client Configuration' };

/** What samlify's parse functions resolve to. */
export interface SamlFlowResult {
  samlContent: string;
  extract: Record<string, unknown>;
}
export interface SamlIdentityProvider {
  getMetadata(): string;
  parseLoginRequest(
    sp: SamlServiceProvider,
    binding: string,
    req: { query: Record<string, string> },
  ): Promise<SamlFlowResult>;
  createLoginResponse(
    sp: SamlServiceProvider,
    requestInfo: SamlFlowResult,
    binding: string,
    user: Record<string, unknown>,
    options: {
      customTagReplacement: (template: string) => { id: string; context: string };
      relayState?: string;
    },
  ): Promise<{ id: string; context: string }>;
}
export interface SamlServiceProvider {
  createLoginRequest(
    idp: SamlIdentityProvider,
    binding: string,
    options: { relayState: string },
  ): { id: string; context: string };
  parseLoginResponse(
    idp: SamlIdentityProvider,
    binding: string,
    req: { body: Record<string, string> },
  ): Promise<SamlFlowResult>;
}
/** samlify 2.13. */
export interface Samlify {
  Constants: { namespace: { binding: { redirect: string; post: string } } };
  IdentityProvider(settings: Record<string, unknown>): SamlIdentityProvider;
  ServiceProvider(settings: Record<string, unknown>): SamlServiceProvider;
  setSchemaValidator(v: { validate: (xml: string) => Promise<unknown> }): void;
}
