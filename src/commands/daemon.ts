// tshjs daemon start: the Teleport Connect backend (tsh daemon start). The gRPC and daemon modules
// load only when the command runs, so other commands never pay for them.
import { TshError } from '../util/errors.js';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';

export interface DaemonStartOptions {
  addr?: string;
  certsDir?: string;
  prehogAddr?: string;
  kubeconfigsDir?: string;
  agentsDir?: string;
  installationId?: string;
  addKeysToAgent?: string;
}

// Hidden upstream (tsh daemon is for Teleport Connect); src/cli honors `hidden` once it reads it.
export const group = { name: 'daemon', description: 'Daemon is the tsh daemon service', hidden: true };

export const start = defineCommand<DaemonStartOptions>({
  path: ['daemon', 'start'],
  description: 'Starts tsh daemon service',
  hidden: true,
  flags: [
    {
      flags: '--addr <addr>',
      description:
        'Addr is the daemon listening address (unix:///path, or tcp://host:port with --certs-dir).',
    },
    {
      flags: '--certs-dir <dir>',
      description: 'Directory containing certs used to create secure gRPC connection with daemon service',
    },
    { flags: '--prehog-addr <url>', description: 'URL where prehog events should be submitted' },
    {
      flags: '--kubeconfigs-dir <dir>',
      description: 'Directory containing kubeconfig for Kubernetes Access',
    },
    {
      flags: '--agents-dir <dir>',
      description: 'Directory containing agent config files and data directories for Connect My Computer',
    },
    {
      flags: '--installation-id <id>',
      description: 'Unique ID identifying a specific Teleport Connect installation',
    },
    {
      flags: '--add-keys-to-agent <mode>',
      description: 'Controls how keys are handled (accepted, unused)',
      hidden: true,
    },
  ],
  options: (_args, f) => ({
    addr: f.addr as string | undefined,
    certsDir: f.certsDir as string | undefined,
    prehogAddr: f.prehogAddr as string | undefined,
    kubeconfigsDir: f.kubeconfigsDir as string | undefined,
    agentsDir: f.agentsDir as string | undefined,
    installationId: f.installationId as string | undefined,
    addKeysToAgent: f.addKeysToAgent as string | undefined,
  }),
  run: runDaemonStart,
});

export const commands = [start];

export async function runDaemonStart(o: DaemonStartOptions, ctx: CommandContext): Promise<number> {
  if (!o.addr) throw new TshError('missing network address', 'bad-parameter');
  const { DaemonServer } = await import('../daemon/server.js');
  const { createDaemonLog } = await import('../daemon/log.js');
  const log = createDaemonLog({ debug: ctx.globals.debug, write: (l) => void ctx.io.stderr.write(l) });
  const d = await DaemonServer.start({
    addr: o.addr,
    home: ctx.home,
    env: ctx.env,
    insecure: ctx.globals.insecure,
    debug: ctx.globals.debug,
    kubeconfigsDir: o.kubeconfigsDir,
    certsDir: o.certsDir,
    log,
    stdout: (l) => void ctx.io.stdout.write(l),
  });
  await d.closed;
  return 0;
}
