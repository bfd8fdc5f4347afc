// Validation and server-side defaults of a new access request, from the requester's statically
// assigned roles (upstream lib/services/access_request.go RequestValidator): requestable and
// search_as roles, the reason requirement, thresholds and the role→threshold mapping, suggested
// reviewers, session TTL, max duration, access expiry and the pending request's TTL.
import { goDurationString, parseGoDuration } from '../../format/duration.js';
import type { DevClusterConfig, RoleConfig, UserConfig } from '../config.js';
import { DEFAULT_MAX_SESSION_TTL_MS, interpolate, roleAllows, roleDeny, userRoles } from '../rbac.js';
import { anyMatch, roleMatchers, type Matcher } from './matcher.js';
import {
  AccessError,
  RequestState,
  resourceIdsToString,
  stateName,
  type AccessRequest,
  type ResourceId,
  type Threshold,
} from './model.js';
import { MAX_ACCESS_DURATION_MS } from './roleconfig.js';

/** services requestTTL: a pending request lives a week at most. */
export const PENDING_REQUEST_TTL_MS = 7 * 24 * 3600_000;
/** apidefaults.MaxCertDuration. */
export const MAX_CERT_DURATION_MS = 30 * 24 * 3600_000;
const MAX_REASON_SIZE = 4096;
const MAX_RESOURCES = 300;

const DEFAULT_THRESHOLD: Threshold = { name: 'default', filter: '', approve: 1, deny: 1 };

const bad = (msg: string) => new AccessError('bad-parameter', msg);

const dedupe = (xs: string[]) => [...new Set(xs)];

/** What a requested resource is, for pruning roles: its catalog kind and labels (undefined: unknown). */
export type ResourceLookup = (id: ResourceId) => { kind: string; labels: Record<string, string> } | undefined;

export class RequestValidator {
  readonly user: UserConfig;
  readonly roles: RoleConfig[];
  readonly traits: Record<string, string[]>;
  private allowRequest: Matcher[] = [];
  private denyRequest: Matcher[] = [];
  private allowSearch: string[] = [];
  private denySearch: string[] = [];
  private thresholdMatchers: Array<{ matchers: Matcher[]; thresholds: Threshold[] }> = [];
  private maxDurationMatchers: Array<{ matchers: Matcher[]; ms: number }> = [];
  private requiringReasonRoles = new Set<string>();
  requireReasonForAll = false;
  autoRequest = false;
  prompt = '';
  suggestedReviewers: string[] = [];

  constructor(
    private readonly cfg: DevClusterConfig,
    user: UserConfig,
    private readonly lookup?: ResourceLookup,
  ) {
    this.user = user;
    this.roles = userRoles(cfg, user);
    this.traits = user.traits ?? {};
    for (const role of this.roles) this.push(role);
  }

  private push(role: RoleConfig): void {
    const allow = role.request ?? {};
    const deny = roleDeny(role).request ?? {};
    this.requireReasonForAll ||= role.request_access === 'reason';
    this.autoRequest ||= role.request_access === 'reason' || role.request_access === 'always';
    if (!this.prompt) this.prompt = role.request_prompt ?? '';
    if (allow.reason?.mode === 'required') {
      for (const r of [...(allow.roles ?? []), ...(allow.search_as_roles ?? [])])
        this.requiringReasonRoles.add(r);
    }
    this.denyRequest.push(...roleMatchers(deny.roles, this.traits));
    const newAllow = roleMatchers(allow.roles, this.traits);
    this.allowRequest.push(...newAllow);
    this.allowSearch = dedupe([...this.allowSearch, ...(allow.search_as_roles ?? [])]);
    this.denySearch = dedupe([...this.denySearch, ...(deny.search_as_roles ?? [])]);
    const all = [...newAllow, ...(allow.search_as_roles ?? []).map((n) => (r: string) => r === n)];
    if (all.length) {
      this.thresholdMatchers.push({
        matchers: all,
        thresholds: (allow.thresholds ?? []).map((t) => ({
          name: t.name ?? '',
          filter: t.filter ?? '',
          approve: t.approve ?? 0,
          deny: t.deny ?? 0,
        })),
      });
      if (allow.max_duration) {
        this.maxDurationMatchers.push({ matchers: all, ms: parseGoDuration(allow.max_duration) });
      }
    }
    this.suggestedReviewers.push(...(allow.suggested_reviewers ?? []));
  }

