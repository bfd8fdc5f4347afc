// tshjs command line: a registry of command modules, global flags as tsh has them, and error
// reporting. Only the module of the command being run is loaded, so `tshjs version` stays fast.
import {
  Command,
  InvalidArgumentError,
  Option,
  type Command as CommandType,
  type Option as OptionType,
} from 'commander';
import type { AnyCommand, CommandModule, FlagSpec } from '../commands/command.js';
import type { ContextDeps, GlobalOptions } from '../commands/context.js';
import { TshError, errorLine } from '../util/errors.js';
import { processIO, type IO } from '../term/io.js';

/** Top-level command words and the module that declares them (a group's module declares all of it). */
export const REGISTRY: Record<string, () => Promise<CommandModule>> = {
  version: () => import('../commands/version.js'),
  login: () => import('../commands/login.js'),
  logout: () => import('../commands/logout.js'),
  status: () => import('../commands/status.js'),
  env: () => import('../commands/env.js'),
  ls: () => import('../commands/ls.js'),
  apps: () => import('../commands/apps.js'),
  db: () => import('../commands/db.js'),
  kube: () => import('../commands/kube.js'),
  desktop: () => import('../commands/desktop.js'),
  clusters: () => import('../commands/clusters.js'),
  ssh: () => import('../commands/ssh.js'),
  scp: () => import('../commands/scp.js'),
  play: () => import('../commands/play.js'),
  recordings: () => import('../commands/recordings.js'),
  proxy: () => import('../commands/proxy.js'),
  config: () => import('../commands/config.js'),
  request: () => import('../commands/request.js'),
  headless: () => import('../commands/headless.js'),
  daemon: () => import('../commands/daemon.js'),
};
export const ALIASES: Record<string, string> = { recording: 'recordings', requests: 'request', app: 'apps' };

/** Global flags tsh accepts before or after the command, and the env vars that back them. */
export const GLOBAL_FLAGS: ReadonlyArray<FlagSpec & { key?: keyof GlobalOptions; env?: string }> = [
  {
    flags: '--proxy <host:port>',
    description: 'Teleport proxy address',
    key: 'proxy',
    env: 'TELEPORT_PROXY',
  },
  { flags: '--user <name>', description: 'Teleport user', key: 'user', env: 'TELEPORT_USER' },
  { flags: '--ttl <minutes>', description: 'Minutes to live for a session', parse: 'int' },
  {
    flags: '-i, --identity <file>',
    description: 'Identity file',
    key: 'identity',
    env: 'TELEPORT_IDENTITY_FILE',
  },
  { flags: '--insecure', description: 'Do not verify the server certificate (test clusters only)' },
  {
    flags: '--auth <connector>',
    description: 'Name of authentication connector',
    key: 'auth',
    env: 'TELEPORT_AUTH',
  },
  { flags: '-l, --login <login>', description: 'Remote host login', key: 'login', env: 'TELEPORT_LOGIN' },
  { flags: '-d, --debug', description: 'Verbose logging to stderr', key: 'debug', env: 'TELEPORT_DEBUG' },
  { flags: '--skip-version-check', description: 'Skip version checking between server and client' },
  {
    flags: '--headless',
    description: 'Use headless login. Shorthand for --auth=headless.',
    key: 'headless',
    env: 'TELEPORT_HEADLESS',
  },
  {
    flags: '--mfa-mode <mode>',
    description: 'Preferred mode for MFA and Passwordless assertions',
    choices: ['auto', 'cross-platform', 'platform', 'otp', 'sso'],
    key: 'mfaMode',
    env: 'TELEPORT_MFA_MODE',
  },
];
/** Global options whose value is the next word (so it is not taken for a command name). */
const VALUE_FLAGS = new Set([
  '--proxy',
  '--user',
  '--ttl',
  '-i',
  '--identity',
  '--auth',
  '-l',
  '--login',
  '--mfa-mode',
]);

/** The command word of argv (aliases resolved), or undefined (none given, unknown, or help). */
export function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (VALUE_FLAGS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    const name = ALIASES[a] ?? a;
    return name in REGISTRY ? name : undefined;
  }
  return undefined;
}

