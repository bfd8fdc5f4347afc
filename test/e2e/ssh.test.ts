// tshjs ssh through the dev cluster's ProxySSH to a real sshd node with Teleport certs.
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
        { name: 'web-1', id: ID1, addr: `127.0.0.1:${p1}`, labels: { env: 'prod' } },
        { name: 'web-2', id: ID2, addr: `127.0.0.1:${p2}`, labels: { env: 'prod' } },
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

  it('label targets run on every match, output prefixed by host', async () => {
    const r = await tshjsProcess(['ssh', 'root@env=prod', 'echo hi'], { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['[web-1] hi', '[web-2] hi']);
  });

  it('label fan-out exits non-zero if any node failed', async () => {
    const r = await tshjsProcess(['ssh', 'root@env=prod', 'test $(hostname) = nope'], { home });
    expect(r.code).toBe(1);
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

  it('a login the cert does not allow: access denied naming the login', async () => {
    const r = await tshjsProcess(['ssh', 'mallory@web-1', 'true'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('ERROR: access denied to mallory connecting to web-1');
  });

  it('unknown host and host:port are one clear line each', async () => {
    const r = await tshjsProcess(['ssh', 'root@nope', 'true'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('ERROR: target host nope is offline or does not exist');
    const p = await tshjsProcess(['ssh', 'root@web-1:22', 'true'], { home });
    expect(p.stderr.trim()).toBe(
      "ERROR: please use ssh subcommand with '--port=22' flag instead of semicolon",
    );
  });
});