  canRequestRole(name: string): boolean {
    if (anyMatch(this.denyRequest, name)) return false;
    return anyMatch(this.allowRequest, name);
  }

  canSearchAsRole(name: string): boolean {
    if (this.denySearch.includes(name) || anyMatch(this.denyRequest, name)) return false;
    return this.allowSearch.includes(name);
  }

  /** Existing roles the user does not hold and may request (GetRequestableRoles without resources). */
  requestableRoles(): string[] {
    return this.cfg.roles
      .map((r) => r.name)
      .filter((n) => !this.user.roles.includes(n) && this.canRequestRole(n));
  }

  /** The usable search_as_roles (allowedSearchAsRoles). */
  searchAsRoles(): string[] {
    return this.allowSearch.filter((r) => this.canSearchAsRole(r));
  }

  /** Roles a resource request gets: the usable search_as_roles (the dev cluster does not prune). */
  applicableSearchAsRoles(): string[] {
    const roles = this.searchAsRoles();
    if (!roles.length) {
      throw new AccessError(
        'access-denied',
        `Resource Access Requests require usable "search_as_roles", none found for user "${this.user.name}"`,
      );
    }
    return roles;
  }

  /**
   * pruneResourceRequestRoles: the search_as roles that reach at least one requested resource (with the
   * login hint, the one with the fewest logins per resource). Resources of other clusters, or no lookup:
   * every role.
   */
  pruneResourceRoles(roles: string[], ids: ResourceId[], loginHint: string): string[] {
    if (!this.lookup || ids.some((id) => id.cluster !== this.cfg.cluster_name)) return roles;
    const configs = roles
      .map((n) => this.cfg.roles.find((r) => r.name === n))
      .filter((r): r is NonNullable<typeof r> => !!r);
    const logins = (r: (typeof configs)[number]) => [
      ...new Set(r.logins.flatMap((l) => interpolate(l, this.traits))),
    ];
    const necessary = new Set<string>();
    for (const id of ids) {
      const res = this.lookup(id);
      if (!res) continue;
      let forResource = configs.filter(
        (r) => roleAllows([r], res.kind, res.labels) && (!loginHint || logins(r).includes(loginHint)),
      );
      if (loginHint && forResource.length > 1) {
        forResource = [forResource.reduce((a, b) => (logins(b).length < logins(a).length ? b : a))];
      }
      for (const r of forResource) necessary.add(r.name);
    }
    if (!necessary.size) {
      throw bad(
        'no roles configured in the "search_as_roles" for this user allow access to any requested resources. ' +
          'The user may already have access to all requested resources with their existing roles. ' +
          `resources: ${resourceIdsToString(ids)} roles: [${roles.join(' ')}] login: ${JSON.stringify(loginHint)}`,
      );
    }
    return [...necessary];
  }

  /** isReasonRequired: [required, explanation]. */
  reasonRequired(roles: string[], resourceRequest: boolean): [boolean, string] {
    if (this.requireReasonForAll) {
      return [true, 'request reason must be specified (required request_access option in one of the roles)'];
    }
    const all = resourceRequest ? [...roles, ...this.applicableSearchAsRoles()] : roles;
    const r = all.find((x) => this.requiringReasonRoles.has(x));
    if (r !== undefined) return [true, `request reason must be specified (required for role "${r}")`];
    return [false, ''];
  }

  private maxDurationForRole(role: string): number {
    let max = 0;
    for (const m of this.maxDurationMatchers) if (anyMatch(m.matchers, role) && m.ms > max) max = m.ms;
    return max;
  }

