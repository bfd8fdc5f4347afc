// Whether a command runs headless: tsh's --headless (TELEPORT_HEADLESS, a Go bool) or
// --auth=headless (constants.HeadlessConnector). Kept apart from ./headless.ts so the check loads
// nothing else.

/** constants.HeadlessConnector: --auth=headless means the same as --headless. */
export const HEADLESS_CONNECTOR = 'headless';

export function wantsHeadless(g: { headless?: boolean | string; auth?: string }): boolean {
  const h = g.headless;
  const on = typeof h === 'string' ? ['1', 't', 'true', 'yes'].includes(h.toLowerCase()) : !!h;
  return on || g.auth === HEADLESS_CONNECTOR;
}
