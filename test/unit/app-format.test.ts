// apps config's formats and the app commands' messages, byte for byte as tool/tsh/common/app.go
// prints them (formatAppConfig, serializeAppConfig, the login templates, onAppLogout) and as
// proxy.go prints the local proxy's start lines.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  appCurlCommand,
  appLogoutText,
  appProxyText,
  formatAppConfig,
  goQuote,
  tcpAppLoginText,
  webAppLoginProxyText,
  webAppLoginText,
} from '../../src/output/appconfig.js';

const base = {
  name: 'grafana',
  uri: 'https://grafana.test.localhost:3080',
  ca: '/h/.tsh/keys/proxy.test/cas/test.localhost.pem',
  cert: '/h/.tsh/keys/proxy.test/alice-app/test.localhost/grafana.crt',
  key: '/h/.tsh/keys/proxy.test/alice-app/test.localhost/grafana.key',
  insecure: false,
};

describe('apps config --format', () => {
  it('prints uri, ca, cert and key with no trailing newline (Fprint)', () => {
    expect(formatAppConfig(base, 'uri')).toBe(base.uri);
    expect(formatAppConfig(base, 'ca')).toBe(base.ca);
    expect(formatAppConfig(base, 'cert')).toBe(base.cert);
    expect(formatAppConfig(base, 'KEY')).toBe(base.key); // lower-cased first
  });

  it('prints the curl command over four lines with %q-quoted paths and no trailing newline', () => {
    expect(formatAppConfig(base, 'curl')).toBe(
      'curl \\\n' +
        `  --cert "${base.cert}" \\\n` +
        `  --key "${base.key}" \\\n` +
        '  https://grafana.test.localhost:3080',
    );
    expect(formatAppConfig({ ...base, insecure: true }, 'curl').split('\n')[0]).toBe('curl --insecure \\');
  });

  it('quotes paths as Go %q does, so sh reads them back unchanged', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('tab\there\n')).toBe('"tab\\there\\n"');
    expect(goQuote('\x01\x7f')).toBe('"\\x01\\x7f"');
    expect(goQuote('\u0085\u2028')).toBe('"\\u0085\\u2028"');
    expect(goQuote('héllo wörld')).toBe('"héllo wörld"');
    // A path with spaces survives the shell: echo the arguments curl would get.
    const cmd = appCurlCommand({ ...base, cert: '/tmp/my dir/grafana.crt' }).replace(
      /^curl/,
      'printf "%s\\n"',
    );
    const args = execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' }).trim().split('\n');
    expect(args).toEqual(['--cert', '/tmp/my dir/grafana.crt', '--key', base.key, base.uri]);
  });

  it('prints JSON in struct order, two-space indent, one trailing newline', () => {
    const out = formatAppConfig(base, 'json');
    expect(out.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(out))).toEqual(['name', 'uri', 'ca', 'cert', 'key', 'curl']);
    expect(out.split('\n')[1]).toBe('  "name": "grafana",');
    const cloud = JSON.parse(formatAppConfig({ ...base, awsRoleArn: 'arn:aws:iam::1:role/r' }, 'json'));
    expect(Object.keys(cloud).at(-1)).toBe('aws_role_arn');
  });

  it('prints YAML as ghodss/yaml does: sorted keys, the curl command as a literal block', () => {
    expect(formatAppConfig(base, 'yaml')).toBe(
      `ca: ${base.ca}\n` +
        `cert: ${base.cert}\n` +
        'curl: |-\n' +
        '  curl \\\n' +
        `    --cert "${base.cert}" \\\n` +
        `    --key "${base.key}" \\\n` +
        '    https://grafana.test.localhost:3080\n' +
        `key: ${base.key}\n` +
        'name: grafana\n' +
        `uri: ${base.uri}\n`,
    );
  });

  it('prints the default headless table (Name: padded to set the column width)', () => {
    const lines = formatAppConfig(base, '').split('\n');
    expect(lines).toHaveLength(6); // five rows, each ending with a newline
    expect(lines[0].startsWith('Name:      grafana')).toBe(true);
    expect(lines[1].startsWith('URI:       https://')).toBe(true);
    expect(lines[4].trimEnd()).toBe(`Key:       ${base.key}`);
    expect(formatAppConfig(base, 'default')).toBe(formatAppConfig(base, ''));
    expect(formatAppConfig({ ...base, gcpServiceAccount: 'sa@p' }, '')).toContain(
      'GCP Service Account: sa@p',
    );
  });

  it('refuses other formats with upstream words and Go %q list', () => {
    expect(() => formatAppConfig(base, 'XML')).toThrow(
      'invalid format, expected one of ["" "default" "curl" "json" "yaml" "uri" "ca" "cert" "key"], got "xml"',
    );
  });
});

describe('app messages', () => {
  it('HTTP login: the curl example, and the --insecure warning after a blank line', () => {
    const curl = appCurlCommand(base);
    expect(webAppLoginText('grafana', curl, false)).toBe(
      `Logged into app grafana. Example curl command:\n\n${curl}\n`,
    );
    expect(webAppLoginText('grafana', curl, true)).toBe(
      `Logged into app grafana. Example curl command:\n\n${curl}\n\n` +
        'WARNING: tsh was called with --insecure, so this curl command will be unable to validate the certificate presented by Teleport.\n',
    );
  });

  it('TCP login and the local-proxy-required variant', () => {
    expect(tcpAppLoginText('echo')).toBe(
      'Logged into TCP app echo. Start the local TCP proxy for it:\n\n  tsh proxy app echo\n\nThen connect to the application through this proxy.\n',
    );
    expect(tcpAppLoginText('multi', 5095).split('\n')[0]).toBe(
      'Logged into TCP app multi:5095. Start the local TCP proxy for it:',
    );
    expect(webAppLoginProxyText('grafana')).toBe(
      'Logged into app grafana. Start the local proxy for it:\n\n  tsh proxy app grafana -p 8080\n\n' +
        'Then connect to the application through this proxy:\n\n  curl http://127.0.0.1:8080\n',
    );
  });

  it('logout: one app by name, otherwise all', () => {
    expect(appLogoutText(['grafana'])).toBe('Logged out of app "grafana"\n');
    expect(appLogoutText([])).toBe('Logged out of all apps\n');
    expect(appLogoutText(['a', 'b'])).toBe('Logged out of all apps\n');
  });

  it('proxy app: the address, and the --port hint only for a random port', () => {
    expect(appProxyText({ name: 'grafana', address: '127.0.0.1:5000', randomPort: true })).toBe(
      'Proxying connections to grafana on 127.0.0.1:5000\n' +
        'To avoid port randomization, you can choose the listening port using the --port flag.\n',
    );
    expect(
      appProxyText({ name: 'multi', targetPort: 5095, address: '127.0.0.1:5095', randomPort: false }),
    ).toBe('Proxying connections to multi:5095 on 127.0.0.1:5095\n');
  });
});
