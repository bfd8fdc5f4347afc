// `tshjs-devcluster` command line.
import { Command, Option } from 'commander';
import { totp } from '../auth/totp.js';
import { VERSION } from '../version.js';
import { authSign } from './authsign.js';
import { ConfigError, DEMO_TOTP_SECRET, demoConfig, loadConfigFile } from './config.js';
import { DevCluster } from './server.js';

/** JSON lines on stderr: `listening` and errors (`level: "error"`) always, the rest with --debug. */
function stderrLogger(debug: boolean) {
  return (msg: string, fields: Record<string, unknown> = {}) => {
    if (!debug && msg !== 'listening' && fields.level !== 'error') return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...fields })}\n`);
  };
}

/**
 * The last line of defence, not the fix: every stream, socket and promise of a session has its own
 * handler, so that a failure ends only that session. Should one still escape, it is logged as an
 * error (tests look for this text) and the cluster goes on serving the other sessions.
 */
function keepServing(log: ReturnType<typeof stderrLogger>): void {
  const report = (what: string) => (err: unknown) =>
    log(what, {
      level: 'error',
      error: (err as Error)?.message ?? String(err),
      stack: (err as Error)?.stack,
    });
  process.on('unhandledRejection', report('unhandled rejection'));
  process.on('uncaughtException', report('uncaught exception'));
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('tshjs-devcluster')
    .description('A local, Teleport-compatible cluster for tests, demos and CI')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  let exitCode = 0;
  program
    .command('start')
    .description('Start the cluster; prints one JSON line to stdout when ready')
    .option('--config <file>', 'cluster config (YAML); default: the demo cluster')
    .option('--listen <host:port>', 'TLS address (port 0 picks a free port)', '127.0.0.1:3080')
    .option('--data-dir <dir>', 'where CA keys persist; default: in memory only')
    .addOption(new Option('-d, --debug', 'log requests to stderr').env('TELEPORT_DEBUG'))
    .action(async (o: { config?: string; listen: string; dataDir?: string; debug?: boolean }) => {
      const cfg = o.config ? loadConfigFile(o.config) : demoConfig();
      const log = stderrLogger(!!o.debug);
      keepServing(log);
      const dc = await DevCluster.start({ config: cfg, listen: o.listen, dataDir: o.dataDir, log });
      process.stdout.write(`${JSON.stringify(dc.readyInfo())}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          dc.stop().then(resolve, resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  program
    .command('otp')
    .description('Print the current TOTP code for a secret (the demo user bob by default)')
    .option('--secret <base32>', 'TOTP secret', DEMO_TOTP_SECRET)
    .action((o: { secret: string }) => {
      process.stdout.write(`${totp(o.secret)}\n`);
    });

  const auth = program.command('auth').description('Operations with the cluster certificate authorities');
  auth
    .command('sign')
    .description('Sign a database server certificate with the database CA (as tctl auth sign --format=db)')
    .requiredOption('-o, --out <prefix>', 'write PREFIX.crt, PREFIX.key and PREFIX.cas')
    .option('--format <format>', 'identity format: db', 'file')
    .option('--host <hosts>', 'host names and IPs for the certificate, comma-separated (the first is the CN)')
    .option('--ttl <duration>', 'certificate lifetime (Go duration)', '12h0m0s')
    .option('--data-dir <dir>', 'the cluster data dir holding its CAs (start --data-dir)')
    .option('--overwrite', 'overwrite existing destination files')
    .action(
      async (o: {
        out: string;
        format: string;
        host?: string;
        ttl: string;
        dataDir?: string;
        overwrite?: boolean;
      }) => {
        process.stdout.write(await authSign(o));
      },
    );

  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (e.code?.startsWith('commander.')) return e.exitCode ?? 1;
    const msg = err instanceof ConfigError ? e.message : `tshjs-devcluster: ${e.message}`;
    process.stderr.write(`ERROR: ${msg}\n`);
    if (process.env.TELEPORT_DEBUG) process.stderr.write(`${e.stack}\n`);
    exitCode = 1;
  }
  return exitCode;
}
