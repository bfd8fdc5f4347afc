// Headless authentication (tool/tsh/common headless.go + the --headless path of login):
// `tshjs headless approve <request id>` approves a headless login from a logged-in machine, and
// runHeadlessLogin() is `tshjs login --headless`. Other commands run with --headless get a
// LazyHeadlessClient from their context (src/client/headlessclient.ts). docs/headless.md.
import { profileNameFromAddr } from '../auth/profile.js';
import { headlessLogin, type HeadlessSession } from '../client/headless.js';
import { headlessApprove } from '../client/headlessapprove.js';
import { statusFromCerts } from '../client/status.js';
import { statusText } from '../output/statusformat.js';
import { TshError } from '../util/errors.js';
import { localUsername } from '../util/osuser.js';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';

export interface HeadlessApproveCommandOptions {
  id: string;
  skipConfirm: boolean;
}

/** tsh's TELEPORT_HEADLESS_SKIP_CONFIRM (a Go bool). */
function envBool(v: string | undefined): boolean {
  return !!v && ['1', 't', 'true', 'yes'].includes(v.toLowerCase());
}

export const headlessApproveCommand = defineCommand<HeadlessApproveCommandOptions>({
  path: ['headless', 'approve'],
  description: 'Approve a headless authentication request',
  args: [{ name: '<request id>', description: 'headless authentication request ID' }],
  flags: [
    {
      flags: '--skip-confirm',
      description: 'Skip confirmation and prompt for MFA immediately (env: TELEPORT_HEADLESS_SKIP_CONFIRM)',
    },
  ],
  options: (args, f) => ({ id: String(args[0] ?? ''), skipConfirm: f.skipConfirm === true }),
  run: runHeadlessApprove,
});

export const group = { name: 'headless', description: 'Headless authentication commands' };
export const commands = [headlessApproveCommand];

export async function runHeadlessApprove(
  o: HeadlessApproveCommandOptions,
  ctx: CommandContext,
): Promise<number> {
  if (!o.id) throw new TshError('no headless authentication request ID given', 'bad-parameter');
  const skip = o.skipConfirm || envBool(ctx.env.TELEPORT_HEADLESS_SKIP_CONFIRM);
  const cc = await ctx.client().cluster();
  const decision = await headlessApprove(cc, {
    id: o.id,
    confirm: !skip,
    prompter: ctx.prompter(),
    out: (t) => ctx.io.stdout.write(t),
    env: ctx.env,
  });
  // A "no" at the prompt denies the request; tsh exits 0 either way.
  ctx.log('headless authentication', { id: o.id, decision });
  return 0;
}

/** Logs in headlessly with the command's globals (proxy, user, cluster, ttl). */
export async function headlessSession(ctx: CommandContext, proxyArg?: string): Promise<HeadlessSession> {
  const g = ctx.globals;
  const proxy = proxyArg || g.proxy;
  if (!proxy) {
    throw new TshError(
      'headless login needs the proxy address; pass --proxy=host:port or set TELEPORT_PROXY',
      'bad-parameter',
    );
  }
  const config = ctx.clientConfig({ proxy });
  return headlessLogin(config, {
    proxy,
    user: g.user || localUsername() || '',
    ttl: g.ttl,
    insecure: g.insecure,
    skipVersionCheck: g.skipVersionCheck,
    warn: (t) => ctx.io.stderr.write(t),
  });
}

/**
 * `tshjs login --headless` (or --auth=headless): the login as tsh does it, the status block of
 * the in-memory profile, and nothing saved — the certificates end with the process.
 */
export async function runHeadlessLogin(ctx: CommandContext, proxyArg?: string): Promise<number> {
  const s = await headlessSession(ctx, proxyArg);
  const id = s.identity;
  const status = statusFromCerts({
    name: profileNameFromAddr(id.webProxyAddr),
    webProxyAddr: id.webProxyAddr,
    username: id.username,
    cluster: id.cluster,
    kubeEnabled: false,
    sshCert: s.sshCert,
    tlsCert: s.tlsCert,
    isActive: true,
  });
  ctx.io.stdout.write(statusText(status, { debug: ctx.globals.debug }));
  return 0;
}
