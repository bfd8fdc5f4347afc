// `tsh request …` output (tool/tsh/common/access_request.go, v17/v18 line): the `request ls` table,
// the `request show` block, Go's JSON of types.AccessRequestV3 (encoding/json through
// utils.FastMarshalIndent: struct order, omitempty, numeric enums, non-nullable times always
// present) and its YAML (ghodss/yaml over that JSON). Facts: docs/access-requests.md.
import type { RequestableResource } from '../client/accesssearch.js';
import { resourceIDToString, resourceIDsToString } from '../client/resourceid.js';
import { goDurationString } from '../format/duration.js';
import { GO_ZERO_TIME, goFormatUTC, goLocalZone, goTimeJSON } from '../format/gotime.js';
import { goYAML } from '../format/goyaml.js';
import {
  RequestState,
  type AccessRequestV3,
  type AccessReview,
  type AccessReviewThreshold,
  type ResourceID,
  type ThresholdIndexSets,
} from '../gen/teleport/legacy/types/types.js';
import type { LabelValues } from '../gen/teleport/legacy/types/wrappers/wrappers.js';
import { formatLabels, formatResourceName } from './labels.js';
import { fastMarshalIndent } from './printer.js';
import { metadataJSON, type GoJSON, type GoJSONObject } from './resourcejson.js';
import { goQuote } from './statusformat.js';
import { Table } from './table.js';

/** requestLoginHint. */
export const REQUEST_LOGIN_HINT =
  "use 'tsh login --request-id=<request-id>' to login with an approved request";

/** A UTC time in Go's time.RFC822 layout ("02 Jan 06 15:04 MST"). */
export function rfc822UTC(t: Date): string {
  const yy = String(t.getUTCFullYear() % 100).padStart(2, '0');
  return `${goFormatUTC(t, '02 Jan')} ${yy} ${goFormatUTC(t, '15:04')} UTC`;
}

/** RequestState.String() (gogo enum names). */
export function requestStateName(s: RequestState | undefined): string {
  return RequestState[s ?? 0] ?? String(s);
}

// ---------------------------------------------------------------------------------------------
// Go JSON of the AccessRequestV3 struct.

function setIf(o: GoJSONObject, key: string, v: string | number | boolean | undefined): void {
  if (v) o[key] = v;
}

function stringsOrNull(s: string[] | undefined): GoJSON {
  return s?.length ? [...s] : null;
}

function sortedKeys(m: object | undefined): string[] {
  return Object.keys(m ?? {}).sort();
}

/** wrappers.LabelValues is a Traits map (string -> []string) in Go's JSON. */
function labelValuesJSON(l: LabelValues | undefined): GoJSONObject | undefined {
  const vals = l?.Values ?? {};
  const keys = sortedKeys(vals);
  if (!keys.length) return undefined;
  const out: GoJSONObject = {};
  for (const k of keys) out[k] = stringsOrNull(vals[k]?.Values);
  return out;
}

function thresholdJSON(t: AccessReviewThreshold): GoJSONObject {
  const o: GoJSONObject = {};
  setIf(o, 'name', t.Name);
  setIf(o, 'filter', t.Filter);
  setIf(o, 'approve', t.Approve);
  setIf(o, 'deny', t.Deny);
  return o;
}

function indexSetsJSON(s: ThresholdIndexSets | undefined): GoJSONObject {
  const o: GoJSONObject = {};
  if (s?.Sets.length) {
    o.s = s.Sets.map((set) => {
      const x: GoJSONObject = {};
      if (set.Indexes.length) x.i = [...set.Indexes];
      return x;
    });
  }
  return o;
}

function resourceIDJSON(r: ResourceID): GoJSONObject {
  const o: GoJSONObject = { cluster: r.ClusterName, kind: r.Kind, name: r.Name };
  setIf(o, 'sub_resource', r.SubResourceName);
  return o;
}

function promotedJSON(p: { Name: string; Title: string }): GoJSONObject {
  return { name: p.Name, title: p.Title };
}

