// tshjs login: log in and print the status block, or write an identity file with --out.
import { StdioPrompter } from '../term/prompt.js';
import type { ClientContext } from '../client/context.js';
import { login } from '../client/login.js';
import { TshError } from '../util/errors.js';
import type { Format } from '../output/output.js';
import { runStatus } from './status.js';
import { userInfo } from 'node:os';

export interface LoginCommandOptions {
  format: Format;
  out?: string;
  otp?: string;
  /** positional proxy, as `tsh login proxy.example.com` */
  proxyArg?: string;
}

function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

export async function runLogin(ctx: ClientContext, o: LoginCommandOptions): Promise<number> {
  const proxy = o.proxyArg || ctx.opts.proxy || ctx.selectedProfile()?.webProxyAddr;
  if (!proxy)
    throw new TshError(
      'no proxy address given; pass --proxy=host:port or set TELEPORT_PROXY',
      'bad-parameter',
    );
  const user = ctx.opts.user || ctx.selectedProfile()?.username || defaultUser();
  if (!user) throw new TshError('no user given; pass --user', 'bad-parameter');
  if (ctx.opts.ttl !== undefined && (!Number.isInteger(ctx.opts.ttl) || ctx.opts.ttl <= 0)) {
    throw new TshError(`--ttl must be a positive number of minutes, got ${ctx.opts.ttl}`, 'bad-parameter');
  }
  const prompter = new StdioPrompter(ctx.io);
  try {
    const res = await login(ctx, {
      proxy,
      user,
      ttl: ctx.opts.ttl,
      otp: o.otp,
      out: o.out,
      insecure: ctx.opts.insecure,
      authConnector: ctx.opts.auth,
      skipVersionCheck: ctx.opts.skipVersionCheck,
      warn: (t) => ctx.io.stderr.write(t),
      prompter,
    });
    if (res.identityFile) {
      ctx.io.stdout.write(`\nThe certificate has been written to ${res.identityFile}\n`);
      return 0;
    }
  } finally {
    prompter.close();
  }
  // The status block for the profile just written, as tsh prints after login.
  const statusCtx = Object.create(ctx, { opts: { value: { ...ctx.opts, proxy } } }) as ClientContext;
  return runStatus(statusCtx, { format: o.format });
}
