// `tshjs login` flags of the SSO console flow, as tool/tsh/common/tsh.go names them (--bind-addr
// and --callback are global there; here they belong to login, their only user). Kept beside the
// flow so the login command only spreads them in.
export const SSO_LOGIN_FLAGS = [
  {
    flags: '--browser <browser>',
    description: 'Set to "none" to suppress browser opening on login (the link is printed)',
  },
  {
    flags: '--bind-addr <host:port>',
    description:
      'Override host:port used when opening a browser for cluster logins (env: TELEPORT_LOGIN_BIND_ADDR)',
  },
  {
    flags: '--callback <url>',
    description:
      'Override the base URL (host:port) of the link shown when opening a browser for cluster logins. Must be used with --bind-addr.',
  },
] as const;

/** The values of SSO_LOGIN_FLAGS, under the LoginOptions names. */
export interface SsoLoginFlags {
  browser?: string;
  bindAddr?: string;
  callbackAddr?: string;
}

export function ssoFlagValues(f: Record<string, unknown>): SsoLoginFlags {
  const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { browser: s(f.browser), bindAddr: s(f.bindAddr), callbackAddr: s(f.callback) };
}
