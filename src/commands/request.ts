// `tshjs request ls|show|create|review|drop|search` (tool/tsh/common/access_request.go and tsh.go's
// executeAccessRequest / onRequestResolution / reissueWithRequests). Every call goes to the root
// cluster. Facts and the user guide: docs/access-requests.md.
import type { AccessRequestV3 } from '../gen/teleport/legacy/types/types.js';
import type { ClusterClient } from '../client/cluster.js';
import type { TeleportClient } from '../client/teleport.js';
import { parseGoDuration } from '../format/duration.js';
import { TshError } from '../util/errors.js';
import { defineCommand, formatFlag, type AnyCommand, type FlagSpec, type Format } from './command.js';
import type { CommandContext } from './context.js';

export const group = { name: 'request', description: 'Manage access requests', aliases: ['requests'] };

/** The root cluster's client (tc.WithRootClusterClient): a second client when --cluster names a leaf. */
export async function rootClusterClient(
  ctx: CommandContext,
): Promise<{ tc: TeleportClient; cc: ClusterClient }> {
  const tc = ctx.client();
  const id = await tc.identity();
  const rootTc = id.cluster === id.rootCluster ? tc : ctx.client({ cluster: id.rootCluster });
  return { tc: rootTc, cc: await rootTc.cluster() };
}

/** cf.Username, else the client's user (the certificate's). */
async function currentUser(ctx: CommandContext, tc: TeleportClient): Promise<string> {
  return ctx.globals.user || (await tc.identity()).username;
}

// ---------------------------------------------------------------------------------------------
// request ls

export interface RequestLsOptions {
  format: Format;
  reviewable?: boolean;
  suggested?: boolean;
  myRequests?: boolean;
}

export const requestLs = defineCommand<RequestLsOptions>({
  path: ['request', 'ls'],
  aliases: ['list'],
  description: 'List access requests',
  flags: [
    formatFlag(),
    { flags: '--reviewable', description: 'Only show requests reviewable by current user' },
    { flags: '--suggested', description: 'Only show requests that suggest current user as reviewer' },
    { flags: '--my-requests', description: 'Only show requests created by current user' },
  ],
  options: (_a, f) => ({
    format: f.format as Format,
    reviewable: f.reviewable === true,
    suggested: f.suggested === true,
    myRequests: f.myRequests === true,
  }),
  run: runRequestLs,
});

export async function runRequestLs(o: RequestLsOptions, ctx: CommandContext): Promise<number> {
  const { tc, cc } = await rootClusterClient(ctx);
  const user = await currentUser(ctx, tc);
  const { getAccessRequests, filterRequests } = await import('../client/accessrequests.js');
  const reqs = filterRequests(await getAccessRequests(cc, {}), user, o);
  const fmt = await import('../output/requestformat.js');
  ctx.io.stdout.write(
    o.format === 'text' ? fmt.requestTable(reqs, ctx.clock.now()) : fmt.serializeRequests(o.format, reqs),
  );
  return 0;
}

// ---------------------------------------------------------------------------------------------
// request show

export interface RequestShowOptions {
  format: Format;
  id: string;
}

export const requestShow = defineCommand<RequestShowOptions>({
  path: ['request', 'show'],
  aliases: ['details'],
  description: 'Show request details',
  args: [{ name: '<request-id>', description: 'ID of the target request' }],
  flags: [formatFlag()],
  options: (a, f) => ({ format: f.format as Format, id: a[0] as string }),
  run: runRequestShow,
});

export async function runRequestShow(o: RequestShowOptions, ctx: CommandContext): Promise<number> {
  const { cc } = await rootClusterClient(ctx);
  await printRequest(ctx, cc, o.id, o.format);
  return 0;
}

/** onRequestShow: the request as the cluster has it now. */
async function printRequest(
  ctx: CommandContext,
  cc: ClusterClient,
  id: string,
  format: Format,
): Promise<void> {
  const { getAccessRequest } = await import('../client/accessrequests.js');
  const req = await getAccessRequest(cc, id);
  const fmt = await import('../output/requestformat.js');
  ctx.io.stdout.write(
    format === 'text' ? fmt.requestDetails(req, ctx.env) : fmt.serializeRequests(format, req),
  );
}