  /** Thresholds and the role→threshold-set mapping (thresholdCollector / collectSetsForRole). */
  thresholdsFor(roles: string[]): { thresholds: Threshold[]; rtm: Record<string, number[][]> } {
    const thresholds: Threshold[] = [];
    const pushThreshold = (t: Threshold): number => {
      const i = thresholds.findIndex(
        (x) => x.name === t.name && x.filter === t.filter && x.approve === t.approve && x.deny === t.deny,
      );
      if (i >= 0) return i;
      thresholds.push(t);
      return thresholds.length - 1;
    };
    const rtm: Record<string, number[][]> = {};
    for (const role of roles) {
      const sets: number[][] = [];
      for (const tm of this.thresholdMatchers) {
        if (!anyMatch(tm.matchers, role)) continue;
        const ts = tm.thresholds.length ? tm.thresholds : [DEFAULT_THRESHOLD];
        sets.push(ts.map(pushThreshold));
      }
      if (!sets.length) throw bad(`role "${role}" matches no threshold sets (this is a bug)`);
      rtm[role] = sets;
    }
    return { thresholds, rtm };
  }

  /** The roles' strictest max_session_ttl, bounded by the requester's certificate (truncateTTL). */
  private truncateTtl(identityExpires: Date, expiry: Date | undefined, roles: string[], now: number): number {
    let ttl = MAX_CERT_DURATION_MS;
    const identityTtl = identityExpires.getTime() - now;
    if (identityTtl > 0 && identityTtl < ttl) ttl = identityTtl;
    const expiryTtl = expiry ? expiry.getTime() - now : 0;
    if (expiryTtl > 0 && expiryTtl < ttl) ttl = expiryTtl;
    for (const name of roles) {
      const role = this.cfg.roles.find((r) => r.name === name);
      const roleTtl = role?.max_session_ttl
        ? parseGoDuration(role.max_session_ttl)
        : DEFAULT_MAX_SESSION_TTL_MS;
      if (roleTtl > 0 && roleTtl < ttl) ttl = roleTtl;
    }
    return ttl;
  }

  /**
   * Validates a new pending request and fills the server-side fields (Validate with ExpandVars).
   * `requested` holds what the client asked for: session TTL (Spec.Expires), max duration, request TTL.
   */
  validate(
    req: AccessRequest,
    identityExpires: Date,
    requested: { accessExpiry?: Date; maxDuration?: Date; expiry?: Date },
    now = Date.now(),
  ): void {
    if (req.roles.length === 1 && req.roles[0] === '*') {
      if (req.state !== RequestState.PENDING) {
        throw bad(`wildcard requests are not permitted in state ${stateName(req.state)}`);
      }
      const requestable = this.requestableRoles();
      if (!requestable.length) throw bad('no requestable roles, please verify static RBAC configuration');
      req.roles = requestable.sort();
    }
    const resourceRequest = req.resourceIds.length > 0;
    if (!req.requestReason.trim()) {
      const [required, why] = this.reasonRequired(req.roles, resourceRequest);
      if (required) throw bad(why);
    }
    for (const role of req.roles) {
      const ok = resourceRequest ? this.canSearchAsRole(role) : this.canRequestRole(role);
      if (!ok) throw bad(`user "${req.user}" can not request role "${role}"`);
    }
    if (resourceRequest && req.roles.length === 0) {
      req.roles = this.pruneResourceRoles(
        this.applicableSearchAsRoles(),
        req.resourceIds,
        req.loginHint,
      ).sort();
    }

    const { thresholds, rtm } = this.thresholdsFor(req.roles);
    req.thresholds = thresholds;
    req.rtm = rtm;
    if (!req.suggestedReviewers.length) req.suggestedReviewers = dedupe(this.suggestedReviewers);

    // Session TTL: what was asked (Spec.Expires), capped by the requester's certificate and the roles.
    const sessionTtl = this.truncateTtl(identityExpires, requested.accessExpiry, req.roles, now);
    if (requested.accessExpiry) {
      const asked = requested.accessExpiry.getTime() - now;
      if (asked > sessionTtl) {
        throw bad(
          `invalid session TTL: ${goDurationString(asked * 1e6)} greater than maximum allowed (${goDurationString(sessionTtl * 1e6)})`,
        );
      }
    }
    const maxDuration = this.maxAccessDuration(req, requested.maxDuration, sessionTtl);
    const access = maxDuration > 0 ? maxDuration : sessionTtl;
    req.sessionTtl = new Date(now + (maxDuration > 0 ? Math.min(sessionTtl, maxDuration) : sessionTtl));
    req.accessExpiry = new Date(now + access);
    req.maxDuration = req.accessExpiry;
    req.expiry = new Date(now + this.pendingTtl(requested.expiry, access, now));
    if (req.assumeStartTime) validateAssumeStartTime(req.assumeStartTime, req.accessExpiry, req.created);
  }

