// The access-request parts of a role in the dev cluster's flat role config, validated when the config
// loads: upstream allow.request / deny.request (AccessRequestConditions), allow.review_requests /
// deny.review_requests (AccessReviewConditions), options.request_access and options.request_prompt.
import { parseGoDuration } from '../../format/duration.js';
import { goDurationString } from '../../format/duration.js';

/** `request:` of a role (upstream allow.request). */
export interface RequestConditionsConfig {
  roles?: string[];
  search_as_roles?: string[];
  thresholds?: Array<{ name?: string; filter?: string; approve?: number; deny?: number }>;
  suggested_reviewers?: string[];
  /** Go duration, at most 14 days (services.MaxAccessDuration). */
  max_duration?: string;
  /** allow.request.reason.mode: "required" makes a reason mandatory for these roles. */
  reason?: { mode?: 'required' | 'optional' };
}

/** `review_requests:` of a role (upstream allow.review_requests). */
export interface ReviewConditionsConfig {
  roles?: string[];
  where?: string;
}

/** options.request_access (types.RequestStrategy). */
export type RequestStrategy = 'optional' | 'reason' | 'always';

/** services.MaxAccessDuration: 14 days. */
export const MAX_ACCESS_DURATION_MS = 14 * 24 * 3600_000;

function stringList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' || typeof x === 'number'))
    throw new Error(`${where} must be a list of strings`);
  return v.map(String);
}

function mapping(v: unknown, where: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where} must be a mapping`);
  return v as Record<string, unknown>;
}

function count(v: unknown, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new Error(`${where} must be a whole number >= 0`);
  return v;
}

/** Normalizes `request:` (throws Error with a config path on bad input). */
export function requestConditions(v: unknown, where: string): RequestConditionsConfig | undefined {
  const m = mapping(v, where);
  if (!m) return undefined;
  const known = ['roles', 'search_as_roles', 'thresholds', 'suggested_reviewers', 'max_duration', 'reason'];
  const unknown = Object.keys(m).find((k) => !known.includes(k));
  if (unknown) throw new Error(`${where} has unknown key "${unknown}"`);
  const out: RequestConditionsConfig = {
    roles: stringList(m.roles, `${where}.roles`),
    search_as_roles: stringList(m.search_as_roles, `${where}.search_as_roles`),
    suggested_reviewers: stringList(m.suggested_reviewers, `${where}.suggested_reviewers`),
  };
  if (m.thresholds !== undefined && m.thresholds !== null) {
    if (!Array.isArray(m.thresholds)) throw new Error(`${where}.thresholds must be a list`);
    out.thresholds = m.thresholds.map((t, i) => {
      const tm = mapping(t, `${where}.thresholds[${i}]`) ?? {};
      return {
        name: tm.name === undefined ? '' : String(tm.name),
        filter: tm.filter === undefined || tm.filter === null ? '' : String(tm.filter),
        approve: count(tm.approve, `${where}.thresholds[${i}].approve`),
        deny: count(tm.deny, `${where}.thresholds[${i}].deny`),
      };
    });
  }
  if (m.max_duration !== undefined && m.max_duration !== null) {
    let ms: number;
    try {
      ms = parseGoDuration(String(m.max_duration));
    } catch {
      throw new Error(`${where}.max_duration "${String(m.max_duration)}" is not a duration such as 8h`);
    }
    // ValidateAccessPredicates' message.
    if (ms > MAX_ACCESS_DURATION_MS) {
      throw new Error(
        `${where}: max access duration must be less than or equal to ${goDurationString(MAX_ACCESS_DURATION_MS * 1e6)}`,
      );
    }
    out.max_duration = String(m.max_duration);
  }
  const reason = mapping(m.reason, `${where}.reason`);
  if (reason) {
    const mode = reason.mode === undefined ? 'optional' : String(reason.mode);
    if (mode !== 'required' && mode !== 'optional') {
      throw new Error(
        `${where}.reason: unrecognized request reason mode "${mode}", must be one of: [required optional]`,
      );
    }
    out.reason = { mode };
  }
  return out;
}

/** Normalizes `review_requests:`. */
export function reviewConditions(v: unknown, where: string): ReviewConditionsConfig | undefined {
  const m = mapping(v, where);
  if (!m) return undefined;
  const unknown = Object.keys(m).find((k) => k !== 'roles' && k !== 'where');
  if (unknown) throw new Error(`${where} has unknown key "${unknown}"`);
  return {
    roles: stringList(m.roles, `${where}.roles`),
    where: m.where === undefined || m.where === null ? '' : String(m.where),
  };
}

export function requestStrategy(v: unknown, where: string): RequestStrategy | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  if (s !== 'optional' && s !== 'reason' && s !== 'always')
    throw new Error(`${where} "${s}" is not one of optional, reason, always`);
  return s;
}