function reviewJSON(r: AccessReview): GoJSONObject {
  const o: GoJSONObject = { author: r.Author };
  if (r.Roles.length) o.roles = [...r.Roles];
  setIf(o, 'proposed_state', r.ProposedState);
  setIf(o, 'reason', r.Reason);
  o.created = goTimeJSON(r.Created);
  const ann = labelValuesJSON(r.Annotations);
  if (ann) o.annotations = ann;
  if (r.ThresholdIndexes.length) o.i = [...r.ThresholdIndexes];
  if (r.AccessList) o.access_list = promotedJSON(r.AccessList);
  if (r.AssumeStartTime) o.assume_start_time = goTimeJSON(r.AssumeStartTime);
  return o;
}

/** types.AccessRequestV3 as encoding/json renders it (field order = proto order). */
export function accessRequestJSON(req: AccessRequestV3): GoJSONObject {
  const s = req.Spec;
  const spec: GoJSONObject = { user: s?.User ?? '', roles: stringsOrNull(s?.Roles) };
  setIf(spec, 'state', s?.State);
  // Non-nullable time.Time: omitempty never drops a struct.
  spec.created = goTimeJSON(s?.Created);
  spec.expires = goTimeJSON(s?.Expires);
  setIf(spec, 'request_reason', s?.RequestReason);
  setIf(spec, 'resolve_reason', s?.ResolveReason);
  const resolveAnn = labelValuesJSON(s?.ResolveAnnotations);
  if (resolveAnn) spec.resolve_annotations = resolveAnn;
  const systemAnn = labelValuesJSON(s?.SystemAnnotations);
  if (systemAnn) spec.system_annotations = systemAnn;
  if (s?.Thresholds.length) spec.thresholds = s.Thresholds.map(thresholdJSON);
  const rtmKeys = sortedKeys(s?.RoleThresholdMapping);
  if (rtmKeys.length) {
    const rtm: GoJSONObject = {};
    for (const k of rtmKeys) rtm[k] = indexSetsJSON(s!.RoleThresholdMapping[k]);
    spec.rtm = rtm;
  }
  if (s?.Reviews.length) spec.reviews = s.Reviews.map(reviewJSON);
  if (s?.SuggestedReviewers.length) spec.suggested_reviewers = [...s.SuggestedReviewers];
  if (s?.RequestedResourceIDs.length) spec.resource_ids = s.RequestedResourceIDs.map(resourceIDJSON);
  setIf(spec, 'login_hint', s?.LoginHint);
  setIf(spec, 'dry_run', s?.DryRun);
  spec.max_duration = goTimeJSON(s?.MaxDuration);
  spec.session_ttl = goTimeJSON(s?.SessionTTL);
  if (s?.AccessList) spec.access_list = promotedJSON(s.AccessList);
  if (s?.AssumeStartTime) spec.assume_start_time = goTimeJSON(s.AssumeStartTime);
  if (s?.ResourceExpiry) spec.expiry = goTimeJSON(s.ResourceExpiry);

  const o: GoJSONObject = { kind: req.Kind };
  setIf(o, 'sub_kind', req.SubKind);
  o.version = req.Version;
  o.metadata = metadataJSON(req.Metadata);
  o.spec = spec;
  return o;
}

/**
 * serializeAccessRequests / serializeAccessRequest: FastMarshalIndent or ghodss yaml.Marshal,
 * printed with Fprint (no newline added: the JSON ends without one).
 */
export function serializeRequests(
  format: 'json' | 'yaml',
  reqs: AccessRequestV3 | readonly AccessRequestV3[],
): string {
  const v = Array.isArray(reqs)
    ? (reqs as readonly AccessRequestV3[]).map(accessRequestJSON)
    : accessRequestJSON(reqs as AccessRequestV3);
  return format === 'json' ? fastMarshalIndent(v) : goYAML(v);
}

// ---------------------------------------------------------------------------------------------
// Text.

const NS_PER_MS = 1_000_000n;
const MIN_DURATION = -(2n ** 63n);
const MAX_DURATION = 2n ** 63n - 1n;

/** time.Until(t).Round(time.Minute).String(), with Go's saturation at the int64 range. */
export function untilRounded(t: Date | undefined, now: Date): string {
  let d = BigInt((t ?? GO_ZERO_TIME).getTime() - now.getTime()) * NS_PER_MS;
  if (d < MIN_DURATION) d = MIN_DURATION;
  if (d > MAX_DURATION) d = MAX_DURATION;
  const m = 60_000_000_000n;
  // Duration.Round: halves away from zero; a result past the int64 range saturates.
  const r = d % m;
  let out: bigint;
  if (d < 0n) {
    out = -r + -r < m ? d - r : d - m - r;
    if (out < MIN_DURATION) out = MIN_DURATION;
  } else {
    out = r + r < m ? d - r : d + m - r;
    if (out > MAX_DURATION) out = MAX_DURATION;
  }
  return goDurationString(out);
}

