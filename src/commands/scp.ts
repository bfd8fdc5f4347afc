// tshjs scp [flags] SOURCE... DEST: like tsh scp — a remote operand is [user@]host:path, exactly
// one side is remote, and the copy runs over SFTP on the node reached through the proxy.
import { defaultLogin } from '../ssh/session.js';
import { parseRemotePath, sftpCopy, type RemotePath } from '../ssh/sftp.js';
import { TshError } from '../util/errors.js';
import { clusterFlag, defineCommand } from './command.js';
import type { CommandContext } from './context.js';

export interface ScpOptions {
  sources: string[];
  dest: string;
  recursive?: boolean;
  preserve?: boolean;
  port?: number;
  quiet?: boolean;
}

export const scp = defineCommand<ScpOptions>({
  path: ['scp'],
  description: 'Transfer files to a remote SSH node',
  args: [{ name: '<paths...>', description: 'SOURCE... DEST, a remote path is [user@]host:path' }],
  flags: [
    clusterFlag,
    { flags: '-r, --recursive', description: 'Recursive copy of subdirectories' },
    {
      flags: '-p, --preserve',
      description: 'Preserves access and modification times from the original file',
    },
    { flags: '-P, --port <port>', description: 'Port to connect to on the remote host', parse: 'int' },
    { flags: '-q, --quiet', description: 'Quiet mode' },
  ],
  options: (args, f) => {
    const paths = args[0] as string[];
    return {
      sources: paths.slice(0, -1),
      dest: paths.length > 1 ? paths[paths.length - 1] : '',
      recursive: f.recursive as boolean | undefined,
      preserve: f.preserve as boolean | undefined,
      port: f.port as number | undefined,
      quiet: f.quiet as boolean | undefined,
    };
  },
  run: runScp,
});

export const commands = [scp];

export async function runScp(o: ScpOptions, ctx: CommandContext): Promise<number> {
  if (!o.sources.length || !o.dest)
    throw new TshError(
      'need at least one source and a destination: tshjs scp SOURCE... DEST',
      'bad-parameter',
    );
  const dest = parseRemotePath(o.dest);
  const sources = o.sources.map(parseRemotePath);
  const remoteSources = sources.filter((s): s is RemotePath => !!s);
  if (dest ? remoteSources.length > 0 : remoteSources.length !== sources.length)
    throw new TshError(
      dest
        ? 'remote to remote copy is not supported'
        : remoteSources.length
          ? 'local and remote sources cannot be mixed'
          : 'local to local copy is not supported',
      'bad-parameter',
    );
  const remote = dest ?? remoteSources[0];
  for (const s of remoteSources) {
    if (s.host !== remote.host || (s.user ?? '') !== (remote.user ?? ''))
      throw new TshError('all remote sources must be on the same host and login', 'bad-parameter');
  }
  const login = remote.user || ctx.globals.login || defaultLogin();
  const tc = ctx.client();
  const { cluster } = (await tc.cluster()).identity;
  await sftpCopy(
    tc,
    { host: remote.host, port: o.port, login, cluster },
    dest
      ? { direction: 'upload', sources: o.sources, dest: dest.path }
      : { direction: 'download', sources: remoteSources.map((s) => s.path), dest: o.dest },
    {
      recursive: o.recursive,
      preserve: o.preserve,
      quiet: o.quiet,
      stderr: ctx.io.stderr,
      host: remote.host,
    },
  );
  return 0;
}
