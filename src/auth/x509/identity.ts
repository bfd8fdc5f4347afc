// Teleport's TLS identity lives in the certificate subject (lib/tlsca/ca.go, Identity.Subject / FromSubject):
// standard attributes for user, roles, logins, route and traits, plus one RDN per 1.3.9999.x "extra name".
// This module reads it with der.ts only; the devcluster encoder uses identitySubjectAttributes().
import {
  DerError,
  Tag,
  decodeOid,
  decodeString,
  decodeTime,
  expectTag,
  integerHex,
  readChildren,
  readTlv,
  type Tlv,
} from './der.js';
import { goEscape } from '../../format/gojson.js';

export const OID = {
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  province: '2.5.4.8',
  streetAddress: '2.5.4.9',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  postalCode: '2.5.4.17',

  kubeUsers: '1.3.9999.1.1',
  kubeGroups: '1.3.9999.1.2',
  kubeCluster: '1.3.9999.1.3',
  appSessionId: '1.3.9999.1.4',
  appClusterName: '1.3.9999.1.5',
  appPublicAddr: '1.3.9999.1.6',
  teleportCluster: '1.3.9999.1.7',
  mfaVerified: '1.3.9999.1.8',
  loginIp: '1.3.9999.1.9',
  appName: '1.3.9999.1.10',
  appAwsRoleArn: '1.3.9999.1.11',
  awsRoleArns: '1.3.9999.1.12',
  renewable: '1.3.9999.1.13',
  generation: '1.3.9999.1.14',
  privateKeyPolicy: '1.3.9999.1.15',
  appAzureIdentity: '1.3.9999.1.16',
  azureIdentities: '1.3.9999.1.17',
  appGcpServiceAccount: '1.3.9999.1.18',
  gcpServiceAccounts: '1.3.9999.1.19',
  userType: '1.3.9999.1.20',

  dbServiceName: '1.3.9999.2.1',
  dbProtocol: '1.3.9999.2.2',
  dbUsername: '1.3.9999.2.3',
  dbName: '1.3.9999.2.4',
  databaseNames: '1.3.9999.2.5',
  databaseUsers: '1.3.9999.2.6',
  impersonator: '1.3.9999.2.7',
  activeRequests: '1.3.9999.2.8',
  disallowReissue: '1.3.9999.2.9',
  allowedResources: '1.3.9999.2.10',
  systemRoles: '1.3.9999.2.11',
  previousIdentityExpires: '1.3.9999.2.12',
  connectionDiagnosticId: '1.3.9999.2.13',
  license: '1.3.9999.2.14',
  pinnedIp: '1.3.9999.2.15',
  createWindowsUser: '1.3.9999.2.16',
  desktopsLimitExceeded: '1.3.9999.2.17',
  botName: '1.3.9999.2.18',
  dbRoles: '1.3.9999.2.19',
  botInstanceId: '1.3.9999.2.20',
  joinAttributes: '1.3.9999.2.21',

  deviceId: '1.3.9999.3.1',
  deviceAssetTag: '1.3.9999.3.2',
  deviceCredentialId: '1.3.9999.3.3',
} as const;

export interface RouteToApp {
  sessionId: string;
  clusterName: string;
  publicAddr: string;
  name: string;
  awsRoleArn: string;
  azureIdentity: string;
  gcpServiceAccount: string;
}

export interface RouteToDatabase {
  serviceName: string;
  protocol: string;
  username: string;
  database: string;
  roles: string[];
}

export interface DeviceExtensions {
  deviceId?: string;
  assetTag?: string;
  credentialId?: string;
}

export interface TlsIdentity {
  username: string;
  /** Teleport roles (subject O). */
  groups: string[];
  usage: string[];
  /** Allowed logins (subject L). */
  principals: string[];
  routeToCluster?: string;
  traits: Record<string, string[]>;
  kubernetesUsers: string[];
  kubernetesGroups: string[];
  kubernetesCluster?: string;
  teleportCluster?: string;
  mfaVerified?: string;
  loginIp?: string;
  renewable: boolean;
  generation?: number;
  privateKeyPolicy?: string;
  userType?: string;
  routeToApp?: RouteToApp;
  awsRoleArns: string[];
  azureIdentities: string[];
  gcpServiceAccounts: string[];
  routeToDatabase?: RouteToDatabase;
  databaseNames: string[];
  databaseUsers: string[];
  impersonator?: string;
  activeRequests: string[];
  disallowReissue: boolean;
  /** Allowed resource IDs exactly as issued (a JSON list). */
  allowedResourceIds?: string;
  systemRoles: string[];
  previousIdentityExpires?: Date;
  connectionDiagnosticId?: string;
  pinnedIp?: string;
  botName?: string;
  botInstanceId?: string;
  deviceExtensions: DeviceExtensions;
  /** NotAfter. */
  expires: Date;
  notBefore: Date;
  issuerCommonName: string;
  /** Certificate serial, lowercase hex. */
  serialNumber: string;
}

