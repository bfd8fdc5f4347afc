// The OpenSSH block `tshjs config` prints (upstream lib/config/openssh/openssh.go template shape).
import { describe, expect, it } from 'vitest';
import { openSSHConfig } from '../../../src/ssh/config.js';

describe('openSSHConfig', () => {
  it('one common block and one proxied block per cluster, User with --login', () => {
    const out = openSSHConfig({
      proxyHost: 'proxy.example.com',
      proxyPort: 443,
      clusters: ['root.example', 'leaf.example'],
      knownHosts: '/h/.tsh/known_hosts',
      identityFile: '/h/.tsh/keys/proxy.example.com/alice',
      certificateFile: '/h/.tsh/keys/proxy.example.com/alice-ssh/root.example-cert.pub',
      login: 'root',
      self: '/usr/bin/tshjs',
    });
    const block = (cluster: string) =>
      [
        '',
        `# Common flags for all ${cluster} hosts`,
        `Host *.${cluster} proxy.example.com`,
        '    UserKnownHostsFile "/h/.tsh/known_hosts"',
        '    IdentityFile "/h/.tsh/keys/proxy.example.com/alice"',
        '    CertificateFile "/h/.tsh/keys/proxy.example.com/alice-ssh/root.example-cert.pub"',
        '    User "root"',
        '',
        `# Flags for all ${cluster} hosts except the proxy`,
        `Host *.${cluster} !proxy.example.com`,
        '    Port 3022',
        `    ProxyCommand "/usr/bin/tshjs" proxy ssh --cluster=${cluster} --proxy=proxy.example.com:443 %r@%h:%p`,
      ].join('\n');
    expect(out).toBe(
      [
        '# Begin generated Teleport configuration for proxy.example.com by tshjs',
        block('root.example'),
        block('leaf.example'),
        '',
        '# End generated Teleport configuration',
        '',
      ].join('\n'),
    );
  });
});
