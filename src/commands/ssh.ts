// tshjs ssh [user@]host [command...]: like tsh ssh — exec with the remote exit code as ours,
// shells with a PTY, -L/-R/-D forwards, and label targets (user@k=v) resolved as upstream
// lib/client/api.go SSH does. The session logic is in src/ssh/exec.ts.
import { splitTarget, sshLabels, sshSession } from '../ssh/exec.js';
import { parseDynamicForward, parseForwardSpec } from '../ssh/forward.js';
import { defaultLogin } from '../ssh/session.js';
import { TshError } from '../util/errors.js';
import { clusterFlag, defineCommand } from './command.js';
import type { CommandContext } from './context.js';

export interface SshOptions {
  target: string;
  command: string[];
  /** -t / -T */
  tty?: boolean;
  noTty?: boolean;
  port?: number;
  /** -L specs */
  local?: string[];
  /** -R specs */
  remote?: string[];
  /** -D [bind:]port */
  dynamic?: string[];
  /** -A */
  forwardAgent?: boolean;
  /** -N: no command, forwarding only */
  noCommand?: boolean;
  /** --request-reason: the reason of an automatic access request. */
  requestReason?: string;
  /** --request-mode: off | resource | role (else TELEPORT_REQUEST_MODE, else resource). */
  requestMode?: string;
  /** --disable-access-request (deprecated): --request-mode=off. */
  disableAccessRequest?: boolean;
}

export const ssh = defineCommand<SshOptions>({
  path: ['ssh'],
  description: 'Run shell or execute a command on a remote SSH node',
  args: [
    { name: '<[user@]host>', description: 'node name, UUID, or a label selector (user@env=prod)' },
    { name: '[command...]', description: 'command to run' },
  ],
  flags: [
    clusterFlag,
    { flags: '-p, --port <port>', description: 'SSH port on a remote host', parse: 'int' },
    { flags: '-t, --tty', description: 'Allocate TTY' },
    { flags: '-T, --no-tty', description: 'Disable TTY allocation' },
    {
      flags: '-L, --forward <spec>',
      description: 'Forward localhost connections to remote server ([bind:]port:host:hostport)',
      parse: 'list',
    },
    {
      flags: '-R, --remote-forward <spec>',
      description: 'Forward remote connections to localhost ([bind:]port:host:hostport)',
      parse: 'list',
    },
    {
      flags: '-D, --dynamic-forward <spec>',
      description: 'SOCKS5 proxy on localhost through the node ([bind:]port)',
      parse: 'list',
    },
    {
      flags: '-A, --forward-agent',
      description: 'Forward our in-memory key and certificate (SSH agent) to the node',
    },
    {
      flags: '-N, --no-remote-exec',
      description: "Don't execute remote command, useful for port forwarding",
    },
    { flags: '--request-reason <reason>', description: 'Reason for requesting access' },
    {
      flags: '--request-mode <mode>',
      description:
        'Type of automatic access request to make (off, resource, role) (env: TELEPORT_REQUEST_MODE)',
      choices: ['off', 'resource', 'role'],
    },
    {
      flags: '--disable-access-request',
      description: 'Disable automatic resource access requests (DEPRECATED: use --request-mode=off)',
    },
  ],
  // Lets `ssh host cmd -la` keep "-la" for the remote command.
  passThrough: true,
  options: (args, f) => {
    const command = (args[1] as string[] | undefined) ?? [];
    return {
      target: args[0] as string,
      // commander keeps an explicit "--" as the first word of the command; drop it.
      command: command[0] === '--' ? command.slice(1) : command,
      tty: f.tty === true,
      noTty: f.tty === false,
      port: f.port as number | undefined,
      local: f.forward as string[] | undefined,
      remote: f.remoteForward as string[] | undefined,
      dynamic: f.dynamicForward as string[] | undefined,
      noCommand: f.remoteExec === false,
      forwardAgent: f.forwardAgent === true,
      requestReason: f.requestReason as string | undefined,
      requestMode: f.requestMode as string | undefined,
      disableAccessRequest: f.disableAccessRequest === true,
    };
  },
  run: runSsh,
});

export const commands = [ssh];

export async function runSsh(o: SshOptions, ctx: CommandContext): Promise<number> {
  const { user, host } = splitTarget(o.target);
  if (!host) throw new TshError('no host given; usage: tshjs ssh [user@]host [command...]', 'bad-parameter');
  if (/^[^=]+:\d+$/.test(host)) {
    const port = host.split(':').pop();
    throw new TshError(
      `please use ssh subcommand with '--port=${port}' flag instead of semicolon`,
      'bad-parameter',
    );
  }
  const login = user || ctx.globals.login || defaultLogin();
  const command = o.command.join(' ');
  const forwards = {
    local: (o.local ?? []).map((f) => parseForwardSpec(f, '-L')),
    remote: (o.remote ?? []).map((f) => parseForwardSpec(f, '-R')),
    dynamic: (o.dynamic ?? []).map(parseDynamicForward),
  };
  const tc = ctx.client();
  const { cluster } = (await tc.cluster()).identity;
  const session = {
    command,
    // -t: a PTY for the command too; shells always get one (RunInteractiveShell).
    tty: !!o.tty,
    forwards,
    noCommand: o.noCommand,
    forwardAgent: o.forwardAgent,
  };
  if (host.includes('=')) return sshLabels(tc, ctx.io, { ...session, labels: host, login, cluster });
  const target = { host, port: o.port, login, cluster };
  try {
    return await sshSession(tc, ctx.io, target, session);
  } catch (err) {
    // A node the user may only request: tsh's automatic access request, then one more try.
    if (!(err instanceof TshError) || err.kind !== 'access-denied') throw err;
    const mode = o.disableAccessRequest ? 'off' : requestMode(o.requestMode ?? ctx.env.TELEPORT_REQUEST_MODE);
    if (mode === 'off') throw err;
    const { requestAccessForSsh } = await import('./request.js');
    await requestAccessForSsh(ctx, { ...target, mode, reason: o.requestReason }, err);
    // The certificates were reissued with the approved request: a fresh client reads them.
    return sshSession(ctx.client({}), ctx.io, target, session);
  }
}

function requestMode(v: string | undefined): 'off' | 'resource' | 'role' {
  if (!v) return 'resource';
  if (v === 'off' || v === 'resource' || v === 'role') return v;
  throw new TshError(`enum value must be one of off,resource,role, got '${v}'`, 'bad-parameter');
}