/** One AttributeTypeAndValue; `rdn` is the index of the RDN (SET) it came from. */
export interface NameAttribute {
  oid: string;
  /** undefined when the value is not a string type (Go ignores those too). */
  value: string | undefined;
  rdn: number;
}

export interface CertificateInfo {
  serialNumber: string;
  issuer: NameAttribute[];
  subject: NameAttribute[];
  /** DER of the issuer / subject Name, to copy byte for byte. */
  issuerRaw: Buffer;
  subjectRaw: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
}

/** Every attribute of every RDN, multi-valued RDNs included, in encoding order. */
export function decodeName(name: Tlv): NameAttribute[] {
  expectTag(name, Tag.SEQUENCE, 'Name');
  const out: NameAttribute[] = [];
  readChildren(name).forEach((set, rdn) => {
    expectTag(set, Tag.SET, 'RelativeDistinguishedName');
    for (const atv of readChildren(set)) {
      expectTag(atv, Tag.SEQUENCE, 'AttributeTypeAndValue');
      const [type, val] = readChildren(atv);
      const oid = decodeOid(expectTag(type, Tag.OID, 'attribute type').value);
      if (!val) throw new DerError(`attribute ${oid} has no value`);
      let value: string | undefined;
      try {
        value = decodeString(val);
      } catch {
        value = undefined;
      }
      out.push({ oid, value, rdn });
    }
  });
  return out;
}

/** Walks Certificate -> tbsCertificate for the fields tsh needs. */
export function readCertificate(der: Buffer): CertificateInfo {
  const cert = expectTag(readTlv(der), Tag.SEQUENCE, 'Certificate');
  if (cert.end !== der.length) throw new DerError('trailing data after Certificate');
  const tbs = readChildren(expectTag(readChildren(cert)[0], Tag.SEQUENCE, 'tbsCertificate'));
  // version is an optional [0] EXPLICIT
  let i = tbs[0]?.cls === 'context' && tbs[0].tag === 0 ? 1 : 0;
  const serial = expectTag(tbs[i++], Tag.INTEGER, 'serialNumber');
  expectTag(tbs[i++], Tag.SEQUENCE, 'signature');
  const issuer = expectTag(tbs[i++], Tag.SEQUENCE, 'issuer');
  const validity = readChildren(expectTag(tbs[i++], Tag.SEQUENCE, 'validity'));
  const subject = expectTag(tbs[i++], Tag.SEQUENCE, 'subject');
  const spki = expectTag(tbs[i++], Tag.SEQUENCE, 'subjectPublicKeyInfo');
  if (!validity[0] || !validity[1]) throw new DerError('validity needs notBefore and notAfter');
  return {
    serialNumber: integerHex(serial.value),
    issuer: decodeName(issuer),
    subject: decodeName(subject),
    issuerRaw: Buffer.from(issuer.raw),
    subjectRaw: Buffer.from(subject.raw),
    notBefore: decodeTime(validity[0]),
    notAfter: decodeTime(validity[1]),
    spki: Buffer.from(spki.raw),
  };
}