/** The access expiry (Spec.Expires; zero when unset). */
function accessExpiry(req: AccessRequestV3): Date {
  return req.Spec?.Expires ?? GO_ZERO_TIME;
}

/** AccessRequest.Expiry(): Spec.ResourceExpiry, else Metadata.Expires. */
function requestExpiry(req: AccessRequestV3): Date | undefined {
  return req.Spec?.ResourceExpiry ?? req.Metadata?.Expires;
}

const RESOURCES_MAX = 20;
const RESOURCES_FOOTNOTE = '[+]';
const RESOURCES_NOTE =
  'Requested resources truncated, use `tsh request show <request-id>` to view the full list';

/**
 * showRequestTable: newest first, requests whose access already expired left out, the Resources
 * column cut at 20 bytes with its footnote, then the two hint lines.
 */
export function requestTable(reqs: readonly AccessRequestV3[], now: Date): string {
  const sorted = [...reqs].sort(
    (a, b) => (b.Spec?.Created?.getTime() ?? 0) - (a.Spec?.Created?.getTime() ?? 0),
  );
  const table = new Table(
    [
      'ID',
      'User',
      'Roles',
      'Resources',
      'Created At (UTC)',
      'Request TTL',
      'Session TTL',
      'Assume Time (UTC)',
      'Status',
    ].map((title) => ({ title })),
  );
  let footnote = false;
  for (const req of sorted) {
    if (now.getTime() > accessExpiry(req).getTime()) continue;
    const s = req.Spec;
    let resources = resourceIDsToString(s?.RequestedResourceIDs);
    // asciitable truncateCell cuts bytes; resource IDs are ASCII in practice.
    if (Buffer.byteLength(resources) > RESOURCES_MAX) {
      resources = `${Buffer.from(resources).subarray(0, RESOURCES_MAX).toString()}... ${RESOURCES_FOOTNOTE}`;
      footnote = true;
    }
    table.addRow([
      req.Metadata?.Name ?? '',
      s?.User ?? '',
      (s?.Roles ?? []).join(','),
      resources,
      rfc822UTC(s?.Created ?? GO_ZERO_TIME),
      untilRounded(requestExpiry(req), now),
      untilRounded(s?.Expires, now),
      s?.AssumeStartTime ? rfc822UTC(s.AssumeStartTime) : '',
      requestStateName(s?.State),
    ]);
  }
  let out = table.toString();
  if (footnote) out += `\n${RESOURCES_FOOTNOTE} ${RESOURCES_NOTE}\n`;
  out += "\nhint: use 'tsh request show <request-id>' for additional details\n";
  out += `      ${REQUEST_LOGIN_HINT}\n`;
  return out;
}

/** Go's time.DateTime layout of t in time.Local. */
function localDateTime(t: Date, env: NodeJS.ProcessEnv): string {
  const z = goLocalZone(t, env);
  return goFormatUTC(new Date(t.getTime() + z.offset * 1000), '2006-01-02 15:04:05');
}

/**
 * printRequest: the headless table, the approval and denial blocks (their dash lines written
 * without a newline, as upstream's Fprint does), then the login hint.
 */
