// What the app commands print (tool/tsh/common/app.go formatAppConfig, serializeAppConfig and the
// login templates; proxy.go's local proxy hints), as text with upstream's exact layout.
// docs/apps.md.
import { toYAML, fastMarshalIndent } from './printer.js';
import { Table } from './table.js';
import { TshError } from '../util/errors.js';

/** The name hints print (upstream hard-codes "tsh"). */
const TSH = 'tsh';

export const APP_FORMATS = ['uri', 'ca', 'cert', 'key', 'curl', 'json', 'yaml'] as const;

export interface AppConfigInput {
  name: string;
  /** appURI(): https://<public_addr>[:<web port>] */
  uri: string;
  /** CACertPathForCluster(site) */
  ca: string;
  /** AppCertPath(site, app) */
  cert: string;
  /** AppKeyPath(site, app) */
  key: string;
  /** --insecure: the curl command gets --insecure too. */
  insecure: boolean;
  awsRoleArn?: string;
  azureIdentity?: string;
  gcpServiceAccount?: string;
}

/**
 * Go's strconv.Quote (fmt %q) of a string: double quotes; \a \b \f \n \r \t \v \\ \" escaped; other
 * characters Go does not print (controls, DEL, C1, line/paragraph separators, soft hyphen, BOM) as
 * \xNN or \uNNNN.
 */
export function goQuote(s: string): string {
  const named: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '\\': '\\\\',
    '"': '\\"',
  };
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (named[ch]) out += named[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if ((cp >= 0x80 && cp <= 0x9f) || cp === 0xad || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * The example curl command: four lines, the first three ending in " \", the paths %q-quoted (the
 * newest app.go), and `--insecure ` after "curl " when tsh runs with --insecure.
 */
export function appCurlCommand(c: Pick<AppConfigInput, 'cert' | 'key' | 'uri' | 'insecure'>): string {
  return `curl ${c.insecure ? '--insecure ' : ''}\\\n  --cert ${goQuote(c.cert)} \\\n  --key ${goQuote(c.key)} \\\n  ${c.uri}`;
}

/** Go's %q of a []string: ["a" "b"]. */
function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}

/**
 * formatAppConfig: the text `apps config --format F` prints, exactly (uri/ca/cert/key/curl have no
 * trailing newline; json gets one added; yaml ends with one; the table ends each row with one).
 */
export function formatAppConfig(c: AppConfigInput, format: string): string {
  const f = format.toLowerCase();
  const curl = appCurlCommand(c);
  switch (f) {
    case 'uri':
      return c.uri;
    case 'ca':
      return c.ca;
    case 'cert':
      return c.cert;
    case 'key':
      return c.key;
    case 'curl':
      return curl;
    case 'json':
    case 'yaml': {
      // appConfigInfo's field order; the cloud fields are omitempty.
      const info: Record<string, string> = {
        name: c.name,
        uri: c.uri,
        ca: c.ca,
        cert: c.cert,
        key: c.key,
        curl,
      };
      if (c.awsRoleArn) info.aws_role_arn = c.awsRoleArn;
      if (c.azureIdentity) info.azure_identity = c.azureIdentity;
      if (c.gcpServiceAccount) info.gcp_service_account = c.gcpServiceAccount;
      return f === 'json' ? `${fastMarshalIndent(info)}\n` : toYAML(info);
    }
    case '':
    case 'default': {
      const t = Table.headless(2);
      // The spaces after "Name:" set a minimum width for the first column, as upstream does.
      t.addRow(['Name:     ', c.name]);
      t.addRow(['URI:', c.uri]);
      t.addRow(['CA:', c.ca]);
      t.addRow(['Cert:', c.cert]);
      t.addRow(['Key:', c.key]);
      if (c.awsRoleArn) t.addRow(['AWS ARN:', c.awsRoleArn]);
      if (c.azureIdentity) t.addRow(['Azure Id:', c.azureIdentity]);
      if (c.gcpServiceAccount) t.addRow(['GCP Service Account:', c.gcpServiceAccount]);
      return t.toString();
    }
    default: {
      const accepted = ['', 'default', 'curl', 'json', 'yaml', 'uri', 'ca', 'cert', 'key'];
      throw new TshError(
        `invalid format, expected one of ${goQuoteList(accepted)}, got ${goQuote(f)}`,
        'bad-parameter',
      );
    }
  }
}

/** webAppLoginTemplate: an HTTP app, with the curl example (and the --insecure warning). */
export function webAppLoginText(name: string, curl: string, insecure: boolean): string {
  const warning = insecure
    ? '\n\nWARNING: tsh was called with --insecure, so this curl command will be unable to validate the certificate presented by Teleport.'
    : '';
  return `Logged into app ${name}. Example curl command:\n\n${curl}${warning}\n`;
}

/** webAppLoginProxyTemplate: an HTTP app behind an L7 load balancer (ALPN upgrade required). */
export function webAppLoginProxyText(name: string): string {
  return (
    `Logged into app ${name}. Start the local proxy for it:\n\n  ${TSH} proxy app ${name} -p 8080\n\n` +
    'Then connect to the application through this proxy:\n\n  curl http://127.0.0.1:8080\n'
  );
}

/** tcpAppLoginTemplate (newest: the target port after the name when one was chosen). */
export function tcpAppLoginText(name: string, targetPort?: number): string {
  const shown = targetPort ? `${name}:${targetPort}` : name;
  return (
    `Logged into TCP app ${shown}. Start the local TCP proxy for it:\n\n  ${TSH} proxy app ${name}\n\n` +
    'Then connect to the application through this proxy.\n'
  );
}

/** onAppLogout's summary line. */
export function appLogoutText(names: readonly string[]): string {
  return names.length === 1 ? `Logged out of app ${goQuote(names[0])}\n` : 'Logged out of all apps\n';
}

/** The local proxy's start lines (proxy.go onProxyCommandApp / app_local_proxy.go). */
export function appProxyText(o: {
  name: string;
  targetPort?: number;
  address: string;
  randomPort: boolean;
}): string {
  const shown = o.targetPort ? `${o.name}:${o.targetPort}` : o.name;
  let out = `Proxying connections to ${shown} on ${o.address}\n`;
  if (o.randomPort)
    out += 'To avoid port randomization, you can choose the listening port using the --port flag.\n';
  return out;
}

/** app_local_proxy.go: a multi-port app ignores a saved certificate. */
export const MULTI_PORT_CERT_WARNING =
  'Warning: Ignoring existing app cert and generating a new one. Connections made through this proxy will be routed according to command arguments.';
