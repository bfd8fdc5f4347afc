// tshjs version (tsh.go onVersion, fetchProxyVersion, serializeVersion): the text line, then the
// proxy lines only when the proxy reported a version; JSON keys version, gitref, runtime,
// proxyVersion, proxyPublicAddress (the last two omitempty); YAML sorts them (yaml.v2).
import { serialize } from '../output/printer.js';
import { TELEPORT_COMPAT_VERSION, VERSION } from '../version.js';
import { defineCommand, formatFlag, type Format } from './command.js';
import type { CommandContext } from './context.js';

export interface VersionOptions {
  format: Format;
  /** Skip asking the proxy for its version. */
  client?: boolean;
}

export const version = defineCommand<VersionOptions>({
  path: ['version'],
  description: 'Print the tshjs and Teleport versions',
  flags: [
    formatFlag(),
    { flags: '--client', description: 'Show the client version only (no proxy round trip)' },
  ],
  options: (_args, f) => ({ format: f.format as Format, client: f.client === true }),
  run: runVersion,
});

export const commands = [version];

export async function runVersion(o: VersionOptions, ctx: CommandContext): Promise<number> {
  const gitref = `tshjs-v${VERSION}`;
  const runtime = `node${process.versions.node}`;
  let proxy: { version: string; publicAddr: string } | undefined;
  if (!o.client) {
    try {
      const ping = await ctx.client().pingProxy();
      if (ping) proxy = { version: ping.server_version, publicAddr: ping.proxy.ssh?.public_addr ?? '' };
    } catch (err) {
      ctx.io.stderr.write(`Failed to fetch proxy version: ${(err as Error).message}\n`);
    }
  }
  if (o.format === 'text') {
    let out = `Teleport v${TELEPORT_COMPAT_VERSION} git:${gitref} ${runtime}\n`;
    if (proxy?.version) out += `Proxy version: ${proxy.version}\nProxy: ${proxy.publicAddr}\n`;
    ctx.io.stdout.write(out);
    return 0;
  }
  const doc: Record<string, string> = { version: TELEPORT_COMPAT_VERSION, gitref, runtime };
  if (proxy?.version) doc.proxyVersion = proxy.version;
  if (proxy?.publicAddr) doc.proxyPublicAddress = proxy.publicAddr;
  ctx.io.stdout.write(serialize(o.format, doc));
  return 0;
}
