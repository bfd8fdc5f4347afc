// tshjs status: the active profile first, then the others (tsh onStatus).
import { readIdentityFile } from '../auth/identityfile.js';
import type { ClientContext } from '../client/context.js';
import {
  applyEnvOverrides,
  isExpired,
  profileStatus,
  statusFromCerts,
  type ProfileStatus,
} from '../client/status.js';
import { serialize, type Format } from '../output/output.js';
import { statusDocument, statusText } from '../output/statusformat.js';
import { decodeTlsIdentity } from '../auth/x509/identity.js';
import { TshError } from '../util/errors.js';

export interface StatusOptions {
  format: Format;
  verbose?: boolean;
}

const ENV_VARS = [
  'TELEPORT_PROXY',
  'TELEPORT_CLUSTER',
  'TELEPORT_SITE',
  'TELEPORT_KUBE_CLUSTER',
  'KUBECONFIG',
];

export interface StatusResult {
  active?: ProfileStatus;
  others: ProfileStatus[];
}

/** Loads every profile's status; unreadable non-active profiles are skipped (logged). */
export function loadStatuses(ctx: ClientContext): StatusResult {
  if (ctx.opts.identity) return { active: identityStatus(ctx), others: [] };
  const activeName = ctx.selectedProfileName();
  let active: ProfileStatus | undefined;
  const others: ProfileStatus[] = [];
  for (const name of ctx.profiles.listNames()) {
    if (name === activeName) continue;
    try {
      const p = ctx.profiles.read(name);
      if (p) others.push(profileStatus(ctx.profiles.paths, p, false));
    } catch (err) {
      ctx.log('skipping unreadable profile', { profile: name, error: (err as Error).message });
    }
  }
  if (activeName) {
    const p = ctx.profiles.read(activeName);
    if (p) active = applyEnvOverrides(profileStatus(ctx.profiles.paths, p, true), ctx.io.env);
  }
  return { active, others };
}

function identityStatus(ctx: ClientContext): ProfileStatus {
  const id = readIdentityFile(ctx.opts.identity!);
  const tls = id.tlsCert ? decodeTlsIdentity(id.tlsCert) : undefined;
  const proxy = ctx.opts.proxy ?? '';
  return statusFromCerts({
    name: proxy || tls?.routeToCluster || 'identity',
    webProxyAddr: proxy,
    cluster: ctx.opts.cluster || tls?.routeToCluster,
    kubeEnabled: false,
    sshCert: id.sshCert,
    tlsCert: id.tlsCert,
    isActive: true,
  });
}

export function runStatus(ctx: ClientContext, o: StatusOptions): number {
  const { active, others } = loadStatuses(ctx);
  if (!active && !others.length) throw new TshError('Not logged in.', 'not-found');
  if (o.format !== 'text') {
    const env: Record<string, string> = {};
    for (const v of ENV_VARS) if (ctx.io.env[v]) env[v] = ctx.io.env[v]!;
    ctx.io.stdout.write(serialize(o.format, statusDocument(active, others, o.verbose ? env : undefined)));
  } else {
    let out = '';
    if (active) out += statusText(active, { debug: ctx.opts.debug });
    for (const s of others) out += statusText(s, { debug: ctx.opts.debug });
    if (o.verbose) {
      const set = ENV_VARS.filter((v) => ctx.io.env[v]);
      if (set.length) out += `Active Environment:\n${set.map((v) => `\t${v}=${ctx.io.env[v]}\n`).join('')}`;
    }
    ctx.io.stdout.write(out);
  }
  if (!active) throw new TshError('No active profile.', 'not-found');
  if (isExpired(active)) throw new TshError('Active profile expired.', 'expired');
  return 0;
}