function intArg(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number`);
    return n;
  };
}

function toOption(f: FlagSpec): OptionType {
  const o = new Option(f.flags, f.description);
  if (f.choices) o.choices(f.choices);
  if (f.default !== undefined) o.default(f.default);
  if (f.parse === 'int') o.argParser(intArg(o.long ?? f.flags));
  if (f.parse === 'list') o.argParser((v: string, prev: string[] = []) => [...prev, v]);
  if (f.hidden) o.hideHelp();
  return o;
}

/** The option words of a flag declaration: "-i, --identity <file>" -> ["-i", "--identity"]. */
export function flagWords(flags: string): string[] {
  return flags.split(/[\s,|]+/).filter((w) => w.startsWith('-'));
}

/**
 * The global flags as a command accepts them after its own words: a word (`-i`) that one of the
 * command's own flags declares is the command's, so `kube exec -i` is stdin there while `-i` stays
 * the identity file everywhere else, before the command word, and as `--identity` everywhere.
 */
export function globalFlagsFor(own: readonly FlagSpec[] = []): typeof GLOBAL_FLAGS {
  const taken = new Set(own.flatMap((f) => flagWords(f.flags)));
  const out: Array<(typeof GLOBAL_FLAGS)[number]> = [];
  for (const g of GLOBAL_FLAGS) {
    const words = flagWords(g.flags);
    const kept = words.filter((w) => !taken.has(w));
    if (kept.length === words.length) out.push(g);
    else if (kept.some((w) => w.startsWith('--'))) {
      const value = g.flags.match(/[<[].*[>\]]$/)?.[0];
      out.push({ ...g, flags: [kept.join(', '), value].filter(Boolean).join(' ') });
    }
  }
  return out;
}

function addFlags(cmd: CommandType, flags: ReadonlyArray<FlagSpec & { env?: string }>): CommandType {
  for (const f of flags) {
    cmd.addOption(toOption(f.env ? { ...f, description: `${f.description} (env: ${f.env})` } : f));
  }
  return cmd;
}

/** The global options of a parsed command, with TELEPORT_* from the injected env as fallbacks. */
function globalOptions(cmd: CommandType, env: NodeJS.ProcessEnv): GlobalOptions {
  const g = { ...cmd.optsWithGlobals() } as Record<string, unknown>;
  for (const f of GLOBAL_FLAGS) {
    if (f.key && f.env && g[f.key] === undefined && env[f.env]) g[f.key] = env[f.env];
  }
  // TELEPORT_DEBUG=false/0 means off.
  g.debug = !!g.debug && !['false', '0'].includes(String(g.debug));
  g.cluster ??= env.TELEPORT_CLUSTER || undefined;
  return g as GlobalOptions;
}

async function makeLogger(debug: boolean) {
  if (!debug) return undefined;
  const { pino } = await import('pino');
  const logger = pino({ level: 'debug', base: undefined }, pino.destination({ dest: 2, sync: true }));
  return (msg: string, fields?: Record<string, unknown>) => logger.debug(fields ?? {}, msg);
}

/** Runs tshjs with argv (without node and script); returns the exit code. */
export async function run(argv: string[], io: IO = processIO(), deps: ContextDeps = {}): Promise<number> {
  let code = 0;
  let debug = false;
  const program = addFlags(new Command('tshjs'), GLOBAL_FLAGS)
    .description('tshjs: a headless TypeScript client for Teleport, compatible with tsh')
    // Lets `ssh host cmd -la` keep "-la" for the remote command (passThroughOptions below).
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`ERROR: ${s.replace(/^error: /, '')}`),
    });

  const action = (def: AnyCommand) =>
    async function (this: CommandType, ...params: unknown[]): Promise<void> {
      const cmd = params[params.length - 1] as CommandType;
      const args = params.slice(0, -2);
      const g = globalOptions(cmd, io.env);
      debug = !!g.debug;
      const { CommandContext } = await import('../commands/context.js');
      const ctx = new CommandContext(io, g, await makeLogger(debug), deps);
      try {
        code = await def.run(def.options(args, cmd.opts()), ctx);
      } finally {
        ctx.close();
      }
    };

  // Register only the command being run (parsing ~20 command definitions is measurable at
  // startup); with no command name, or for help, register them all.
  const target = commandName(argv);
  const names = target ? [target] : Object.keys(REGISTRY);
  for (const name of names) {
    const mod = await REGISTRY[name]();
    let parent: CommandType = program;
    if (mod.group) {
      parent = program
        .command(mod.group.name, { hidden: mod.group.hidden })
        .description(mod.group.description);
      for (const a of mod.group.aliases ?? []) parent.alias(a);
    }
    for (const def of mod.commands) {
      const word = def.path[def.path.length - 1];
      const cmd = addFlags(parent.command(word, { hidden: def.hidden }), globalFlagsFor(def.flags));
      cmd.description(def.description);
      for (const a of def.aliases ?? []) cmd.alias(a);
      for (const a of def.args ?? []) cmd.argument(a.name, a.description);
      addFlags(cmd, def.flags ?? []);
      if (def.passThrough) cmd.passThroughOptions();
      cmd.action(action(def));
    }
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version'
        ? 0
        : (e.exitCode ?? 1) || 1;
    }
    reportError(io, err, debug);
    return err instanceof TshError ? err.exitCode : 1;
  }
  return code;
}

function reportError(io: IO, err: unknown, debug: boolean): void {
  const prefix = io.stderr.isTTY ? '\x1b[31mERROR: \x1b[0m' : 'ERROR: ';
  io.stderr.write(`${prefix}${errorLine(err)}\n`);
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
}
