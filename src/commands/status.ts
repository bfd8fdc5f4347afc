// tshjs status: the active profile first, then the others (tsh onStatus).
import { readIdentityFile } from '../auth/identityfile.js';
import {
  applyEnvOverrides,
  isExpired,
  profileStatus,
  selectedKubeCluster,
  STATUS_ENV_VARS,
  statusFromCerts,
  tshStatusEnv,
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

/**
 * Loads every profile's status; unreadable non-active profiles are skipped (logged). With
 * `envOverrides` (tsh status), TELEPORT_PROXY/CLUSTER/SITE/KUBE_CLUSTER shadow the active one.
 */
export function loadStatuses(
  ctx: CommandContext,
  activeName = ctx.selectedProfileName(),
  envOverrides = true,
): StatusResult {
  if (ctx.globals.identity) {
    const id = identityStatus(ctx);
    return { active: envOverrides ? applyEnvOverrides(id, ctx.io.env) : id, others: [] };
  }
  let active: ProfileStatus | undefined;
  const others: ProfileStatus[] = [];
  for (const name of ctx.profiles.listNames()) {
    if (name === activeName) continue;
    try {
      const p = ctx.profiles.read(name);
      if (p) others.push(profileStatus(ctx.profiles.paths, p, false, ctx.io.env));
    } catch (err) {
      ctx.log('skipping unreadable profile', { profile: name, error: (err as Error).message });
    }
  }
  if (activeName) {
    const p = ctx.profiles.read(activeName);
    if (p) {
      active = profileStatus(ctx.profiles.paths, p, true, ctx.io.env);
      if (envOverrides) active = applyEnvOverrides(active, ctx.io.env);
    }
  }
  return { active, others };
}

function identityStatus(ctx: CommandContext): ProfileStatus {
  const id = readIdentityFile(ctx.globals.identity!);
  const tls = id.tlsCert ? decodeTlsIdentity(id.tlsCert) : undefined;
  const proxy = ctx.globals.proxy ?? '';
  const cluster = ctx.globals.cluster || tls?.routeToCluster;
  return statusFromCerts({
    name: proxy || tls?.routeToCluster || 'identity',
    webProxyAddr: proxy,
    cluster,
    kubeEnabled: false,
    kubeCluster: cluster ? selectedKubeCluster(ctx.io.env, cluster) : undefined,
    sshCert: id.sshCert,
    tlsCert: id.tlsCert,
    isActive: true,
  });
}

export function runStatus(o: StatusOptions, ctx: CommandContext): number {
  const { active, others } = loadStatuses(ctx, o.activeProfile ?? ctx.selectedProfileName());
  if (!active && !others.length) throw new TshError('Not logged in.', 'not-found');
  // tsh.go printLoginInformation: the environment goes into JSON/YAML whenever a status variable
  // is set; the text form lists it only with -v.
  const env = tshStatusEnv(ctx.io.env);
  if (o.format !== 'text') {
    ctx.io.stdout.write(serialize(o.format, statusDocument(active, others, env)));
  } else {
    const now = ctx.clock.now();
    let out = '';
    if (active) out += statusText(active, { debug: ctx.globals.debug, now });
    for (const s of others) out += statusText(s, { debug: ctx.globals.debug, now });
    if (o.verbose) {
      // Go ranges over the map (random order); tshjs keeps the tshStatusEnvVars order.
      const set = STATUS_ENV_VARS.filter((v) => v in env);
      if (set.length) out += `Active Environment:\n${set.map((v) => `\t${v}=${env[v]}\n`).join('')}`;
    }
    ctx.io.stdout.write(out);
  }
  if (!active) throw new TshError('No active profile.', 'not-found');
  if (isExpired(active, ctx.clock.now())) throw new TshError('Active profile expired.', 'expired');
  return 0;
}