/** DER of every CERTIFICATE block in a PEM text, in order (other blocks and lines are skipped). */
export function readCertificatesPem(text: string): Buffer[] {
  const out: Buffer[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (const m of text.matchAll(re)) {
    const b64 = m[1]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new DerError('CERTIFICATE block is not valid base64');
    out.push(Buffer.from(b64, 'base64'));
  }
  return out;
}

/** Decodes the identity from a certificate: PEM text (its first CERTIFICATE block) or DER bytes. */
export function decodeTlsIdentity(cert: string | Buffer): TlsIdentity {
  let der: Buffer;
  // A DER certificate starts with SEQUENCE (0x30); anything else in a Buffer is taken as PEM text.
  if (typeof cert === 'string' || cert[0] !== 0x30) {
    const first = readCertificatesPem(cert.toString())[0];
    if (!first) throw new DerError('no CERTIFICATE block found');
    der = first;
  } else {
    der = cert;
  }
  const info = readCertificate(der);
  return identityFromAttributes(info.subject, {
    expires: info.notAfter,
    notBefore: info.notBefore,
    issuerCommonName: lastValue(info.issuer, OID.commonName) ?? '',
    serialNumber: info.serialNumber,
  });
}

type CertFields = Pick<TlsIdentity, 'expires' | 'notBefore' | 'issuerCommonName' | 'serialNumber'>;

function lastValue(attrs: NameAttribute[], oid: string): string | undefined {
  let v: string | undefined;
  for (const a of attrs) if (a.oid === oid && a.value !== undefined) v = a.value;
  return v;
}

function identityFromAttributes(attrs: NameAttribute[], cert: CertFields): TlsIdentity {
  // Like Go's pkix.Name.FillFromRDNSequence: lists collect every value, single fields keep the last.
  const all = (oid: string) =>
    attrs.filter((a) => a.oid === oid && a.value !== undefined).map((a) => a.value!);
  const one = (oid: string) => lastValue(attrs, oid);
  const nonEmpty = (oid: string) => one(oid) || undefined;

  const app: RouteToApp = {
    sessionId: one(OID.appSessionId) ?? '',
    clusterName: one(OID.appClusterName) ?? '',
    publicAddr: one(OID.appPublicAddr) ?? '',
    name: one(OID.appName) ?? '',
    awsRoleArn: one(OID.appAwsRoleArn) ?? '',
    azureIdentity: one(OID.appAzureIdentity) ?? '',
    gcpServiceAccount: one(OID.appGcpServiceAccount) ?? '',
  };
  const db: RouteToDatabase = {
    serviceName: one(OID.dbServiceName) ?? '',
    protocol: one(OID.dbProtocol) ?? '',
    username: one(OID.dbUsername) ?? '',
    database: one(OID.dbName) ?? '',
    roles: all(OID.dbRoles),
  };
  const generation = one(OID.generation);
  const prevExpires = one(OID.previousIdentityExpires);
  const street = all(OID.streetAddress)[0];
  const postal = all(OID.postalCode)[0];

  const id: TlsIdentity = {
    username: one(OID.commonName) ?? '',
    groups: all(OID.organization),
    usage: all(OID.organizationalUnit),
    principals: all(OID.locality),
    routeToCluster: street || undefined,
    traits: postal === undefined ? {} : parseTraits(postal),
    kubernetesUsers: all(OID.kubeUsers),
    kubernetesGroups: all(OID.kubeGroups),
    kubernetesCluster: nonEmpty(OID.kubeCluster),
    teleportCluster: nonEmpty(OID.teleportCluster),
    mfaVerified: nonEmpty(OID.mfaVerified),
    loginIp: nonEmpty(OID.loginIp),
    renewable: one(OID.renewable) === 'true',
    generation: generation ? parseGeneration(generation) : undefined,
    privateKeyPolicy: nonEmpty(OID.privateKeyPolicy),
    userType: nonEmpty(OID.userType),
    routeToApp: Object.values(app).some(Boolean) ? app : undefined,
    awsRoleArns: all(OID.awsRoleArns),
    azureIdentities: all(OID.azureIdentities),
    gcpServiceAccounts: all(OID.gcpServiceAccounts),
    routeToDatabase:
      db.serviceName || db.protocol || db.username || db.database || db.roles.length ? db : undefined,
    databaseNames: all(OID.databaseNames),
    databaseUsers: all(OID.databaseUsers),
    impersonator: nonEmpty(OID.impersonator),
    activeRequests: all(OID.activeRequests),
    disallowReissue: one(OID.disallowReissue) === 'true',
    allowedResourceIds: nonEmpty(OID.allowedResources),
    systemRoles: all(OID.systemRoles),
    previousIdentityExpires: prevExpires ? parseRfc3339(prevExpires) : undefined,
    connectionDiagnosticId: nonEmpty(OID.connectionDiagnosticId),
    pinnedIp: nonEmpty(OID.pinnedIp),
    botName: nonEmpty(OID.botName),
    botInstanceId: nonEmpty(OID.botInstanceId),
    deviceExtensions: {},
    ...cert,
  };
  const dev = id.deviceExtensions;
  if (one(OID.deviceId)) dev.deviceId = one(OID.deviceId);
  if (one(OID.deviceAssetTag)) dev.assetTag = one(OID.deviceAssetTag);
  if (one(OID.deviceCredentialId)) dev.credentialId = one(OID.deviceCredentialId);
  return id;
}

function parseGeneration(s: string): number {
  if (!/^\d+$/.test(s)) throw new DerError(`bad generation "${s}"`);
  return Number(s);
}

function parseRfc3339(s: string): Date {
  const d = new Date(s);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s) || Number.isNaN(d.getTime()))
    throw new DerError(`bad RFC 3339 time "${s}"`);
  return d;
}

/** Traits JSON ("null" when the user has none). Very old certs used another encoding: read as no traits. */
function parseTraits(s: string): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  // fromEntries defines own properties: a "__proto__" trait stays a trait, not the prototype.
  return Object.fromEntries(
    Object.entries(parsed).map(([k, v]) => [
      k,
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [],
    ]),
  );
}

// ---- encoding side (what Identity.Subject() would put in a pkix.Name) ----

