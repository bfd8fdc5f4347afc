// `tshjs ssh` to a node the user may only request (tsh's retryWithAccessRequest).
import type { AccessRequestV3 } from '../../gen/teleport/legacy/types/types.js';
import type { ClusterClient } from '../../client/cluster.js';
import { TshError } from '../../util/errors.js';
import type { CommandContext } from '../context.js';
import { sendAccessRequest } from './create.js';
import { currentUser, rootClusterClient } from './shared.js';

/** --request-mode values (accessRequestModes); TELEPORT_REQUEST_MODE sets the default. */
export const REQUEST_MODES = ['off', 'resource', 'role'] as const;
export type RequestMode = (typeof REQUEST_MODES)[number];

export interface SshAccessRequest {
  host: string;
  port?: number;
  login: string;
  cluster: string;
  mode: RequestMode;
  reason?: string;
  signal?: AbortSignal;
}

/**
 * After `ssh` was denied: builds a request for the node (resource mode: a dry run lets the
 * cluster pick the roles; role mode: the requestable roles that grant this login there). When
 * none can be built, the original error stands. Otherwise prints the error and upstream's hint,
 * asks for a reason, creates the request, waits, and reissues; the caller then tries again.
 */
export async function requestAccessForSsh(
  ctx: CommandContext,
  t: SshAccessRequest,
  origErr: unknown,
): Promise<void> {
  if (t.mode === 'off') throw origErr;
  let built: { cc: ClusterClient; req: AccessRequestV3 };
  try {
    built = await buildSshRequest(ctx, t);
  } catch (err) {
    ctx.log('not attempting to automatically request access', { error: String(err) });
    throw origErr;
  }
  // utils.UserMessageFromError: the error as the CLI would print it.
  const { errorLine } = await import('../../util/errors.js');
  ctx.io.stderr.write(`ERROR: ${errorLine(origErr)}\n`);
  ctx.io.stdout.write(
    `You do not currently have access to ${JSON.stringify(`${t.login}@${t.host}`)}, attempting to request access.\n\n`,
  );
  const { req, cc } = built;
  if (t.mode === 'role' && !(req.Spec?.Roles.length ?? 0)) {
    throw new TshError('no roles to request that would grant access', 'access-denied');
  }
  let reason = t.reason ?? '';
  if (!reason) {
    ctx.io.stdout.write('Enter request reason: ');
    reason = (await ctx.prompter().line('', { optional: true })).trim();
  }
  req.Spec!.RequestReason = reason;
  await sendAccessRequest(ctx, cc, req, { signal: t.signal });
}

/**
 * The names of the nodes `host` designates: GetSSHTargets (hostname or ID, and port); a cluster
 * without it is searched with UseSearchAsRoles for a node of that hostname or name.
 */
async function sshTargets(cc: ClusterClient, host: string, port?: number): Promise<string[]> {
  const { status } = await import('@grpc/grpc-js');
  const { grpcCode } = await import('../../client/grpc/errors.js');
  try {
    const r = await cc.call(
      cc.auth,
      cc.auth.getSshTargets,
      { Host: host, Port: port ? String(port) : '0' },
      'find the node',
    );
    return r.Servers.map((s) => s.Metadata?.Name ?? '');
  } catch (err) {
    if (grpcCode(err) !== status.UNIMPLEMENTED) throw err;
  }
  const { searchRequestable } = await import('../../client/accesssearch.js');
  const nodes = await searchRequestable(cc, 'node', {});
  return nodes.filter((n) => n.hostname === host || n.name === host).map((n) => n.name);
}

async function buildSshRequest(
  ctx: CommandContext,
  t: SshAccessRequest,
): Promise<{ cc: ClusterClient; req: AccessRequestV3 }> {
  const tc = ctx.client();
  const here = await tc.cluster();
  const servers = await sshTargets(here, t.host, t.port);
  if (servers.length > 1) {
    throw new TshError(
      `hostname ${JSON.stringify(t.host)} is ambiguous and matches multiple nodes, unable to request access`,
      'not-found',
    );
  }
  if (!servers.length) {
    throw new TshError(`node ${JSON.stringify(t.host)} not found, unable to request access`, 'not-found');
  }
  const resources = [
    {
      ClusterName: t.cluster,
      Kind: 'node',
      Name: servers[0],
      SubResourceName: '',
    },
  ];
  const ar = await import('../../client/accessrequests.js');
  const { cc } = await rootClusterClient(ctx);
  const user = await currentUser(ctx, tc);
  if (t.mode === 'role') {
    const caps = await cc.call(
      cc.auth,
      cc.auth.getAccessCapabilities,
      {
        User: '',
        RequestableRoles: true,
        SuggestedReviewers: false,
        ResourceIDs: resources,
        Login: t.login,
        FilterRequestableRolesByResource: true,
      },
      'get access capabilities',
    );
    // With several roles tsh asks which one; tshjs takes the first (sorted) one.
    const roles = [...caps.RequestableRoles].sort().slice(0, 1);
    if (!roles.length) throw new TshError('no requestable roles grant this login', 'access-denied');
    return { cc, req: ar.newAccessRequest({ user, roles, resources: [] }) };
  }
  // Resource mode: the dry run validates the request and names the roles.
  const req = ar.newAccessRequest({ user, roles: [], resources });
  req.Spec!.LoginHint = t.login;
  req.Spec!.DryRun = true;
  req.Spec!.RequestReason = 'Dry run, this request will not be created. If you see this, there is a bug.';
  const dry = await ar.createAccessRequest(cc, req);
  req.Spec!.Roles = dry.Spec?.Roles ?? [];
  req.Spec!.DryRun = false;
  req.Spec!.RequestReason = '';
  return { cc, req };
}