export function requestDetails(req: AccessRequestV3, env: NodeJS.ProcessEnv = process.env): string {
  const s = req.Spec;
  const t = Table.headless(2);
  t.addRow(['Request ID:', req.Metadata?.Name ?? '']);
  t.addRow(['Username:', s?.User ?? '']);
  t.addRow(['Roles:', (s?.Roles ?? []).join(', ')]);
  const resources = resourceIDsToString(s?.RequestedResourceIDs);
  if (resources) t.addRow(['Resources:', resources]);
  t.addRow(['Reason:', s?.RequestReason ? goQuote(s.RequestReason) : '[none]']);
  const reviewers = s?.SuggestedReviewers.length ? s.SuggestedReviewers.join(', ') : '[none]';
  t.addRow(['Reviewers:', `${reviewers} (suggested)`]);
  if (s?.Expires && s.Expires.getTime() !== GO_ZERO_TIME.getTime()) {
    t.addRow(['Access Expires:', localDateTime(s.Expires, env)]);
  }
  if (s?.AssumeStartTime) t.addRow(['Assume Start Time:', localDateTime(s.AssumeStartTime, env)]);
  t.addRow(['Status:', requestStateName(s?.State)]);
  let out = t.toString();

  const reviews = s?.Reviews ?? [];
  const block = (title: string, revs: AccessReview[]): string => {
    let b = `------------------------------------------------${title}:\n`;
    for (const rev of revs) {
      b += '  ----------------------------------------------';
      const sub = Table.headless(2);
      sub.addRow(['  Reviewer:', rev.Author]);
      sub.addRow(['  Reason:', rev.Reason ? goQuote(rev.Reason) : '[none]']);
      b += sub.toString();
    }
    return b;
  };
  const approvals = reviews.filter((r) => r.ProposedState === RequestState.APPROVED);
  const denials = reviews.filter((r) => r.ProposedState === RequestState.DENIED);
  if (approvals.length) out += block('Approvals', approvals);
  if (denials.length) out += block('Denials', denials);
  out += `\nhint: ${REQUEST_LOGIN_HINT}\n`;
  return out;
}

/** onRequestReview's line (stderr). */
export function reviewResultLine(proposed: RequestState, result: RequestState): string {
  const name = requestStateName(result);
  return result === RequestState.PENDING || result === proposed
    ? `Successfully submitted review.  Request state: ${name}\n`
    : `Warning: ineffectual review. Request state: ${name}\n`;
}

/** onRequestResolution's line (stderr) for an approved request. */
export function approvalLine(resolveReason: string): string {
  return resolveReason
    ? `\nApproval received, reason=${goQuote(resolveReason)}\nGetting updated certificates...\n\n`
    : '\nApproval received, getting updated certificates...\n\n';
}

/** onRequestResolution's error text for a request that was not approved. */
export function notApprovedMessage(req: AccessRequestV3): string {
  let msg = `request ${req.Metadata?.Name ?? ''} has been set to ${requestStateName(req.Spec?.State)}`;
  if (req.Spec?.ResolveReason) msg += `, reason=${goQuote(req.Spec.ResolveReason)}`;
  return msg;
}

/** onRequestDrop's first line (stdout). */
export function dropLine(ids: readonly string[]): string {
  return ids.length === 1 && ids[0] === '*'
    ? 'Dropping all active access requests...\n\n'
    : `Dropping access request(s): ${ids.join(', ')}...\n\n`;
}

/** onRequestSearch's trailer, when there are resource IDs. */
export function searchTrailer(ids: readonly string[]): string {
  if (!ids.length) return '';
  return `\nTo request access to these resources, run\n> tsh request create --resource ${ids.join(' --resource ')} \\\n    --reason <request reason>\n\n`;
}

/**
 * onRequestSearch's table (non-Kubernetes kinds): duplicates by resource ID dropped; Labels cut to
 * the terminal width unless -v; then the `tsh request create` trailer.
 */
export function searchTable(
  kind: string,
  cluster: string,
  found: readonly RequestableResource[],
  verbose: boolean,
  termWidth: number,
): string {
  const titles =
    kind === 'db'
      ? ['Database Name', 'Labels', 'Resource ID']
      : ['Name', 'Hostname', 'Labels', 'Resource ID'];
  const seen = new Set<string>();
  const rows: string[][] = [];
  for (const r of found) {
    const id = resourceIDToString({ ClusterName: cluster, Kind: r.kind, Name: r.name, SubResourceName: '' });
    if (seen.has(id)) continue;
    seen.add(id);
    const name = formatResourceName(r.name, r.labels, verbose);
    const labels = formatLabels(r.labels, verbose);
    rows.push(kind === 'db' ? [name, labels, id] : [name, r.hostname, labels, id]);
  }
  const table = verbose
    ? new Table(titles.map((title) => ({ title })))
    : Table.withTruncatedColumn(titles, [], 'Labels', termWidth);
  for (const row of rows) table.addRow(row);
  return table.toString() + searchTrailer([...seen]);
}