// ---------------------------------------------------------------------------------------------
// request create (and tshjs login --request-*)

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
  const { runStatus } = await import('./status.js');
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
  const ar = await import('../client/accessrequests.js');
  const { resourceIDsFromStrings } = await import('../client/resourceid.js');
  const resources = resourceIDsFromStrings(o.resources ?? []).map((r) => ({ ...r }));
  const { tc, cc } = await rootClusterClient(ctx);
  const user = await currentUser(ctx, tc);

  if (o.requestId) {
    const id = o.requestId;
    const found = await ar.getAccessRequests(cc, { ID: id, User: user });
    if (found.length !== 1)
      throw new TshError(`invalid access request ${JSON.stringify(id)}`, 'bad-parameter');
    const { RequestState } = await import('../gen/teleport/legacy/types/types.js');
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
  const { createAccessRequest } = await import('../client/accessrequests.js');
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

  const { awaitRequestResolution, WaitAborted } = await import('../client/requestwait.js');
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
  const { RequestState } = await import('../gen/teleport/legacy/types/types.js');
  const fmt = await import('../output/requestformat.js');
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
async function reissue(
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
  const { profileCluster, profileName } = await import('../auth/profile.js');
  const { reissueWithRequests } = await import('../client/reissue.js');
  const cluster = profileCluster(profile);
  await reissueWithRequests(
    cc,
    await ctx.keyStore(),
    { proxyHost: profileName(profile), username: profile.username ?? '', clusterName: cluster },
    { accessRequests: add, dropAccessRequests: drop, routeToCluster: ctx.globals.cluster || cluster },
  );
}

// ---------------------------------------------------------------------------------------------
// request review

export interface RequestReviewOptions {
  id: string;
  approve?: boolean;
  deny?: boolean;
  reason?: string;
  assumeStartTime?: string;
}

export const requestReview = defineCommand<RequestReviewOptions>({
  path: ['request', 'review'],
  description: 'Review an access request',
  args: [{ name: '<request-id>', description: 'ID of target request' }],
  flags: [
    { flags: '--approve', description: 'Review proposes approval' },
    { flags: '--deny', description: 'Review proposes denial' },
    { flags: '--reason <reason>', description: 'Review reason message' },
    {
      flags: '--assume-start-time <time>',
      description: 'Sets time roles can be assumed by requestor (RFC3339 e.g 2023-12-12T23:20:50.52Z)',
    },
  ],
  options: (a, f) => ({
    id: a[0] as string,
    approve: f.approve === true,
    deny: f.deny === true,
    reason: f.reason as string | undefined,
    assumeStartTime: f.assumeStartTime as string | undefined,
  }),
  run: runRequestReview,
});

export async function runRequestReview(o: RequestReviewOptions, ctx: CommandContext): Promise<number> {
  if (!!o.approve === !!o.deny) {
    throw new TshError("must supply exactly one of '--approve' or '--deny'", 'bad-parameter');
  }
  const assumeStartTime = parseAssumeStartTime(o.assumeStartTime);
  const { tc, cc } = await rootClusterClient(ctx);
  const user = await currentUser(ctx, tc);
  const { RequestState } = await import('../gen/teleport/legacy/types/types.js');
  const { submitAccessReview } = await import('../client/accessrequests.js');
  const proposed = o.approve ? RequestState.APPROVED : RequestState.DENIED;
  const req = await submitAccessReview(cc, o.id, {
    Author: user,
    ProposedState: proposed,
    Reason: o.reason ?? '',
    AssumeStartTime: assumeStartTime,
  });
  const { reviewResultLine } = await import('../output/requestformat.js');
  ctx.io.stderr.write(reviewResultLine(proposed, req.Spec?.State ?? RequestState.NONE));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// request drop

export interface RequestDropOptions {
  ids: string[];
}

export const requestDrop = defineCommand<RequestDropOptions>({
  path: ['request', 'drop'],
  description: 'Drop one more access requests from current identity',
  args: [{ name: '[request-id...]', description: 'IDs of requests to drop (default drops all requests)' }],
  options: (a) => {
    const ids = (a[0] as string[] | undefined) ?? [];
    return { ids: ids.length ? ids : ['*'] };
  },
  run: runRequestDrop,
});

export async function runRequestDrop(o: RequestDropOptions, ctx: CommandContext): Promise<number> {
  const { dropLine } = await import('../output/requestformat.js');
  ctx.io.stdout.write(dropLine(o.ids));
  const { cc } = await rootClusterClient(ctx);
  await reissue(ctx, cc, [], o.ids);
  const { runStatus } = await import('./status.js');
  return runStatus({ format: 'text' }, ctx);
}

// ---------------------------------------------------------------------------------------------
// request search

export interface RequestSearchOptions {
  kind: string;
  search?: string;
  query?: string;
  labels?: string;
  verbose?: boolean;
  kubeCluster?: string;
  kubeNamespace?: string;
  allKubeNamespaces?: boolean;
}

/** Kinds `request search` lists in tshjs (types.RequestableResourceKinds without Kubernetes kinds). */
export const SEARCH_KINDS = ['node', 'kube_cluster', 'db', 'app', 'windows_desktop'] as const;

export const requestSearch = defineCommand<RequestSearchOptions>({
  path: ['request', 'search'],
  description: 'Search for resources to request access to',
  flags: [
    {
      flags: '--kind <kind>',
      description: `Resource kind to search for (${SEARCH_KINDS.join(', ')})`,
    },
    {
      flags: '--search <keywords>',
      description: 'List of comma separated search keywords or phrases enclosed in quotations',
    },
    { flags: '--query <predicate>', description: 'Query by predicate language enclosed in single quotes' },
    {
      flags: '--labels <labels>',
      description: 'List of comma separated labels to filter by labels (e.g. key1=value1,key2=value2)',
    },
    { flags: '--kube-cluster <name>', description: 'Kubernetes Cluster to search for Pods' },
    {
      flags: '--kube-namespace <namespace>',
      description: 'Kubernetes Namespace to search for Pods',
      default: 'default',
    },
    { flags: '--all-kube-namespaces', description: 'Search Pods in every namespace' },
    { flags: '-v, --verbose', description: 'Verbose table output, shows full label output' },
  ],
  options: (_a, f) => ({
    kind: (f.kind as string | undefined) ?? '',
    search: f.search as string | undefined,
    query: f.query as string | undefined,
    labels: f.labels as string | undefined,
    verbose: f.verbose === true,
    kubeCluster: f.kubeCluster as string | undefined,
    kubeNamespace: f.kubeNamespace as string | undefined,
    allKubeNamespaces: f.allKubeNamespaces === true,
  }),
  run: runRequestSearch,
});

export async function runRequestSearch(o: RequestSearchOptions, ctx: CommandContext): Promise<number> {
  if (!o.kind) throw new TshError('required flag --kind not provided', 'bad-parameter');
  if (!(SEARCH_KINDS as readonly string[]).includes(o.kind)) {
    if (o.kind === 'pod' || o.kind.startsWith('kube:') || o.kind === 'namespace') {
      throw new TshError(
        `searching for Kubernetes resources (--kind=${o.kind}) is not supported by tshjs yet`,
        'bad-parameter',
      );
    }
    throw new TshError(
      `enum value must be one of ${SEARCH_KINDS.join(',')}, got '${o.kind}'`,
      'bad-parameter',
    );
  }
  const { resourceFilter } = await import('../client/filter.js');
  const filter = resourceFilter({ labels: o.labels ? [o.labels] : [], search: o.search, query: o.query });
  const tc = ctx.client();
  const cc = await tc.cluster();
  const { searchRequestable } = await import('../client/accesssearch.js');
  const found = await searchRequestable(cc, o.kind, filter);
  const { searchTable } = await import('../output/requestformat.js');
  const { stdinTerminalWidth } = await import('../term/io.js');
  ctx.io.stdout.write(
    searchTable(o.kind, cc.identity.cluster, found, !!o.verbose, stdinTerminalWidth(ctx.io)),
  );
  return 0;
}

export const commands: readonly AnyCommand[] = [
  requestLs,
  requestShow,
  requestCreate,
  requestReview,
  requestDrop,
  requestSearch,
];

// ---------------------------------------------------------------------------------------------
// tshjs ssh to a node the user may only request (tsh's retryWithAccessRequest + accessRequestForSSH)

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
  const { errorLine } = await import('../util/errors.js');
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
  const { grpcCode } = await import('../client/grpc/errors.js');
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
  const { searchRequestable } = await import('../client/accesssearch.js');
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
  const ar = await import('../client/accessrequests.js');
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
