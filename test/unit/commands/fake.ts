// In-process command tests: a CommandContext over in-memory streams whose TeleportClient is a
// fake (a subclass with canned answers), so a command runs without a cluster or a terminal.
import { PassThrough, Readable } from 'node:stream';
import type { ClientConfig } from '../../../src/client/config.js';
import { TeleportClient } from '../../../src/client/teleport.js';
import { CommandContext, type ContextDeps, type GlobalOptions } from '../../../src/commands/context.js';

export interface Captured {
  ctx: CommandContext;
  stdout: () => string;
  stderr: () => string;
}

export function fakeContext(
  makeClient: (config: ClientConfig) => TeleportClient,
  globals: GlobalOptions = {},
  env: NodeJS.ProcessEnv = { TELEPORT_HOME: '/nonexistent-tshjs-home' },
  deps: Omit<ContextDeps, 'client'> = {},
): Captured {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const io = { stdin: Readable.from([]), stdout, stderr, env };
  const ctx = new CommandContext(io, globals, undefined, { ...deps, client: makeClient });
  return {
    ctx,
    stdout: () => Buffer.concat(out).toString(),
    stderr: () => Buffer.concat(err).toString(),
  };
}

export { TeleportClient };