export interface SubjectAttribute {
  oid: string;
  values: string[];
  /** true: all values in one RDN (Go's standard pkix.Name fields); false: one RDN per value (ExtraNames). */
  multiValued: boolean;
}

/**
 * The subject for an identity in Go's ToRDNSequence order: L, street, postalCode, O, OU, CN, then the
 * extra names in the order Identity.Subject() appends them. Empty lists are left out, as Go does; street
 * (route to cluster) and postalCode (traits) are always present, as Teleport always sets them.
 */
export function identitySubjectAttributes(
  id: Partial<TlsIdentity> & { username: string },
): SubjectAttribute[] {
  const out: SubjectAttribute[] = [];
  const std = (oid: string, values: string[] | undefined) => {
    if (values?.length) out.push({ oid, values: [...values], multiValued: true });
  };
  const extra = (oid: string, values: Array<string | undefined> | undefined) => {
    const vs = (values ?? []).filter((v): v is string => !!v);
    if (vs.length) out.push({ oid, values: vs, multiValued: false });
  };

  std(OID.locality, id.principals);
  std(OID.streetAddress, [id.routeToCluster ?? '']);
  std(OID.postalCode, [goTraitsJson(id.traits)]);
  std(OID.organization, id.groups);
  std(OID.organizationalUnit, id.usage);
  if (id.username) std(OID.commonName, [id.username]);

  const app = id.routeToApp;
  const db = id.routeToDatabase;
  extra(OID.systemRoles, id.systemRoles);
  extra(OID.kubeUsers, id.kubernetesUsers);
  extra(OID.kubeGroups, id.kubernetesGroups);
  extra(OID.kubeCluster, [id.kubernetesCluster]);
  extra(OID.appSessionId, [app?.sessionId]);
  extra(OID.appPublicAddr, [app?.publicAddr]);
  extra(OID.appClusterName, [app?.clusterName]);
  extra(OID.appName, [app?.name]);
  extra(OID.appAwsRoleArn, [app?.awsRoleArn]);
  extra(OID.awsRoleArns, id.awsRoleArns);
  extra(OID.appAzureIdentity, [app?.azureIdentity]);
  extra(OID.azureIdentities, id.azureIdentities);
  extra(OID.appGcpServiceAccount, [app?.gcpServiceAccount]);
  extra(OID.gcpServiceAccounts, id.gcpServiceAccounts);
  extra(OID.renewable, [id.renewable ? 'true' : undefined]);
  extra(OID.teleportCluster, [id.teleportCluster]);
  extra(OID.mfaVerified, [id.mfaVerified]);
  extra(OID.previousIdentityExpires, [id.previousIdentityExpires && rfc3339(id.previousIdentityExpires)]);
  extra(OID.loginIp, [id.loginIp]);
  extra(OID.pinnedIp, [id.pinnedIp]);
  extra(OID.dbServiceName, [db?.serviceName]);
  extra(OID.dbProtocol, [db?.protocol]);
  extra(OID.dbUsername, [db?.username]);
  extra(OID.dbName, [db?.database]);
  extra(OID.dbRoles, db?.roles);
  extra(OID.databaseNames, id.databaseNames);
  extra(OID.databaseUsers, id.databaseUsers);
  extra(OID.impersonator, [id.impersonator]);
  extra(OID.activeRequests, id.activeRequests);
  extra(OID.disallowReissue, [id.disallowReissue ? 'true' : undefined]);
  extra(OID.generation, [id.generation ? String(id.generation) : undefined]);
  extra(OID.botName, [id.botName]);
  extra(OID.botInstanceId, [id.botInstanceId]);
  extra(OID.userType, [id.userType]);
  extra(OID.allowedResources, [id.allowedResourceIds]);
  extra(OID.privateKeyPolicy, [id.privateKeyPolicy]);
  extra(OID.connectionDiagnosticId, [id.connectionDiagnosticId]);
  extra(OID.deviceId, [id.deviceExtensions?.deviceId]);
  extra(OID.deviceAssetTag, [id.deviceExtensions?.assetTag]);
  extra(OID.deviceCredentialId, [id.deviceExtensions?.credentialId]);
  return out;
}

/** Go time.Format(time.RFC3339) of a UTC time: whole seconds, "Z". */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** json.Marshal of a Go map[string][]string: keys sorted, nil map is "null", HTML-safe escaping. */
export function goTraitsJson(traits: Record<string, string[]> | undefined): string {
  if (!traits) return 'null';
  const keys = Object.keys(traits).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${goJsonString(k)}:[${(traits[k] ?? []).map(goJsonString).join(',')}]`).join(',')}}`;
}

function goJsonString(s: string): string {
  return goEscape(JSON.stringify(s));
}
