// The OpenSSH block `tshjs config` prints. Expected bytes are upstream's golden files for
// lib/config/openssh/openssh.go WriteSSHConfig (lib/config/openssh/testdata/TestWriteSSHConfig/*.golden,
// inputs from openssh_test.go), and the same "ssh-config" template rendered for cases the goldens
// do not cover (several clusters with a login, no cluster).
import { describe, expect, it } from 'vitest';
import { openSSHConfig, type OpenSSHConfigParams } from '../../../src/ssh/config.js';

// openssh_test.go's parameters (ExecutablePath "/tmp/tsh", ProxyPort "443").
const base: OpenSSHConfigParams = {
  proxyHost: 'proxy.example.com',
  proxyPort: '443',
  clusters: ['example.com'],
  knownHosts: '/home/alice/.tsh/known_hosts',
  identityFile: '/home/alice/.tsh/keys/example.com/bob',
  certificateFile: '/home/alice/.tsh/keys/example.com/bob-ssh/example.com-cert.pub',
  self: '/tmp/tsh',
};

describe('openSSHConfig (lib/config/openssh/openssh.go sshConfigTemplate)', () => {
  it('golden "modern OpenSSH - multiple clusters": no blank line between clusters', () => {
    expect(openSSHConfig({ ...base, clusters: ['root', 'leaf'] })).toBe(
      '# Begin generated Teleport configuration for proxy.example.com by tsh\n' +
        '\n' +
        '# Common flags for all root hosts\n' +
        'Host *.root proxy.example.com\n' +
        '    UserKnownHostsFile "/home/alice/.tsh/known_hosts"\n' +
        '    IdentityFile "/home/alice/.tsh/keys/example.com/bob"\n' +
        '    CertificateFile "/home/alice/.tsh/keys/example.com/bob-ssh/example.com-cert.pub"\n' +
        '\n' +
        '# Flags for all root hosts except the proxy\n' +
        'Host *.root !proxy.example.com\n' +
        '    Port 3022\n' +
        '    ProxyCommand "/tmp/tsh" proxy ssh --cluster=root --proxy=proxy.example.com:443 %r@%h:%p\n' +
        '# Common flags for all leaf hosts\n' +
        'Host *.leaf proxy.example.com\n' +
        '    UserKnownHostsFile "/home/alice/.tsh/known_hosts"\n' +
        '    IdentityFile "/home/alice/.tsh/keys/example.com/bob"\n' +
        '    CertificateFile "/home/alice/.tsh/keys/example.com/bob-ssh/example.com-cert.pub"\n' +
        '\n' +
        '# Flags for all leaf hosts except the proxy\n' +
        'Host *.leaf !proxy.example.com\n' +
        '    Port 3022\n' +
        '    ProxyCommand "/tmp/tsh" proxy ssh --cluster=leaf --proxy=proxy.example.com:443 %r@%h:%p\n' +
        '\n' +
        '# End generated Teleport configuration\n',
    );
  });

  it('golden "modern OpenSSH - single cluster with username and custom port"', () => {
    expect(openSSHConfig({ ...base, login: 'testuser', port: 3232 })).toBe(
      '# Begin generated Teleport configuration for proxy.example.com by tsh\n' +
        '\n' +
        '# Common flags for all example.com hosts\n' +
        'Host *.example.com proxy.example.com\n' +
        '    UserKnownHostsFile "/home/alice/.tsh/known_hosts"\n' +
        '    IdentityFile "/home/alice/.tsh/keys/example.com/bob"\n' +
        '    CertificateFile "/home/alice/.tsh/keys/example.com/bob-ssh/example.com-cert.pub"\n' +
        '    User "testuser"\n' +
        '\n' +
        '# Flags for all example.com hosts except the proxy\n' +
        'Host *.example.com !proxy.example.com\n' +
        '    Port 3232\n' +
        '    ProxyCommand "/tmp/tsh" proxy ssh --cluster=example.com --proxy=proxy.example.com:443 %r@%h:%p\n' +
        '    User "testuser"\n' +
        '\n' +
        '# End generated Teleport configuration\n',
    );
  });

  it('template: with a login and several clusters, User in every common block and once after the last ProxyCommand', () => {
    const out = openSSHConfig({ ...base, clusters: ['root', 'leaf'], login: 'root' });
    expect(out.match(/^ {4}User "root"$/gm)).toHaveLength(3);
    expect(out).toContain(
      '--cluster=root --proxy=proxy.example.com:443 %r@%h:%p\n# Common flags for all leaf hosts\n',
    );
    expect(
      out.endsWith(
        '--cluster=leaf --proxy=proxy.example.com:443 %r@%h:%p\n    User "root"\n\n# End generated Teleport configuration\n',
      ),
    ).toBe(true);
  });

  it('template: port 0 means 3022 (defaults.SSHServerListenPort); no cluster leaves header and footer', () => {
    expect(openSSHConfig({ ...base, port: 0 })).toContain('    Port 3022\n');
    expect(openSSHConfig({ ...base, clusters: [] })).toBe(
      '# Begin generated Teleport configuration for proxy.example.com by tsh\n\n\n# End generated Teleport configuration\n',
    );
  });
});
