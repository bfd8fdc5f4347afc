// `tshjs request create` and the flow `tshjs login --request-*` shares (executeAccessRequest,
// onRequestResolution, reissueWithRequests).
import type { AccessRequestV3 } from '../../gen/teleport/legacy/types/types.js';
import type { ClusterClient } from '../../client/cluster.js';
import { parseGoDuration } from '../../format/duration.js';
import { TshError } from '../../util/errors.js';
import { defineCommand, type FlagSpec } from '../command.js';
import type { CommandContext } from '../context.js';
import { currentUser, rootClusterClient } from './shared.js';
import { printRequest } from './show.js';

/** What executeAccessRequest reads from the command line (tsh's CLIConf fields). */
export interface AccessRequestFlags {
  /** --roles / --request-roles (comma or space separated). */
  roles?: string;
  /** --resource, repeatable. */
  resources?: string[];
  /** --request-id (login only). */
  requestId?: string;
  reason?: string;
  reviewers?: string;
  nowait?: boolean;
  /** Go durations. */
  requestTtl?: string;
  sessionTtl?: string;
  maxDuration?: string;
  /** RFC 3339. */
  assumeStartTime?: string;
  /** Ends the wait (Ctrl-C); set by tests and the library. */
  signal?: AbortSignal;
}

export type RequestCreateOptions = AccessRequestFlags;

const durationFlag = (flags: string, description: string): FlagSpec => ({ flags, description });

export const requestCreate = defineCommand<RequestCreateOptions>({
  path: ['request', 'create'],
  // `new` stays for old automation; upstream's docs say `create`.
  aliases: ['new'],
  description: 'Create a new access request',
  flags: [
    { flags: '--roles <roles>', description: 'Roles to be requested' },
    { flags: '--reason <reason>', description: 'Reason for requesting' },
    { flags: '--reviewers <reviewers>', description: 'Suggested reviewers' },
    { flags: '--nowait', description: 'Finish without waiting for request resolution' },
    { flags: '--resource <id>', description: 'Resource ID to be requested', parse: 'list' },
    durationFlag('--request-ttl <duration>', 'Expiration time for the access request.'),
    durationFlag('--session-ttl <duration>', 'Expiration time for the elevated certificate.'),
    durationFlag('--max-duration <duration>', 'How long the the access should be granted for.'),
    {
      flags: '--assume-start-time <time>',
      description: 'Sets time roles can be assumed by requestor (RFC3339 e.g 2023-12-12T23:20:50.52Z)',
    },
  ],
  options: (_a, f) => ({
    roles: f.roles as string | undefined,
    reason: f.reason as string | undefined,
    reviewers: f.reviewers as string | undefined,
    nowait: f.nowait === true,
    resources: (f.resource as string[] | undefined) ?? [],
    requestTtl: f.requestTtl as string | undefined,
    sessionTtl: f.sessionTtl as string | undefined,
    maxDuration: f.maxDuration as string | undefined,
    assumeStartTime: f.assumeStartTime as string | undefined,
  }),
  run: runRequestCreate,
});

export async function runRequestCreate(o: RequestCreateOptions, ctx: CommandContext): Promise<number> {
  await executeAccessRequest(o, ctx);
  // onStatus with the reissued certificates (a fresh read of the profile).
  const { runStatus } = await import('../status.js');
  return runStatus({ format: 'text' }, ctx);
}

function durationMs(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    return parseGoDuration(v);
  } catch {
    throw new TshError(`time: invalid duration ${JSON.stringify(v)}`, 'bad-parameter');
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** time.Parse(time.RFC3339, v), with tsh's wrapping of a failure. */
export function parseAssumeStartTime(v: string | undefined): Date | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  if (!RFC3339.test(v) || Number.isNaN(d.getTime())) {
    throw new TshError(
      `parsing assume-start-time (required format RFC3339 e.g 2023-12-12T23:20:50.52Z): parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`,
      'bad-parameter',
    );
  }
  return d;
}

/** Checks executeAccessRequest does before any network use. */
export function validateRequestFlags(o: AccessRequestFlags): {
  requestTtlMs?: number;
  sessionTtlMs?: number;
  maxDurationMs?: number;
  assumeStartTime?: Date;
} {
  const { splitIdentifiers } = accessRequestsSync();
  if (!splitIdentifiers(o.roles).length && !o.requestId && !(o.resources ?? []).length) {
    throw new TshError('at least one role or resource or a request ID must be specified', 'bad-parameter');
  }
  const requestTtlMs = durationMs(o.requestTtl);
  if (requestTtlMs !== undefined && requestTtlMs < 0) {
    throw new TshError('request TTL value must be greater than zero', 'bad-parameter');
  }
  const sessionTtlMs = durationMs(o.sessionTtl);
  if (sessionTtlMs !== undefined && sessionTtlMs < 0) {
    throw new TshError('session TTL value must be greater than zero', 'bad-parameter');
  }
  return {
    requestTtlMs,
    sessionTtlMs,
    maxDurationMs: durationMs(o.maxDuration),
    assumeStartTime: parseAssumeStartTime(o.assumeStartTime),
  };
}

/** splitIdentifiers without loading the gRPC modules (validation runs before any network use). */
function accessRequestsSync(): { splitIdentifiers: (s: string | undefined) => string[] } {
  return { splitIdentifiers: (s) => (s ?? '').split(/[,\s]+/u).filter(Boolean) };
}

