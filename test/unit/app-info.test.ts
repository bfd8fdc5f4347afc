// The app lookups that need no cluster: the --port LOCAL:TARGET mapping, validateTargetPort,
// pickActiveApp, the app URI and the key paths (api/utils/keypaths v17+ layout).
import { describe, expect, it } from 'vitest';
import { KeyPaths } from '../../src/auth/keypaths.js';
import {
  appCloud,
  appNotFoundError,
  appURI,
  isMcpApp,
  isTcpApp,
  parsePortMapping,
  pickActiveApp,
  routeOf,
  validateTargetPort,
} from '../../src/client/appinfo.js';
import { AppV3 } from '../../src/gen/teleport/legacy/types/types.js';

function app(name: string, uri: string, ports: Array<[number, number?]> = []): AppV3 {
  return AppV3.fromPartial({
    Kind: 'app',
    Metadata: { Name: name },
    Spec: {
      URI: uri,
      PublicAddr: `${name}.example.com`,
      TCPPorts: ports.map(([Port, EndPort]) => ({ Port, EndPort: EndPort ?? 0 })),
    },
  });
}

describe('proxy app --port', () => {
  it('parses LOCAL and LOCAL:TARGET', () => {
    expect(parsePortMapping(undefined)).toEqual({ localPort: 0, targetPort: 0 });
    expect(parsePortMapping('8080')).toEqual({ localPort: 8080, targetPort: 0 });
    expect(parsePortMapping('5095:5095')).toEqual({ localPort: 5095, targetPort: 5095 });
    expect(parsePortMapping('0:4081')).toEqual({ localPort: 0, targetPort: 4081 });
    expect(parsePortMapping(':4081')).toEqual({ localPort: 0, targetPort: 4081 });
  });

  it('refuses what is not a port, in one line', () => {
    for (const bad of ['http', '70000', '-1', '1:2:3', '8080:', '8080:0', '80 80']) {
      expect(() => parsePortMapping(bad), bad).toThrow(/^invalid/);
    }
    expect(() => parsePortMapping('8080:x')).toThrow('invalid target port "x" in --port "8080:x"');
  });
});

describe('validateTargetPort', () => {
  const multi = app('multi', 'tcp://localhost', [[4080, 4090], [5095]]);
  it('accepts 0 (not set) and ports inside the ranges', () => {
    expect(() => validateTargetPort(multi, 0)).not.toThrow();
    expect(() => validateTargetPort(multi, 4080)).not.toThrow();
    expect(() => validateTargetPort(multi, 4090)).not.toThrow();
    expect(() => validateTargetPort(multi, 5095)).not.toThrow();
  });
  it('refuses with upstream words', () => {
    expect(() => validateTargetPort(multi, 5096)).toThrow(
      'port 5096 is not included in target ports of app "multi"; valid ports: 4080-4090, 5095',
    );
    expect(() => validateTargetPort(app('web', 'http://localhost:3000'), 22)).toThrow(
      'cannot specify target port 22 because app "web" does not provide access to multiple ports',
    );
  });
});

describe('app lookups', () => {
  it('names the not-found app as upstream does', () => {
    expect(appNotFoundError('nope').message).toBe(
      'app "nope" not found, use `tsh apps ls` to see registered apps',
    );
  });

  it('builds the route from the app and the site', () => {
    const a = app('web', 'http://localhost:3000');
    expect(routeOf(a, 'leaf')).toEqual({
      name: 'web',
      publicAddr: 'web.example.com',
      clusterName: 'leaf',
      uri: 'http://localhost:3000',
    });
    expect(routeOf(a, 'root', 4081).targetPort).toBe(4081);
    expect(isTcpApp(app('t', 'tcp://localhost:5432'))).toBe(true);
    expect(isTcpApp(a)).toBe(false);
    expect(isMcpApp(app('m', 'mcp+stdio://'))).toBe(true);
    // Which cloud flag (--aws-role, --azure-identity, --gcp-service-account) applies.
    expect(appCloud(app('aws', 'https://console.aws.amazon.com/ec2'))).toBe('aws');
    expect(appCloud(AppV3.fromPartial({ Spec: { URI: 'cloud://Azure', Cloud: 'Azure' } }))).toBe('azure');
    expect(appCloud(AppV3.fromPartial({ Spec: { URI: 'cloud://GCP', Cloud: 'GCP' } }))).toBe('gcp');
    expect(appCloud(a)).toBeUndefined();
  });

  it('picks the active app (upstream texts)', () => {
    const a = { name: 'a' };
    const b = { name: 'b' };
    expect(() => pickActiveApp(undefined, [])).toThrow("please login using 'tsh apps login' first");
    expect(pickActiveApp(undefined, [a])).toBe(a);
    expect(() => pickActiveApp(undefined, [a, b])).toThrow(
      'multiple apps are available (a, b), please specify one via CLI argument',
    );
    expect(pickActiveApp('b', [a, b])).toBe(b);
    expect(() => pickActiveApp('c', [a, b])).toThrow('not logged into app "c"');
  });

  it('leaves the port out of the URI only for 443', () => {
    expect(appURI('grafana.example.com', 443)).toBe('https://grafana.example.com');
    expect(appURI('grafana.example.com', 3080)).toBe('https://grafana.example.com:3080');
  });

  it('keeps app certificates where tsh v17+ does', () => {
    const p = new KeyPaths('/h/.tsh');
    expect(p.appDir('proxy.example.com', 'alice')).toBe('/h/.tsh/keys/proxy.example.com/alice-app');
    expect(p.appCert('proxy.example.com', 'alice', 'root', 'grafana')).toBe(
      '/h/.tsh/keys/proxy.example.com/alice-app/root/grafana.crt',
    );
    expect(p.appKey('proxy.example.com', 'alice', 'root', 'grafana')).toBe(
      '/h/.tsh/keys/proxy.example.com/alice-app/root/grafana.key',
    );
    expect(p.appLocalCA('proxy.example.com', 'alice', 'root', 'grafana')).toBe(
      '/h/.tsh/keys/proxy.example.com/alice-app/root/grafana-localca.pem',
    );
    expect(p.userCredentialDirs('proxy.example.com', 'alice')).toContain(
      p.appDir('proxy.example.com', 'alice'),
    );
  });
});
