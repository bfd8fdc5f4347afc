// The part of upstream's access checker (lib/services/access_checker.go, role.go) that listings use to
// show which principals the caller may use: the roles the cluster reports for the current user
// (GetCurrentUserRoles), their traits applied (ApplyTraits, with GetCurrentUser's traits), then
// RoleSet.checkAccess per principal — EnumerateDatabaseUsers for `tsh db ls`, GetAllowedLoginsForResource
// for `tshjs desktop ls`. Only namespaces, db_labels/db_users and windows_desktop_labels/
// windows_desktop_logins (allow and deny) are modelled; label expressions, auto-user provisioning and
// resource IDs from access requests are not.
import type { RoleConditions, RoleV6, UserV2 } from '../gen/teleport/legacy/types/types.js';
import type { LabelValues } from '../gen/teleport/legacy/types/wrappers/wrappers.js';

/** types.Wildcard */
const WILDCARD = '*';
/** apidefaults.Namespace */
const DEFAULT_NAMESPACE = 'default';

/** A role's label selector: key → accepted values (types.Labels). */
export type LabelSelector = Record<string, string[]>;

/** The conditions of one side (allow or deny) of a role, traits applied. */
export interface Conditions {
  namespaces: string[];
  dbLabels: LabelSelector;
  dbUsers: string[];
  desktopLabels: LabelSelector;
  windowsLogins: string[];
}

export interface CheckedRole {
  name: string;
  allow: Conditions;
  deny: Conditions;
}

/** An access checker: the user's roles (traits applied) and traits. */
export interface AccessChecker {
  username: string;
  roles: CheckedRole[];
  traits: Record<string, string[]>;
}

export function labelValues(l: LabelValues | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(l?.Values ?? {})) out[k] = [...(v.Values ?? [])];
  return out;
}