/**
 * executeAccessRequest: create the request (or pick up --request-id), show it, wait for its
 * resolution over WatchEvents, then reissue the certificates with it. Returns the request ID.
 */
export async function executeAccessRequest(o: AccessRequestFlags, ctx: CommandContext): Promise<string> {
  const checked = validateRequestFlags(o);
  const ar = await import('../../client/accessrequests.js');
  const { resourceIDsFromStrings } = await import('../../client/resourceid.js');
  const resources = resourceIDsFromStrings(o.resources ?? []).map((r) => ({ ...r }));
  const { tc, cc } = await rootClusterClient(ctx);
  const user = await currentUser(ctx, tc);

  if (o.requestId) {
    const id = o.requestId;
    const found = await ar.getAccessRequests(cc, { ID: id, User: user });
    if (found.length !== 1)
      throw new TshError(`invalid access request ${JSON.stringify(id)}`, 'bad-parameter');
    const { RequestState } = await import('../../gen/teleport/legacy/types/types.js');
    if (found[0].Spec?.State !== RequestState.PENDING) return resolve(ctx, cc, found[0]);
    ctx.io.stdout.write('Request pending...\n');
    return showAndWait(ctx, cc, found[0], o);
  }
  const fresh = ar.newAccessRequest({
    user,
    roles: accessRequestsSync().splitIdentifiers(o.roles),
    resources,
    reason: o.reason,
    reviewers: accessRequestsSync().splitIdentifiers(o.reviewers),
    ...checked,
  });
  return sendAccessRequest(ctx, cc, fresh, o);
}

/** "Creating request...", CreateAccessRequestV2, then show and wait (sendAccessRequestAndWaitForApproval). */
export async function sendAccessRequest(
  ctx: CommandContext,
  cc: ClusterClient,
  fresh: AccessRequestV3,
  o: { nowait?: boolean; signal?: AbortSignal },
): Promise<string> {
  const { createAccessRequest } = await import('../../client/accessrequests.js');
  ctx.io.stdout.write('Creating request...\n');
  const req = await createAccessRequest(cc, fresh);
  return showAndWait(ctx, cc, req, o);
}

/** The request as the cluster has it, then (unless --nowait) the wait and its resolution. */
async function showAndWait(
  ctx: CommandContext,
  cc: ClusterClient,
  req: AccessRequestV3,
  o: { nowait?: boolean; signal?: AbortSignal },
): Promise<string> {
  const id = req.Metadata?.Name ?? '';
  const out = ctx.io.stdout;
  await printRequest(ctx, cc, id, 'text');
  out.write('\n');
  if (o.nowait) return id;

  const { awaitRequestResolution, WaitAborted } = await import('../../client/requestwait.js');
  // Ctrl-C is ours from the moment the wait is announced.
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  process.once('SIGINT', onAbort);
  out.write('Waiting for request approval...\n');
  let resolved: AccessRequestV3;
  try {
    resolved = await awaitRequestResolution(cc, req, {
      signal: ac.signal,
      onRetry: (err, attempt) =>
        ctx.log('access request watch dropped; watching again', { attempt, error: String(err) }),
    });
  } catch (err) {
    if (err instanceof WaitAborted) {
      throw new TshError(
        `stopped waiting: access request ${id} is still pending; once it is approved, run "tshjs login --request-id=${id}" (or "tshjs request show ${id}" to see it)`,
        'internal',
        130,
        { cause: err },
      );
    }
    throw err;
  } finally {
    process.off('SIGINT', onAbort);
    o.signal?.removeEventListener('abort', onAbort);
  }
  return resolve(ctx, cc, resolved);
}

/** onRequestResolution: an error unless approved; approved, the certificates are reissued with it. */
async function resolve(ctx: CommandContext, cc: ClusterClient, req: AccessRequestV3): Promise<string> {
  const { RequestState } = await import('../../gen/teleport/legacy/types/types.js');
  const fmt = await import('../../output/requestformat.js');
  const id = req.Metadata?.Name ?? '';
  if (req.Spec?.State !== RequestState.APPROVED) {
    throw new TshError(
      fmt.notApprovedMessage(req),
      req.Spec?.State === RequestState.DENIED ? 'access-denied' : 'internal',
    );
  }
  ctx.io.stderr.write(fmt.approvalLine(req.Spec?.ResolveReason ?? ''));
  await reissue(ctx, cc, [id], []);
  return id;
}

/** reissueWithRequests against the selected profile, routed to --cluster or the profile's cluster. */
export async function reissue(
  ctx: CommandContext,
  cc: ClusterClient,
  add: readonly string[],
  drop: readonly string[],
): Promise<void> {
  const profile = ctx.selectedProfile();
  if (!profile || ctx.globals.identity) {
    throw new TshError(
      'access requests need a profile: log in with "tshjs login" (not an identity file)',
      'bad-parameter',
    );
  }
  const { profileCluster, profileName } = await import('../../auth/profile.js');
  const { reissueWithRequests } = await import('../../client/reissue.js');
  const cluster = profileCluster(profile);
  await reissueWithRequests(
    cc,
    await ctx.keyStore(),
    { proxyHost: profileName(profile), username: profile.username ?? '', clusterName: cluster },
    { accessRequests: add, dropAccessRequests: drop, routeToCluster: ctx.globals.cluster || cluster },
  );
}
