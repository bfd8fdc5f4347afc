// tshjs version: tsh's text line and JSON keys (version, gitref, runtime, proxyVersion, proxyPublicAddress).
import type { ClientContext } from '../client/context.js';
import { serialize, type Format } from '../output/output.js';
import { TELEPORT_COMPAT_VERSION, VERSION } from '../version.js';

export interface VersionOptions {
  format: Format;
  /** Skip asking the proxy for its version. */
  client?: boolean;
}

async function proxyInfo(ctx: ClientContext): Promise<{ version: string; publicAddr: string } | undefined> {
  const profile = ctx.selectedProfile();
  if (!profile) return undefined;
  const { WebClient, trustedRootsFromEnv } = await import('../client/webapi.js');
  const web = new WebClient({
    proxyAddr: profile.webProxyAddr,
    insecure: ctx.opts.insecure,
    ca: trustedRootsFromEnv(ctx.io.env),
    timeoutMs: 5_000,
  });
  try {
    const ping = await web.ping();
    return { version: ping.server_version, publicAddr: ping.proxy.ssh?.public_addr ?? '' };
  } finally {
    web.close();
  }
}

export async function runVersion(ctx: ClientContext, o: VersionOptions): Promise<number> {
  const gitref = `tshjs-v${VERSION}`;
  const runtime = `node${process.versions.node}`;
  let proxy: { version: string; publicAddr: string } | undefined;
  if (!o.client) {
    try {
      proxy = await proxyInfo(ctx);
    } catch (err) {
      ctx.io.stderr.write(`Failed to fetch proxy version: ${(err as Error).message}\n`);
    }
  }
  if (o.format === 'text') {
    let out = `Teleport v${TELEPORT_COMPAT_VERSION} git:${gitref} ${runtime}\n`;
    if (proxy) out += `Proxy version: ${proxy.version}\nProxy: ${proxy.publicAddr}\n`;
    ctx.io.stdout.write(out);
    return 0;
  }
  const doc: Record<string, string> = { version: TELEPORT_COMPAT_VERSION, gitref, runtime };
  if (proxy?.version) doc.proxyVersion = proxy.version;
  if (proxy?.publicAddr) doc.proxyPublicAddress = proxy.publicAddr;
  ctx.io.stdout.write(serialize(o.format, doc));
  return 0;
}
