// Reviews and the review-based resolution of a request (upstream lib/services/access_request.go
// ApplyAccessReview, checkReviewCompat, calculateReviewBasedResolution) and who may review what
// (ReviewPermissionChecker: the reviewer's statically assigned roles, never their own request).
import type { DevClusterConfig, UserConfig } from '../config.js';
import { roleDeny, userRoles } from '../rbac.js';
import { roleMatchers, type Matcher } from './matcher.js';
import { AccessError, RequestState, stateName, type AccessRequest, type Review } from './model.js';
import { validateAssumeStartTime } from './validator.js';
import { evaluateWhere, type WhereContext } from './where.js';

/** Whether a threshold's filter matches the review (empty matches). */
function thresholdMatches(filter: string, ctx: WhereContext): boolean {
  return filter === '' || evaluateWhere(filter, ctx);
}

/** The resolution a request's reviews reach, or undefined while it stays pending. */
export function reviewBasedResolution(
  req: AccessRequest,
): { state: RequestState; reason: string } | undefined {
  const { thresholds, reviews } = req;
  if (!thresholds.length || !reviews.length) return undefined;
  const approved = new Set<string>();
  let denied = false;
  const counts = thresholds.map(() => ({ approval: 0, denial: 0 }));
  let last: Review | undefined;
  const roles = Object.entries(req.rtm);
  outer: for (const rev of reviews) {
    last = rev;
    for (const idx of rev.thresholdIndexes) {
      if (idx >= thresholds.length) throw new Error(`threshold index '${idx}' out of range (this is a bug)`);
      if (rev.proposedState === RequestState.APPROVED) counts[idx].approval++;
      else if (rev.proposedState === RequestState.DENIED) counts[idx].denial++;
      else if (rev.proposedState === RequestState.PROMOTED) break outer;
    }
    if (thresholds.some((t, i) => t.deny !== 0 && counts[i].denial >= t.deny)) {
      denied = true;
      break;
    }
    for (const [role, sets] of roles) {
      if (approved.has(role)) continue;
      const allSetsMet = sets.every((set) =>
        set.some((idx) => thresholds[idx].approve !== 0 && counts[idx].approval >= thresholds[idx].approve),
      );
      if (!allSetsMet) continue outer;
      approved.add(role);
    }
    break;
  }
  if (!last) return undefined;
  if (last.proposedState === RequestState.APPROVED && approved.size !== roles.length) return undefined;
  if (last.proposedState === RequestState.DENIED && !denied) return undefined;
  return { state: last.proposedState, reason: last.reason };
}

/** The reviewer as threshold filters and `where` predicates see them. */
function reviewerContext(cfg: DevClusterConfig, author: UserConfig) {
  void cfg;
  return { roles: [...author.roles], traits: author.traits ?? {} };
}

/** ApplyAccessReview: checks, threshold indexes, the review appended, the state transition. */
export function applyReview(
  cfg: DevClusterConfig,
  req: AccessRequest,
  rev: Review,
  author: UserConfig,
  now = new Date(),
): void {
  if (rev.author !== author.name) {
    throw new AccessError(
      'bad-parameter',
      `mismatched review author (expected "${rev.author}", got "${author.name}")`,
    );
  }
  rev.roles = [...new Set(rev.roles)].sort();
  if (
    rev.proposedState !== RequestState.APPROVED &&
    rev.proposedState !== RequestState.DENIED &&
    rev.proposedState !== RequestState.PROMOTED
  ) {
    throw new AccessError(
      'bad-parameter',
      `invalid state proposal: ${stateName(rev.proposedState)} (expected approval/denial)`,
    );
  }
  if (!req.thresholds.length)
    throw new AccessError('bad-parameter', 'request is uninitialized or does not support reviews');
  if (req.reviews.some((r) => r.author === rev.author)) {
    throw new AccessError('access-denied', `user "${rev.author}" has already reviewed this request`);
  }
  if (rev.roles.length && rev.roles.length !== Object.keys(req.rtm).length) {
    throw new AccessError(
      'not-implemented',
      'role subselection is not yet supported in reviews, try omitting role list',
    );
  }
  for (const role of rev.roles) {
    if (!(role in req.rtm))
      throw new AccessError('bad-parameter', `role "${role}" is not a member of this request`);
  }
  const ctx: WhereContext = {
    reviewer: reviewerContext(cfg, author),
    review: { reason: rev.reason, annotations: {} },
    request: { roles: req.roles, reason: req.requestReason, system_annotations: req.systemAnnotations },
  };
  rev.thresholdIndexes = req.thresholds.flatMap((t, i) => (thresholdMatches(t.filter, ctx) ? [i] : []));
  if (!rev.created || Number.isNaN(rev.created.getTime()) || rev.created.getTime() <= 0) rev.created = now;
  switch (req.state) {
    case RequestState.APPROVED:
      throw new AccessError('access-denied', 'the access request has been already approved');
    case RequestState.DENIED:
      throw new AccessError('access-denied', 'the access request has been already denied');
    case RequestState.PROMOTED:
      throw new AccessError('access-denied', 'the access request has been already promoted');
    default:
  }
  req.reviews.push(rev);
  if (rev.assumeStartTime) {
    validateAssumeStartTime(rev.assumeStartTime, req.accessExpiry, req.created);
    req.assumeStartTime = rev.assumeStartTime;
  }
  const res = reviewBasedResolution(req);
  if (!res) return;
  req.state = res.state;
  req.resolveReason = res.reason;
  // A resolved request lives as long as the access it grants.
  req.expiry = req.accessExpiry;
}

/** ReviewPermissionChecker from the reviewer's statically assigned roles, grouped by `where`. */
export class ReviewPermissions {
  private allow = new Map<string, Matcher[]>();
  private deny = new Map<string, Matcher[]>();
  private readonly reviewer: { roles: string[]; traits: Record<string, string[]> };

  constructor(
    cfg: DevClusterConfig,
    readonly user: UserConfig,
  ) {
    const traits = user.traits ?? {};
    this.reviewer = reviewerContext(cfg, user);
    for (const role of userRoles(cfg, user)) {
      const a = role.review_requests;
      const d = roleDeny(role).review_requests;
      if (a) this.add(this.allow, a.where ?? '', roleMatchers(a.roles, traits));
      if (d) this.add(this.deny, d.where ?? '', roleMatchers(d.roles, traits));
    }
  }

  private add(m: Map<string, Matcher[]>, where: string, ms: Matcher[]): void {
    m.set(where, [...(m.get(where) ?? []), ...ms]);
  }

  hasAllowDirectives(): boolean {
    return [...this.allow.values()].some((ms) => ms.length > 0);
  }

  /** CanReviewRequest: not one's own; no deny match; every requested role allowed. */
  canReview(req: AccessRequest): boolean {
    if (req.user === this.user.name) return false;
    const ctx: WhereContext = {
      reviewer: this.reviewer,
      request: { roles: req.roles, reason: req.requestReason, system_annotations: req.systemAnnotations },
    };
    for (const [where, ms] of this.deny) {
      if (where && !evaluateWhere(where, ctx)) continue;
      if (req.roles.some((r) => ms.some((m) => m(r)))) return false;
    }
    let needs = [...req.roles];
    for (const [where, ms] of this.allow) {
      if (where && !evaluateWhere(where, ctx)) continue;
      needs = needs.filter((r) => !ms.some((m) => m(r)));
      if (!needs.length) break;
    }
    return needs.length === 0;
  }
}
