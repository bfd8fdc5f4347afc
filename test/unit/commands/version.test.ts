// tshjs version in-process with a fake proxy ping: tool/tsh/common/tsh.go onVersion prints the
// proxy lines only when the proxy reported a version; serializeVersion's JSON keys are omitempty
// and its YAML (ghodss/yaml) sorts them, then fmt.Println adds a blank line.
import { describe, expect, it } from 'vitest';
import type { PingResponse } from '../../../src/client/webapi.js';
import { runVersion } from '../../../src/commands/version.js';
import { TELEPORT_COMPAT_VERSION, VERSION } from '../../../src/version.js';
import { fakeContext, TeleportClient } from './fake.js';

function pinging(ping: Partial<PingResponse> | undefined) {
  return class extends TeleportClient {
    override async pingProxy(): Promise<PingResponse | undefined> {
      return ping as PingResponse | undefined;
    }
  };
}

const line = `Teleport v${TELEPORT_COMPAT_VERSION} git:tshjs-v${VERSION} node${process.versions.node}\n`;
const yamlBase = `gitref: tshjs-v${VERSION}\n`;

describe('version (in-process)', () => {
  it('with a proxy version: two proxy lines; YAML sorted with the proxy keys', async () => {
    const Client = pinging({
      server_version: '18.2.0',
      proxy: { ssh: { public_addr: 'proxy.example.com:443' } },
    });
    const t = fakeContext((c) => new Client(c));
    await runVersion({ format: 'text' }, t.ctx);
    expect(t.stdout()).toBe(`${line}Proxy version: 18.2.0\nProxy: proxy.example.com:443\n`);
    const y = fakeContext((c) => new Client(c));
    await runVersion({ format: 'yaml' }, y.ctx);
    expect(y.stdout()).toBe(
      `${yamlBase}proxyPublicAddress: proxy.example.com:443\nproxyVersion: 18.2.0\n` +
        `runtime: node${process.versions.node}\nversion: ${TELEPORT_COMPAT_VERSION}\n\n`,
    );
  });

  it('the proxy reported no version: no proxy lines; each JSON key is omitempty on its own', async () => {
    const Client = pinging({ server_version: '', proxy: { ssh: { public_addr: 'proxy.example.com:443' } } });
    const t = fakeContext((c) => new Client(c));
    await runVersion({ format: 'text' }, t.ctx);
    expect(t.stdout()).toBe(line);
    const j = fakeContext((c) => new Client(c));
    await runVersion({ format: 'json' }, j.ctx);
    expect(j.stdout()).toBe(
      `{\n  "version": "${TELEPORT_COMPAT_VERSION}",\n  "gitref": "tshjs-v${VERSION}",\n` +
        `  "runtime": "node${process.versions.node}",\n  "proxyPublicAddress": "proxy.example.com:443"\n}\n`,
    );
  });

  it('not logged in (no ping) and --client: the client line only', async () => {
    const Client = pinging(undefined);
    const t = fakeContext((c) => new Client(c));
    await runVersion({ format: 'text' }, t.ctx);
    expect(t.stdout()).toBe(line);
    const c = fakeContext((cfg) => new (pinging({ server_version: '18.2.0', proxy: {} }))(cfg));
    await runVersion({ format: 'yaml', client: true }, c.ctx);
    expect(c.stdout()).toBe(
      `${yamlBase}runtime: node${process.versions.node}\nversion: ${TELEPORT_COMPAT_VERSION}\n\n`,
    );
  });
});