  /** calculateMaxAccessDuration. */
  private maxAccessDuration(req: AccessRequest, asked: Date | undefined, sessionTtl: number): number {
    const maxDuration = asked ? asked.getTime() - req.created.getTime() : 0;
    if (asked && maxDuration < 0) throw bad('invalid maxDuration: must be greater than creation time');
    if (maxDuration > MAX_ACCESS_DURATION_MS) {
      throw bad(
        `max_duration must be less than or equal to ${goDurationString(MAX_ACCESS_DURATION_MS * 1e6)}`,
      );
    }
    let minAdj = 0;
    for (const role of req.roles) {
      const forRole = this.maxDurationForRole(role);
      if (minAdj === 0 || forRole < minAdj) minAdj = forRole;
    }
    if (asked && maxDuration < minAdj) minAdj = maxDuration;
    if (minAdj === 0 && maxDuration < sessionTtl) return maxDuration;
    return minAdj;
  }

  /** calculatePendingRequestTTL. */
  private pendingTtl(asked: Date | undefined, accessTtl: number, now: number): number {
    const expiry = asked ? asked.getTime() : now + Math.min(PENDING_REQUEST_TTL_MS, accessTtl);
    if (expiry < now) throw bad('invalid request TTL: Access Request can not be created in the past');
    const ttl = expiry - now;
    if (asked) {
      const max = Math.min(PENDING_REQUEST_TTL_MS, accessTtl);
      if (ttl > max) {
        throw bad(
          `invalid request TTL: ${goDurationString(ttl * 1e6)} greater than maximum allowed (${goDurationString(max * 1e6)})`,
        );
      }
    }
    return ttl;
  }
}

/** ValidateAccessRequest: name, sizes (done before the validator). */
export function checkRequestBasics(req: AccessRequest): void {
  if (!req.user) throw bad('access request user name not set');
  if (!req.roles.length && !req.resourceIds.length) {
    throw bad('access request does not specify any roles or resources');
  }
  if (req.requestReason.length > MAX_REASON_SIZE) {
    throw bad(`access request reason is too long, max ${MAX_REASON_SIZE} bytes`);
  }
  if (req.resourceIds.length > MAX_RESOURCES) {
    throw bad(`access request contains too many resources (${req.resourceIds.length}), max ${MAX_RESOURCES}`);
  }
}

/** constants.MaxAssumeStartDuration: one week. */
const MAX_ASSUME_START_MS = 7 * 24 * 3600_000;

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** types.ValidateAssumeStartTime. */
export function validateAssumeStartTime(start: Date, accessExpiry: Date, created: Date): void {
  if (start.getTime() < created.getTime()) throw bad(`assume start time has to be after ${rfc3339(created)}`);
  if (start.getTime() >= accessExpiry.getTime()) {
    throw bad(`assume start time must be prior to access expiry time at ${rfc3339(accessExpiry)}`);
  }
  const latest = new Date(created.getTime() + MAX_ASSUME_START_MS);
  if (latest.getTime() < accessExpiry.getTime() && start.getTime() > latest.getTime()) {
    throw bad(`assume start time is too far in the future, latest time allowed is ${rfc3339(latest)}`);
  }
}
