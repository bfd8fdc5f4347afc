// tshjs command line: global flags as tsh, thin commands loaded lazily so `version` stays fast.
import { createRequire } from 'node:module';
import type { Command as CommandType } from 'commander';

// require() skips the ESM-to-CJS export scan of commander, a measurable part of startup.
const { Command, InvalidArgumentError, Option } = createRequire(import.meta.url)(
  'commander',
) as typeof import('commander');
type Command = CommandType;
import type { ClientContext, GlobalOptions, Logger } from '../client/context.js';
import { TshError, errorLine } from '../util/errors.js';
import { processIO, type IO } from '../term/io.js';
import { FORMATS, type Format } from '../output/output.js';

function intArg(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number`);
    return n;
  };
}

const COMMANDS = new Set([
  'version',
  'login',
  'logout',
  'status',
  'env',
  'ls',
  'apps',
  'db',
  'kube',
  'desktop',
  'clusters',
  'ssh',
  'scp',
  'play',
  'recordings',
  'recording',
  'proxy',
  'config',
]);
/** Global options whose value is the next word (so it is not taken for a command name). */
const VALUE_FLAGS = new Set(['--proxy', '--user', '--ttl', '-i', '--identity', '--auth', '-l', '--login']);

/** The command word of argv, or undefined (none given, or help asked for). */
export function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (VALUE_FLAGS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    if (a === 'recording') return 'recordings';
    return COMMANDS.has(a) ? a : undefined;
  }
  return undefined;
}

/** Repeatable options (-L a -L b). */
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Global flags and the env vars that back them; env is read from the injected IO, not process.env. */
const GLOBAL_ENV: Array<[keyof GlobalOptions, string]> = [
  ['proxy', 'TELEPORT_PROXY'],
  ['user', 'TELEPORT_USER'],
  ['identity', 'TELEPORT_IDENTITY_FILE'],
  ['auth', 'TELEPORT_AUTH'],
  ['login', 'TELEPORT_LOGIN'],
  ['debug', 'TELEPORT_DEBUG'],
  ['cluster', 'TELEPORT_CLUSTER'],
];

/** tsh accepts global flags before or after the subcommand; add them to every command. */
function addGlobals(cmd: Command): Command {
  return cmd
    .addOption(new Option('--proxy <host:port>', 'Teleport proxy address (env: TELEPORT_PROXY)'))
    .addOption(new Option('--user <name>', 'Teleport user (env: TELEPORT_USER)'))
    .addOption(new Option('--ttl <minutes>', 'Minutes to live for a session').argParser(intArg('--ttl')))
    .addOption(new Option('-i, --identity <file>', 'Identity file (env: TELEPORT_IDENTITY_FILE)'))
    .addOption(new Option('--insecure', 'Do not verify the server certificate (test clusters only)'))
    .addOption(new Option('--auth <connector>', 'Name of authentication connector (env: TELEPORT_AUTH)'))
    .addOption(new Option('-l, --login <login>', 'Remote host login (env: TELEPORT_LOGIN)'))
    .addOption(new Option('-d, --debug', 'Verbose logging to stderr (env: TELEPORT_DEBUG)'))
    .addOption(new Option('--skip-version-check', 'Skip version checking between server and client'));
}

function formatOption(extra: string[] = []): InstanceType<typeof Option> {
  return new Option('-f, --format <format>', 'Output format').choices([...FORMATS, ...extra]).default('text');
}

function clusterOption(): InstanceType<typeof Option> {
  return new Option('-c, --cluster <name>', 'Teleport cluster (env: TELEPORT_CLUSTER)');
}

async function makeLogger(debug: boolean, io: IO): Promise<Logger> {
  if (!debug) return () => {};
  const { pino } = await import('pino');
  const logger = pino({ level: 'debug', base: undefined }, pino.destination({ dest: 2, sync: true }));
  void io;
  return (msg, fields) => logger.debug(fields ?? {}, msg);
}

export interface RunResult {
  code: number;
}

export async function run(argv: string[], io: IO = processIO()): Promise<number> {
  let ctxPromise: Promise<ClientContext> | undefined;
  let debug = false;
  const context = async (cmd: Command): Promise<ClientContext> => {
    const g = { ...(cmd.optsWithGlobals() as GlobalOptions & { debug?: unknown }) } as Record<
      string,
      unknown
    >;
    for (const [key, envVar] of GLOBAL_ENV) {
      if (g[key] === undefined && io.env[envVar] !== undefined && io.env[envVar] !== '')
        g[key] = io.env[envVar];
    }
    // TELEPORT_DEBUG=false/0 means off.
    debug = !!g.debug && !['false', '0'].includes(String(g.debug));
    const { ClientContext } = await import('../client/context.js');
    const opts = { ...g, debug } as GlobalOptions;
    ctxPromise = Promise.resolve(new ClientContext(io, opts, await makeLogger(debug, io)));
    return ctxPromise;
  };

  let code = 0;
  // Register only the command being run (parsing ~20 command definitions is measurable at
  // startup); with no command name, or for help, register them all.
  const target = commandName(argv);
  const want = (name: string) => !target || target === name;
  const program = addGlobals(new Command('tshjs'))
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

  if (want('version')) {
    addGlobals(program.command('version'))
      .description('Print the tshjs and Teleport versions')
      .addOption(formatOption())
      .option('--client', 'Show the client version only (no proxy round trip)')
      .action(async (o: { format: Format; client?: boolean }, cmd: Command) => {
        const { runVersion } = await import('../commands/version.js');
        code = await runVersion(await context(cmd), o);
      });
  }

  if (want('login')) {
    addGlobals(program.command('login'))
      .description('Log in to a cluster and retrieve the session certificate')
      .argument('[proxy]', 'proxy address (same as --proxy)')
      .addOption(formatOption())
      .addOption(clusterOption())
      .option('-o, --out <file>', 'Write an identity file to this path instead of saving a profile')
      .option('--otp <code>', 'One-time password (else prompted, or read as the second line of stdin)')
      .action(
        async (
          proxyArg: string | undefined,
          o: { format: Format; out?: string; otp?: string },
          cmd: Command,
        ) => {
          const { runLogin } = await import('../commands/login.js');
          code = await runLogin(await context(cmd), { ...o, proxyArg });
        },
      );
  }

  if (want('logout')) {
    addGlobals(program.command('logout'))
      .description('Delete a cluster certificate')
      .action(async (_o: unknown, cmd: Command) => {
        const { runLogout } = await import('../commands/logout.js');
        code = runLogout(await context(cmd));
      });
  }

  if (want('status')) {
    addGlobals(program.command('status'))
      .description('Display the list of proxy servers and retrieved certificates')
      .addOption(formatOption())
      .option('-v, --verbose', 'Show extra status information')
      .action(async (o: { format: Format; verbose?: boolean }, cmd: Command) => {
        const { runStatus } = await import('../commands/status.js');
        code = runStatus(await context(cmd), o);
      });
  }

  if (want('env')) {
    addGlobals(program.command('env'))
      .description('Print commands to set Teleport session environment variables')
      .addOption(formatOption())
      .option('--unset', 'Print commands to clear Teleport session environment variables')
      .action(async (o: { format: Format; unset?: boolean }, cmd: Command) => {
        const { runEnv } = await import('../commands/env.js');
        code = runEnv(await context(cmd), o);
      });
  }

  const listCommand = (cmd: Command, description: string, extraFormats: string[] = []) =>
    addGlobals(cmd)
      .description(description)
      .argument('[labels...]', 'labels to filter by, e.g. env=prod,team=a')
      .addOption(formatOption(extraFormats))
      .addOption(clusterOption())
      .option('-v, --verbose', 'One-line output (for text format), including IDs')
      .option(
        '--search <keywords>',
        'List of comma separated search keywords or phrases enclosed in quotations',
      )
      .option('--query <predicate>', 'Query by predicate language enclosed in single quotes');

  type ListOpts = { format: Format; verbose?: boolean; search?: string; query?: string; quiet?: boolean };

  if (want('ls')) {
    listCommand(program.command('ls'), 'List remote SSH nodes', ['names']).action(
      async (labels: string[], o: ListOpts, cmd: Command) => {
        const { runLs } = await import('../commands/ls.js');
        code = await runLs(await context(cmd), { ...o, format: o.format as 'text', labels });
      },
    );
  }

  if (want('apps')) {
    const apps = program.command('apps').description('View and control proxied applications');
    listCommand(apps.command('ls'), 'List available applications').action(
      async (labels: string[], o: ListOpts, cmd: Command) => {
        const { runAppsLs } = await import('../commands/apps.js');
        code = await runAppsLs(await context(cmd), { ...o, labels });
      },
    );
  }

  if (want('db')) {
    const db = program.command('db').description('View and control proxied databases');
    listCommand(db.command('ls'), 'List all available databases').action(
      async (labels: string[], o: ListOpts, cmd: Command) => {
        const { runDbLs } = await import('../commands/db.js');
        code = await runDbLs(await context(cmd), { ...o, labels });
      },
    );
  }

  if (want('kube')) {
    const kube = program.command('kube').description('Manage available Kubernetes clusters');
    listCommand(kube.command('ls'), 'Get a list of Kubernetes clusters')
      .option('-q, --quiet', 'Quiet mode')
      .action(async (labels: string[], o: ListOpts, cmd: Command) => {
        const { runKubeLs } = await import('../commands/kube.js');
        code = await runKubeLs(await context(cmd), { ...o, labels });
      });
  }

  if (want('desktop')) {
    const desktop = program.command('desktop').description('Windows desktops');
    listCommand(desktop.command('ls'), 'List Windows desktops').action(
      async (labels: string[], o: ListOpts, cmd: Command) => {
        const { runDesktopLs } = await import('../commands/desktop.js');
        code = await runDesktopLs(await context(cmd), { ...o, labels });
      },
    );
  }

  if (want('clusters')) {
    addGlobals(program.command('clusters'))
      .description('List available Teleport clusters')
      .addOption(formatOption())
      .option('-q, --quiet', 'Quiet mode')
      .option('-v, --verbose', 'Verbose table output, shows full label output')
      .action(async (o: ListOpts, cmd: Command) => {
        const { runClusters } = await import('../commands/clusters.js');
        code = await runClusters(await context(cmd), o);
      });
  }

  if (want('ssh')) {
    addGlobals(program.command('ssh'))
      .description('Run shell or execute a command on a remote SSH node')
      .argument('<[user@]host>', 'node name, UUID, or a label selector (user@env=prod)')
      .argument('[command...]', 'command to run')
      .addOption(clusterOption())
      .option('-p, --port <port>', 'SSH port on a remote host', intArg('--port'))
      .option('-t, --tty', 'Allocate TTY')
      .option('-T, --no-tty', 'Disable TTY allocation')
      .option(
        '-L, --forward <spec>',
        'Forward localhost connections to remote server ([bind:]port:host:hostport)',
        collect,
      )
      .option(
        '-R, --remote-forward <spec>',
        'Forward remote connections to localhost ([bind:]port:host:hostport)',
        collect,
      )
      .option(
        '-D, --dynamic-forward <spec>',
        'SOCKS5 proxy on localhost through the node ([bind:]port)',
        collect,
      )
      .option('-A, --forward-agent', 'Forward our in-memory key and certificate (SSH agent) to the node')
      .option('-N, --no-remote-exec', "Don't execute remote command, useful for port forwarding")
      .passThroughOptions()
      .action(
        async (
          target: string,
          command: string[],
          o: {
            port?: number;
            tty?: boolean;
            forward?: string[];
            remoteForward?: string[];
            dynamicForward?: string[];
            remoteExec?: boolean;
            forwardAgent?: boolean;
          },
          cmd: Command,
        ) => {
          const { runSsh } = await import('../commands/ssh.js');
          // commander keeps an explicit "--" as the first word of the command; drop it.
          const words = command[0] === '--' ? command.slice(1) : command;
          code = await runSsh(await context(cmd), {
            target,
            command: words,
            tty: o.tty === true,
            noTty: o.tty === false,
            port: o.port,
            local: o.forward,
            remote: o.remoteForward,
            dynamic: o.dynamicForward,
            noCommand: o.remoteExec === false,
            forwardAgent: o.forwardAgent === true,
          });
        },
      );
  }

  if (want('scp')) {
    addGlobals(program.command('scp'))
      .description('Transfer files to a remote SSH node')
      .argument('<paths...>', 'SOURCE... DEST, a remote path is [user@]host:path')
      .addOption(clusterOption())
      .option('-r, --recursive', 'Recursive copy of subdirectories')
      .option('-p, --preserve', 'Preserves access and modification times from the original file')
      .option('-P, --port <port>', 'Port to connect to on the remote host', intArg('--port'))
      .option('-q, --quiet', 'Quiet mode')
      .action(
        async (
          paths: string[],
          o: { recursive?: boolean; preserve?: boolean; port?: number; quiet?: boolean },
          cmd: Command,
        ) => {
          const { runScp } = await import('../commands/scp.js');
          code = await runScp(await context(cmd), {
            sources: paths.slice(0, -1),
            dest: paths.length > 1 ? paths[paths.length - 1] : '',
            recursive: o.recursive,
            preserve: o.preserve,
            port: o.port,
            quiet: o.quiet,
          });
        },
      );
  }

  if (want('play')) {
    addGlobals(program.command('play'))
      .description('Replay a recorded session from the cluster or a local recording file')
      .argument('<session-id|file>', 'session ID, or path to a recording file (*.tar)')
      .addOption(formatOption())
      .option('--speed <n>', 'Playback speed, 0.5 to 8 (text format)')
      .option('--skip-idle-time', 'Cap pauses in the playback at 500 ms (text format)')
      .action(
        async (
          target: string,
          o: { format: string; speed?: string; skipIdleTime?: boolean },
          cmd: Command,
        ) => {
          const { runPlay } = await import('../commands/play.js');
          code = await runPlay(await context(cmd), {
            target,
            format: o.format,
            speed: o.speed,
            skipIdleTime: o.skipIdleTime,
          });
        },
      );
  }

  if (want('recordings')) {
    const recordings = program
      .command('recordings')
      .alias('recording')
      .description('View and control session recordings');
    addGlobals(recordings.command('ls'))
      .description('List recorded sessions')
      .addOption(formatOption())
      .option('--from-utc <date>', 'Start of time range in which recordings are listed. Format 2006-01-02')
      .option('--to-utc <date>', 'End of time range in which recordings are listed. Format 2006-01-02')
      .option('--limit <n>', 'Maximum number of recordings to show', '50')
      .option(
        '--last <duration>',
        'Duration into the past from which session recordings should be listed, e.g. 5h30m40s',
      )
      .action(
        async (
          o: { format: string; fromUtc?: string; toUtc?: string; limit?: string; last?: string },
          cmd: Command,
        ) => {
          const { runRecordingsLs } = await import('../commands/recordings.js');
          code = await runRecordingsLs(await context(cmd), o);
        },
      );
  }

  if (want('proxy')) {
    const proxy = program
      .command('proxy')
      .description('Run local TLS proxy allowing connecting to Teleport in single-port mode');
    addGlobals(proxy.command('ssh'))
      .description('Start local TLS proxy for ssh connections when using Teleport in single-port mode')
      .argument('<[user@]host[:port]>', 'target node')
      .addOption(clusterOption())
      .action(async (target: string, _o: unknown, cmd: Command) => {
        const { runProxySsh } = await import('../commands/proxyssh.js');
        code = await runProxySsh(await context(cmd), { target });
      });
  }

  if (want('config')) {
    addGlobals(program.command('config'))
      .description('Print OpenSSH configuration details')
      .action(async (_o: unknown, cmd: Command) => {
        const { runConfig } = await import('../commands/config.js');
        code = runConfig(await context(cmd));
      });
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