const TEMPLATE = /^(.*?)\{\{\s*(internal|external)(?:\.([\w-]+)|\[\s*"([^"]+)"\s*\])\s*\}\}(.*)$/s;

/**
 * utils.ApplyValueTraits, for the plain forms `{{internal.x}}`, `{{external.x}}`, `{{external["x"]}}`
 * with literal text around them: one output per trait value; a value naming a missing trait, or using
 * a template function tshjs does not evaluate, is dropped (upstream skips values it cannot resolve).
 */
export function applyValueTraits(value: string, traits: Record<string, string[]>): string[] {
  if (!value.includes('{{')) return [value];
  const m = TEMPLATE.exec(value);
  if (!m) return [];
  const values = traits[m[3] ?? m[4]] ?? [];
  return values.filter((v) => v !== '').map((v) => `${m[1]}${v}${m[5]}`);
}

function applySlice(values: string[], traits: Record<string, string[]>): string[] {
  return [...new Set(values.flatMap((v) => applyValueTraits(v, traits)))];
}

/** applyLabelsTraits: keys and values interpolated; a key that does not resolve to one value is dropped. */
function applyLabels(sel: Record<string, string[]>, traits: Record<string, string[]>): LabelSelector {
  const out: LabelSelector = {};
  for (const [k, vs] of Object.entries(sel)) {
    const keys = applyValueTraits(k, traits);
    if (keys.length !== 1) continue;
    const values = applySlice(vs, traits);
    if (values.length) out[keys[0]] = values;
  }
  return out;
}

function conditions(c: RoleConditions | undefined, traits: Record<string, string[]>): Conditions {
  return {
    namespaces: [...(c?.Namespaces ?? [])],
    dbLabels: applyLabels(labelValues(c?.DatabaseLabels), traits),
    dbUsers: applySlice(c?.DatabaseUsers ?? [], traits),
    desktopLabels: applyLabels(labelValues(c?.WindowsDesktopLabels), traits),
    windowsLogins: applySlice(c?.WindowsDesktopLogins ?? [], traits),
  };
}

/**
 * services.NewAccessCheckerForRemoteCluster: the roles GetCurrentUserRoles returned, with the traits of
 * GetCurrentUser applied (ApplyTraits).
 */
export function accessChecker(user: UserV2, roles: RoleV6[]): AccessChecker {
  const traits = labelValues(user.Spec?.Traits);
  return {
    username: user.Metadata?.Name ?? '',
    traits,
    roles: roles.map((r) => ({
      name: r.Metadata?.Name ?? '',
      allow: conditions(r.Spec?.Allow, traits),
      deny: conditions(r.Spec?.Deny, traits),
    })),
  };
}

/** utils.MatchString: "^…$" is a regular expression, anything else a glob where "*" is any text. */
function matchString(input: string, expr: string): boolean {
  let re: RegExp;
  try {
    re =
      expr.startsWith('^') && expr.endsWith('$')
        ? new RegExp(expr, 's')
        : new RegExp(`^${expr.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '*' ? '(.*)' : `\\${c}`))}$`, 's');
  } catch {
    return false;
  }
  return re.test(input);
}

/** services.MatchLabels: an empty selector matches nothing, {"*": ["*"]} everything. */
export function matchLabels(selector: LabelSelector, target: Record<string, string>): boolean {
  const keys = Object.keys(selector);
  if (keys.length === 0) return false;
  const any = selector[WILDCARD];
  if (any && any.length === 1 && any[0] === WILDCARD) return true;
  for (const key of keys) {
    if (!(key in target)) return false;
    const values = selector[key];
    if (values.includes(WILDCARD)) continue;
    if (!values.some((v) => matchString(target[key], v))) return false;
  }
  return true;
}

function matchNamespace(selectors: string[], namespace: string): boolean {
  return selectors.some((n) => n === namespace || n === WILDCARD);
}

/** services.MatchDatabaseUser(selectors, user, matchWildcard=true), as DatabaseUserMatcher uses it. */
function matchDatabaseUser(selectors: string[], user: string): boolean {
  return selectors.some((u) => u === user || u === WILDCARD);
}

/** What RoleSet.checkAccess reads of a role for one kind of resource. */
interface ResourceKind {
  /** The role's label selector for the kind (checkRoleLabelsMatch). */
  labels(c: Conditions): LabelSelector;
  /** The principal matcher (a RoleMatcher) on one side of a role. */
  matches(c: Conditions, principal: string): boolean;
}

const DATABASE: ResourceKind = {
  labels: (c) => c.dbLabels,
  matches: (c, user) => matchDatabaseUser(c.dbUsers, user),
};

/** windowsLoginMatcher: exact match only; a "*" login is no wildcard. */
const WINDOWS_DESKTOP: ResourceKind = {
  labels: (c) => c.desktopLabels,
  matches: (c, login) => c.windowsLogins.includes(login),
};

/**
 * RoleSet.checkAccess: a deny rule whose namespace and labels match denies, and deny rules are greedy
 * (any matcher matching its deny side denies); an allow rule needs its namespace, labels and every
 * matcher. Without a principal only namespaces and labels are checked.
 */
function checkAccess(
  roles: CheckedRole[],
  kind: ResourceKind,
  labels: Record<string, string>,
  principal?: string,
): boolean {
  for (const r of roles) {
    if (!matchNamespace(r.deny.namespaces, DEFAULT_NAMESPACE)) continue;
    if (matchLabels(kind.labels(r.deny), labels)) return false;
    if (principal !== undefined && kind.matches(r.deny, principal)) return false;
  }
  return roles.some(
    (r) =>
      matchNamespace(r.allow.namespaces, DEFAULT_NAMESPACE) &&
      matchLabels(kind.labels(r.allow), labels) &&
      (principal === undefined || kind.matches(r.allow, principal)),
  );
}

/** dbUsers in tool/tsh/common/tsh.go: both omitempty in JSON. */
export interface DatabaseUsers {
  allowed?: string[];
  denied?: string[];
}

function byteSort(xs: string[]): string[] {
  return xs.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * getDBUsers (tool/tsh/common/tsh.go) over accessChecker.EnumerateDatabaseUsers / EnumerateEntities:
 * users named by any role (allow or deny) are checked one by one; "*" heads the allowed list when a
 * role that grants the database allows any user and no role denies "*", and only then are the denied
 * users listed.
 */
export function databaseUsers(checker: AccessChecker, labels: Record<string, string>): DatabaseUsers {
  let wildcardAllowed = false;
  let wildcardDenied = false;
  const named: string[] = [];
  for (const r of checker.roles) {
    let allowAny = false;
    for (const u of r.allow.dbUsers) {
      if (u === WILDCARD) allowAny = true;
      else named.push(u);
    }
    for (const u of r.deny.dbUsers) {
      if (u === WILDCARD) wildcardDenied = true;
      else named.push(u);
    }
    if (allowAny && checkAccess([r], DATABASE, labels)) wildcardAllowed = true;
  }
  const allowed: string[] = [];
  const denied: string[] = [];
  for (const u of new Set(named))
    (checkAccess(checker.roles, DATABASE, labels, u) ? allowed : denied).push(u);
  // EnumerationResult.Allowed() is empty when "*" is denied; WildcardAllowed() needs it not denied.
  const out: DatabaseUsers = {};
  let allow = wildcardDenied ? [] : byteSort(allowed);
  if (wildcardAllowed && !wildcardDenied) {
    allow = [WILDCARD, ...allow];
    if (denied.length) out.denied = byteSort(denied);
  }
  if (allow.length) out.allowed = allow;
  return out;
}

/** Go's fmt "%v" of a []string: "[a b c]". */
function goList(xs: string[]): string {
  return `[${xs.join(' ')}]`;
}

/**
 * The Allowed Users cell (formatUsersForDB / common.FormatAllowedEntities): "(unknown)" without an
 * access checker, "(none)" when nothing is allowed, "[a b]", or "[*], except: [c]".
 */
export function formatAllowedUsers(users: DatabaseUsers | undefined): string {
  if (!users) return '(unknown)';
  if (!users.allowed?.length) return '(none)';
  if (!users.denied?.length) return goList(users.allowed);
  return `${goList(users.allowed)}, except: ${goList(users.denied)}`;
}

/**
 * accessChecker.GetAllowedLoginsForResource for a Windows desktop (what Connect lists per desktop): the
 * windows_desktop_logins some role allows and no role denies — a deny entry drops the login whatever
 * that rule's labels — each kept only if checkAccess grants the desktop with that login. Byte-sorted
 * (upstream returns map order).
 */
export function windowsDesktopLogins(checker: AccessChecker, labels: Record<string, string>): string[] {
  const denied = new Set(checker.roles.flatMap((r) => r.deny.windowsLogins));
  const candidates = new Set(checker.roles.flatMap((r) => r.allow.windowsLogins));
  const allowed = [...candidates].filter(
    (l) => !denied.has(l) && checkAccess(checker.roles, WINDOWS_DESKTOP, labels, l),
  );
  return byteSort(allowed);
}

/** The Logins cell of `tshjs desktop ls`: comma-joined like the Labels cell; "(unknown)" without roles. */
export function formatLogins(logins: string[] | undefined): string {
  return logins ? logins.join(',') : '(unknown)';
}
