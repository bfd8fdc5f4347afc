// The dev cluster's in-process nodes (patched ssh2 Server): real commands, PTYs, RBAC on node
// labels and logins, and the real OpenSSH client through tshjs config.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs, tshjsProcess } from '../helpers/cluster.js';
import { freePort } from '../helpers/sshd.js';

describe('in-process dev cluster nodes', () => {
  let cluster: DevCluster;
  let alice: string;
  let dave: string;

  beforeAll(async () => {
    cluster = await startCluster({
      users: [
        { name: 'alice', password: 'alice-pw', roles: ['access'] },
        { name: 'dave', password: 'dave-pw', roles: ['devonly'] },
      ],
      roles: [
        { name: 'access', logins: ['root', 'alice'], node_labels: { '*': '*' } },
        { name: 'devonly', logins: ['root'], node_labels: { env: 'dev' } },
      ],
      nodes: [
        { name: 'dev-1', labels: { env: 'dev' } },
        { name: 'prod-1', labels: { env: 'prod' } },
      ],
    });
    alice = tempHome();
    dave = tempHome();
    expect((await tshjs(loginArgs(cluster, 'alice'), { home: alice, stdin: 'alice-pw\n' })).code).toBe(0);
    expect((await tshjs(loginArgs(cluster, 'dave'), { home: dave, stdin: 'dave-pw\n' })).code).toBe(0);
  });
  afterAll(async () => {
    await cluster.stop();
    fs.rmSync(alice, { recursive: true, force: true });
    fs.rmSync(dave, { recursive: true, force: true });
  });

  it('runs commands with exit codes, stdout and stderr', async () => {
    const r = await tshjsProcess(['ssh', 'root@dev-1', 'echo a; echo b >&2; exit 4'], { home: alice });
    expect([r.code, r.stdout, r.stderr]).toEqual([4, 'a\n', 'b\n']);
  });

  it('-t allocates a PTY', async () => {
    const r = await tshjsProcess(['ssh', '-t', 'root@dev-1', 'tty'], { home: alice });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
  });

  it('a shell over a pipe gets a PTY anyway (RunInteractiveShell always asks for one)', async () => {
    const r = await tshjsProcess(['ssh', 'root@dev-1'], {
      home: alice,
      stdin: 'echo shell-$((6*7)) $(tty | cut -c1-8)\nexit 3\n',
    });
    expect(r.stdout).toContain('shell-42 /dev/pts');
    expect(r.code).toBe(3);
    const t = await tshjsProcess(['ssh', '-t', 'root@dev-1'], {
      home: alice,
      stdin: 'echo shell-$((6*7))\nexit 3\n',
    });
    expect(t.stdout).toContain('shell-42');
    expect(t.code).toBe(3);
  });

  it('RBAC: node labels decide which nodes a user may reach', async () => {
    const ok = await tshjsProcess(['ssh', 'root@dev-1', 'echo ok'], { home: dave });
    expect(ok.stdout).toBe('ok\n');
    const denied = await tshjsProcess(['ssh', 'root@prod-1', 'echo no'], { home: dave });
    expect(denied.code).toBe(1);
    // lib/client/client.go NewNodeClient: the address dialled, port 0 when -p is not given.
    expect(denied.stderr).toBe('ERROR: access denied to root connecting to prod-1:0\n');
  });

  it('RBAC: only the logins of the roles', async () => {
    const r = await tshjsProcess(['ssh', 'alice@dev-1', 'true'], { home: dave });
    expect(r.stderr).toBe('ERROR: access denied to alice connecting to dev-1:0\n');
  });

  it('-R: the node listens and connections come back to this side', async () => {
    const target = http.createServer((_req, res) => res.end('back home'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const tport = (target.address() as net.AddressInfo).port;
    const rport = await freePort();
    const fetch = `exec 3<>/dev/tcp/127.0.0.1/${rport}; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3`;
    const r = await tshjsProcess(
      ['ssh', '-R', `${rport}:127.0.0.1:${tport}`, 'root@dev-1', `bash -c "${fetch}"`],
      {
        home: alice,
      },
    );
    target.close();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/back home$/);
  });

  it('records every session in the upstream format; tshjs play replays it', async () => {
    const before = new Set(fs.readdirSync(cluster.recordingsDir));
    const r = await tshjsProcess(['ssh', 'root@dev-1', 'echo recorded-output; echo to-stderr >&2'], {
      home: alice,
    });
    expect(r.code, r.stderr).toBe(0);
    // The recording is closed right after the session; wait for the file to settle.
    let file = '';
    for (let i = 0; i < 50 && !file; i++) {
      await new Promise((res) => setTimeout(res, 50));
      file = fs.readdirSync(cluster.recordingsDir).find((f) => !before.has(f) && f.endsWith('.tar')) ?? '';
    }
    expect(file).toMatch(/^[0-9a-f-]{36}\.tar$/);
    const full = path.join(cluster.recordingsDir, file);
    let json = await tshjsProcess(['play', full, '--format', 'json'], { home: alice });
    for (let i = 0; i < 20 && !json.stdout.includes('session.end'); i++) {
      await new Promise((res) => setTimeout(res, 100));
      json = await tshjsProcess(['play', full, '--format', 'json'], { home: alice });
    }
    expect(json.code, json.stderr).toBe(0);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({
      ei: 0,
      event: 'session.start',
      code: 'T2000I',
      user: 'alice',
      login: 'root',
      sid: file.slice(0, -4),
    });
    expect(events.at(-1)).toMatchObject({ event: 'session.end', code: 'T2004I' });
    const printed = events.filter((e) => e.event === 'print');
    expect(printed.length).toBeGreaterThan(0);
    expect(printed[0]).toMatchObject({ ci: 0, offset: 0 });
    const text = await tshjsProcess(['play', full, '--speed', '8'], { home: alice });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('recorded-output');
    expect(text.stdout).toContain('to-stderr');
  });

  it('the real OpenSSH client reaches an in-process node through tshjs config', async () => {
    const cfg = path.join(alice, 'ssh_config');
    fs.writeFileSync(cfg, (await tshjs(['config'], { home: alice })).stdout);
    const r = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const c = spawn(
        'ssh',
        ['-F', cfg, '-o', 'BatchMode=yes', 'root@prod-1.test.localhost', 'echo via-openssh'],
        {
          env: { PATH: process.env.PATH ?? '', HOME: alice, TELEPORT_HOME: alice },
        },
      );
      let out = '';
      let err = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (err += d));
      c.stdin.end();
      c.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    });
    expect(r.err).toBe('');
    expect(r.out).toBe('via-openssh\n');
    expect(r.code).toBe(0);
  });
});
