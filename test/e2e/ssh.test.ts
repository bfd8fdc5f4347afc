// tshjs ssh through the dev cluster's ProxySSH to a real sshd node with Teleport certs. Expected
// texts of label targets and errors follow upstream lib/client/api.go (SSH, GetTargetNodes,
// runShellOrCommandOnMultipleNodes, runCommandOnNodes, writeCommandResults) and
// lib/client/client.go (NewNodeClient's access denied, lineLabeledWriter).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs, tshjsProcess } from '../helpers/cluster.js';
import { SSHD, freePort, startSshd, type Sshd } from '../helpers/sshd.js';

const ID1 = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';

describe.skipIf(!SSHD)('tshjs ssh to an OpenSSH node', () => {
  let cluster: DevCluster;
  let other: DevCluster;
  const nodes: Sshd[] = [];
  let home: string;

  beforeAll(async () => {
    const p1 = await freePort();
    const p2 = await freePort();
    const p3 = await freePort();
    cluster = await startCluster({
      users: [
        { name: 'alice', password: 'alice-pw', roles: ['access'] },
        { name: 'bob', password: 'bob-pw', roles: ['nologin'] },
      ],
      roles: [
        { name: 'access', logins: ['root'], node_labels: { '*': '*' }, forward_agent: true },
        { name: 'nologin', logins: ['nobody-here'], node_labels: { '*': '*' } },
      ],
      nodes: [
        { name: 'web-1', id: ID1, addr: `127.0.0.1:${p1}`, labels: { env: 'prod', role: 'a' } },
        { name: 'web-2', id: ID2, addr: `127.0.0.1:${p2}`, labels: { env: 'prod', role: 'b' } },
        { name: 'rogue', addr: `127.0.0.1:${p3}`, labels: { env: 'dev' } },
      ],
    });
    other = await startCluster({ cluster_name: 'other.localhost' });
    nodes.push(await startSshd(cluster.authority, 'web-1', p1, ID1));
    nodes.push(await startSshd(cluster.authority, 'web-2', p2, ID2));
    // A node whose host cert comes from another cluster's CA.
    nodes.push(await startSshd(other.authority, 'rogue', p3));
    home = tempHome();
    expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
  });
  afterAll(async () => {
    for (const n of nodes) await n.stop();
    await cluster?.stop();
    await other?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs a command with the remote exit code and output', async () => {
    const r = await tshjsProcess(['ssh', 'root@web-1', 'echo out; echo err >&2; exit 7'], { home });
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.code).toBe(7);
  });

  it('keeps remote flags for the command and pipes stdin', async () => {
    const r = await tshjsProcess(['ssh', 'root@web-1', 'wc', '-c'], { home, stdin: 'x'.repeat(100_000) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('100000');
  });

  it('-l and TELEPORT_LOGIN pick the login', async () => {
    const a = await tshjsProcess(['ssh', '-l', 'root', 'web-2', 'id -un'], { home });
    expect(a.stdout).toBe('root\n');
    const b = await tshjsProcess(['ssh', 'web-2', 'id -un'], { home, env: { TELEPORT_LOGIN: 'root' } });
    expect(b.stdout).toBe('root\n');
  });

  const WARNING = '\x1b[1mWARNING\x1b[0m: Multiple nodes matched label selector, running command on all.\n';

  it('several label matches: the bold WARNING, "Running command on", labelled output, the summary', async () => {
    const r = await tshjsProcess(['ssh', 'root@env=prod', 'echo hi; echo oops >&2'], { home });
    expect(r.code, r.stderr).toBe(0);
    // Nodes run in parallel: the first line and the summary are fixed, the rest in any order.
    expect(r.stdout.startsWith(WARNING)).toBe(true);
    expect(r.stdout.endsWith('\n\n2 host(s) succeeded; 0 host(s) failed\n')).toBe(true);
    const lines = r.stdout.slice(WARNING.length).split('\n').filter(Boolean).sort();
    expect(lines).toEqual([
      '2 host(s) succeeded; 0 host(s) failed',
      'Running command on web-1:',
      'Running command on web-2:',
      '[web-1] hi',
      '[web-1] success',
      '[web-2] hi',
      '[web-2] success',
    ]);
    expect(r.stderr.split('\n').filter(Boolean).sort()).toEqual(['[web-1] oops', '[web-2] oops']);
  });

  it('a failed command: "[host] failed with exit code N", "N command(s) failed", its exit code', async () => {
    // SSH_CONNECTION ends with the node's port: web-1 succeeds, web-2 exits 5.
    const cmd = `case "$SSH_CONNECTION" in *" ${nodes[0].port}") exit 0;; *) exit 5;; esac`;
    const r = await tshjsProcess(['ssh', 'root@env=prod', cmd], { home });
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('ERROR: 1 command(s) failed\n');
    expect(r.stdout).toContain('\n[web-2] failed with exit code 5\n');
    expect(r.stdout).toContain('\n[web-1] success\n');
    expect(r.stdout.endsWith('\n\n1 host(s) succeeded; 1 host(s) failed\n')).toBe(true);
  });

  it('nodes that refuse the login print their error and are left out of the results (exit 0, as upstream)', async () => {
    const r = await tshjsProcess(['ssh', 'mallory@env=prod', 'true'], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${WARNING}\n\n0 host(s) succeeded; 0 host(s) failed\n`);
    expect(r.stderr.split('\n').filter(Boolean).sort()).toEqual([
      `access denied to mallory connecting to ${ID1}:0`,
      `access denied to mallory connecting to ${ID2}:0`,
    ]);
  });

  it('one label match is a single-host session: no warning, no labels, stdin goes to the command', async () => {
    const r = await tshjsProcess(['ssh', 'root@role=b', 'cat; exit 4'], { home, stdin: 'piped\n' });
    expect([r.code, r.stdout, r.stderr]).toEqual([4, 'piped\n', '']);
  });

  it('no label match: "no target host specified"', async () => {
    const r = await tshjsProcess(['ssh', 'root@env=none', 'true'], { home });
    expect([r.code, r.stderr]).toEqual([1, 'ERROR: no target host specified\n']);
  });

  it('several matches and no command: a shell (with a PTY) on the first, by resource name, after saying so', async () => {
    const r = await tshjsProcess(['ssh', 'root@env=prod'], {
      home,
      stdin: 'echo on-$SSH_CONNECTION-tty-$(tty | cut -c1-8)\nexit 3\n',
    });
    expect(r.code, r.stderr).toBe(3);
    expect(
      r.stdout.startsWith(
        `\x1b[1mWARNING\x1b[0m: Multiple nodes match the label selector, picking first: "${ID1}:0"\n`,
      ),
    ).toBe(true);
    expect(r.stdout).toMatch(
      new RegExp(`on-127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${nodes[0].port}-tty-/dev/pts`),
    );
  });

  it('-L forwards a local port through the node', async () => {
    const target = http.createServer((_req, res) => res.end('through the tunnel'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const tport = (target.address() as net.AddressInfo).port;
    const lport = await freePort();
    const proc = import('node:child_process').then(({ spawn }) =>
      spawn(
        process.execPath,
        ['bin/tshjs.js', 'ssh', '-N', '-L', `${lport}:127.0.0.1:${tport}`, 'root@web-1'],
        {
          env: { ...process.env, TELEPORT_HOME: home },
        },
      ),
    );
    const child = await proc;
    let body = '';
    for (let i = 0; i < 100 && !body; i++) {
      await new Promise((r) => setTimeout(r, 100));
      body = await new Promise<string>((resolve) => {
        http
          .get(`http://127.0.0.1:${lport}/`, (res) => {
            let b = '';
            res.on('data', (c) => (b += c));
            res.on('end', () => resolve(b));
          })
          .on('error', () => resolve(''));
      });
    }
    child.kill();
    target.close();
    expect(body).toBe('through the tunnel');
  });

  it('-R forwards a port on the node back to this side', async () => {
    const target = http.createServer((_req, res) => res.end('came back'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const tport = (target.address() as net.AddressInfo).port;
    const rport = await freePort();
    const fetch = `exec 3<>/dev/tcp/127.0.0.1/${rport}; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3`;
    const r = await tshjsProcess(
      ['ssh', '-R', `${rport}:127.0.0.1:${tport}`, 'root@web-1', `bash -c "${fetch}"`],
      { home },
    );
    target.close();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/came back$/);
  });

  it('-D serves SOCKS5 whose connections leave from the node', async () => {
    const target = http.createServer((_req, res) => res.end('via socks'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const tport = (target.address() as net.AddressInfo).port;
    const dport = await freePort();
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['bin/tshjs.js', 'ssh', '-N', '-D', String(dport), 'root@web-1'], {
      env: { ...process.env, TELEPORT_HOME: home },
    });
    let answer = '';
    for (let i = 0; i < 100 && !answer.includes('via socks'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await new Promise<string>((resolve) => {
        const c = net.connect(dport, '127.0.0.1');
        let got = Buffer.alloc(0);
        let stage = 0;
        c.on('error', () => resolve(''));
        c.on('connect', () => c.write(Buffer.from([5, 1, 0])));
        c.on('data', (d: Buffer) => {
          got = Buffer.concat([got, d]);
          if (stage === 0 && got.length >= 2) {
            stage = 1;
            got = got.subarray(2);
            c.write(Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, tport >> 8, tport & 0xff]));
          }
          if (stage === 1 && got.length >= 10) {
            stage = 2;
            got = got.subarray(10);
            c.write('GET / HTTP/1.0\r\n\r\n');
          }
        });
        c.on('close', () => resolve(got.toString()));
      });
    }
    child.kill();
    target.close();
    expect(answer).toMatch(/via socks$/);
  });

  it('-A forwards our key and certificate: ssh-add sees them and a second hop signs with them', async () => {
    const list = await tshjsProcess(['ssh', '-A', 'root@web-1', 'ssh-add -L'], { home });
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ssh-ed25519-cert-v01@openssh\.com /);
    expect(lines[1]).toMatch(/^ssh-ed25519 /);
    const hop = `ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p ${nodes[1].port} root@127.0.0.1 echo second-hop`;
    const r = await tshjsProcess(['ssh', '-A', 'root@web-1', hop], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('second-hop\n');
    const without = await tshjsProcess(['ssh', 'root@web-1', 'ssh-add -L'], { home });
    expect(without.code).toBe(2);
  });

  it('a host cert from an untrusted CA: one clear line', async () => {
    const r = await tshjsProcess(['ssh', 'root@rogue', 'true'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: host rogue is not trusted: .*CA/m);
  });

  it('a login the cert does not allow: access denied to LOGIN connecting to HOST:PORT (0 without -p)', async () => {
    const r = await tshjsProcess(['ssh', 'mallory@web-1', 'true'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ERROR: access denied to mallory connecting to web-1:0\n');
    // The proxy dials the node at its registered address; the message names the port asked for.
    const p = await tshjsProcess(['ssh', '-p', '2222', 'mallory@web-1', 'true'], { home });
    expect(p.stderr).toBe('ERROR: access denied to mallory connecting to web-1:2222\n');
  });

  it('unknown host and host:port are one clear line each', async () => {
    const r = await tshjsProcess(['ssh', 'root@nope', 'true'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('ERROR: target host nope is offline or does not exist');
    const u = await tshjsProcess(['ssh', 'root@99999999-9999-4999-8999-999999999999', 'true'], { home });
    expect(u.stderr).toBe(
      'ERROR: unable to locate node matching UUID-like target 99999999-9999-4999-8999-999999999999\n',
    );
    const p = await tshjsProcess(['ssh', 'root@web-1:22', 'true'], { home });
    expect(p.stderr.trim()).toBe(
      "ERROR: please use ssh subcommand with '--port=22' flag instead of semicolon",
    );
  });
});
