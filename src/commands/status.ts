// tshjs status: the active profile first, then the others (tsh onStatus).
import { readIdentityFile } from '../auth/identityfile.js';
import {
  applyEnvOverrides,
  isExpired,
  profileStatus,
  statusFromCerts,
  type ProfileStatus,
} from '../client/status.js';
import { serialize, type Format } from '../output/printer.js';
import { statusDocument, statusText } from '../output/statusformat.js';
import { decodeTlsIdentity } from '../auth/x509/identity.js';
import { TshError } from '../util/errors.js';
import { defineCommand, formatFlag } from './command.js';
import type { CommandContext } from './context.js';

export interface StatusOptions {
  format: Format;
  verbose?: boolean;
  /** The profile shown as active (login passes the one it just wrote); default: the selected one. */
  activeProfile?: string;
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

export const status = defineCommand<StatusOptions>({
  path: ['status'],
  description: 'Display the list of proxy servers and retrieved certificates',
  flags: [formatFlag(), { flags: '-v, --verbose', description: 'Show extra status information' }],
  options: (_args, f) => ({ format: f.format as Format, verbose: f.verbose === true }),
  run: async (o, ctx) => runStatus(o, ctx),
});

export const commands = [status];

/** Loads every profile's status; unreadable non-active profiles are skipped (logged). */
export function loadStatuses(ctx: CommandContext, activeName = ctx.selectedProfileName()): StatusResult {
  if (ctx.globals.identity) return { active: identityStatus(ctx), others: [] };
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

function identityStatus(ctx: CommandContext): ProfileStatus {
  const id = readIdentityFile(ctx.globals.identity!);
  const tls = id.tlsCert ? decodeTlsIdentity(id.tlsCert) : undefined;
  const proxy = ctx.globals.proxy ?? '';
  return statusFromCerts({
    name: proxy || tls?.routeToCluster || 'identity',
    webProxyAddr: proxy,
    cluster: ctx.globals.cluster || tls?.routeToCluster,
    kubeEnabled: false,
    sshCert: id.sshCert,
    tlsCert: id.tlsCert,
    isActive: true,
  });
}

export function runStatus(o: StatusOptions, ctx: CommandContext): number {
  const { active, others } = loadStatuses(ctx, o.activeProfile ?? ctx.selectedProfileName());
  if (!active && !others.length) throw new TshError('Not logged in.', 'not-found');
  if (o.format !== 'text') {
    const env: Record<string, string> = {};
    for (const v of ENV_VARS) if (ctx.io.env[v]) env[v] = ctx.io.env[v]!;
    ctx.io.stdout.write(serialize(o.format, statusDocument(active, others, o.verbose ? env : undefined)));
  } else {
    let out = '';
    if (active) out += statusText(active, { debug: ctx.globals.debug });
    for (const s of others) out += statusText(s, { debug: ctx.globals.debug });
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
