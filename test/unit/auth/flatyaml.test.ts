// The fast profile reader must agree with the full YAML parser on every document it accepts.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseFlatYaml } from '../../../src/auth/flatyaml.js';
import { encodeProfile } from '../../../src/auth/profile.js';

const ACCEPTED = [
  'web_proxy_addr: proxy.example.com:443\nuser: alice\n',
  'piv_slot: ""\nprivate_key_policy: none\nmissingclusterdetails: false\ntls_routing_enabled: true\n',
  "dir: '/home/a b/.tsh'\n",
  'dynamic_forward_ports:\n- 127.0.0.1:8080\n- "9090"\nuser: bob\n',
  'dynamic_forward_ports:\n  - a\n  - b\n',
  'dynamic_forward_ports: []\n',
  'sso_host:\nuser: x\n',
  '# comment\nssh_dial_timeout: 30s\n',
  'web_proxy_addr: "[::1]:3080"\n',
];

const REJECTED = [
  '',
  'a: 123\n',
  'a: yes\n',
  'a: {x: 1}\n',
  'a: [1, 2]\n',
  'a: "esc\\"aped"\n',
  'a: b # comment\n',
  'a: |\n  text\n',
  'a:\n  nested: 1\n',
  'a: 1\na: 2\n',
  'a: &anchor x\n',
  '- top\n',
  'a: x\r\n',
  'a:\tb\n',
  'a: 0x10\n',
];

describe('parseFlatYaml', () => {
  it.each(ACCEPTED)('agrees with the YAML library: %j', (doc) => {
    expect(parseFlatYaml(doc)).toEqual(YAML.parse(doc));
  });

  it.each(REJECTED)('defers to the YAML library: %j', (doc) => {
    expect(parseFlatYaml(doc)).toBeUndefined();
  });

  it('reads back every profile encodeProfile writes', () => {
    const text = encodeProfile({
      webProxyAddr: 'proxy.example.com:443',
      sshProxyAddr: 'proxy.example.com:3023',
      username: 'alice',
      siteName: 'example',
      dynamicForwardPorts: ['8080', '127.0.0.1:9090'],
      dir: '/home/alice/.tsh',
      tlsRoutingEnabled: true,
      privateKeyPolicy: 'none',
      pivSlot: '',
      missingClusterDetails: false,
      sshDialTimeout: '30s',
    });
    expect(parseFlatYaml(text)).toEqual(YAML.parse(text));
  });
});
