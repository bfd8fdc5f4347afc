// tshjs scp over SFTP, against the dev cluster's in-process node and a real OpenSSH sshd node
// (internal-sftp): uploads, downloads, -r trees, -p times and mode, home-relative paths, errors.
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, runProcess, startCluster, tempHome, tshjs, tshjsProcess } from '../helpers/cluster.js';
import { SSHD, freePort, startSshd, type Sshd } from '../helpers/sshd.js';

const SSHD_ID = '33333333-3333-4333-8333-333333333333';

/** Every file under `dir` (relative path → contents), directories as null. */
function snapshot(dir: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = path.join(rel, name);
      const full = path.join(dir, r);
      if (fs.statSync(full).isDirectory()) {
        out[r] = null;
        walk(r);
      } else {
        out[r] = fs.readFileSync(full).toString('base64');
      }
    }
  };
  walk('');
  return out;
}

const sameBytes = (a: string, b: string) => fs.readFileSync(a).equals(fs.readFileSync(b));

describe('tshjs scp', () => {
  let cluster: DevCluster;
  let sshd: Sshd | undefined;
  let home: string;
  let work: string;

  beforeAll(async () => {
    const port = SSHD ? await freePort() : 0;
    cluster = await startCluster({
      users: [{ name: 'alice', password: 'alice-pw', roles: ['access'] }],
      roles: [{ name: 'access', logins: ['root', os.userInfo().username], node_labels: { '*': '*' } }],
      nodes: [
        { name: 'inproc-1', labels: { env: 'dev' } },
        ...(SSHD ? [{ name: 'sshd-1', id: SSHD_ID, addr: `127.0.0.1:${port}`, labels: { env: 'dev' } }] : []),
      ],
    });
    if (SSHD) sshd = await startSshd(cluster.authority, 'sshd-1', port, SSHD_ID);
    home = tempHome();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-scp-'));
    expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
  });
  afterAll(async () => {
    await sshd?.stop();
    await cluster?.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  const nodes: Array<{ name: string; skip: boolean }> = [
    { name: 'inproc-1', skip: false },
    { name: 'sshd-1', skip: !SSHD },
  ];

  for (const node of nodes) {
    describe.skipIf(node.skip)(`to ${node.name}`, () => {
      const login = os.userInfo().username;
      const target = `${login}@${node.name}`;
      let dir: string;
      let remote: string;
      const scp = (...args: string[]) => tshjsProcess(['scp', ...args], { home });

      beforeAll(() => {
        dir = fs.mkdtempSync(path.join(work, `${node.name}-`));
        remote = path.join(dir, 'remote');
        fs.mkdirSync(remote);
      });

      it('uploads files into a directory and downloads them back, byte-identical', async () => {
        const src = path.join(dir, 'src');
        fs.mkdirSync(src);
        const big = path.join(src, 'big.bin');
        fs.writeFileSync(big, randomBytes(5 * 1024 * 1024 + 123));
        const spaced = path.join(src, 'a file with spaces.txt');
        fs.writeFileSync(spaced, 'hello, spaces\n');
        const up = await scp(big, spaced, `${target}:${remote}/`);
        expect(up.code, up.stderr).toBe(0);
        expect(up.stderr).toBe(''); // not a TTY: no progress
        expect(sameBytes(big, path.join(remote, 'big.bin'))).toBe(true);
        expect(sameBytes(spaced, path.join(remote, 'a file with spaces.txt'))).toBe(true);

        const back = path.join(dir, 'back');
        fs.mkdirSync(back);
        const down = await scp(
          `${target}:${remote}/big.bin`,
          `${target}:${remote}/a file with spaces.txt`,
          back,
        );
        expect(down.code, down.stderr).toBe(0);
        expect(down.stderr).toBe('');
        expect(sameBytes(big, path.join(back, 'big.bin'))).toBe(true);
        expect(sameBytes(spaced, path.join(back, 'a file with spaces.txt'))).toBe(true);

        // A single file to a new name.
        const renamed = path.join(back, 'renamed.bin');
        expect((await scp(`${target}:${remote}/big.bin`, renamed)).code).toBe(0);
        expect(sameBytes(big, renamed)).toBe(true);
      });

      it('-r copies directory trees both ways', async () => {
        const tree = path.join(dir, 'tree');
        fs.mkdirSync(path.join(tree, 'sub', 'deeper'), { recursive: true });
        fs.mkdirSync(path.join(tree, 'empty'));
        fs.writeFileSync(path.join(tree, 'top.txt'), 'top\n');
        fs.writeFileSync(path.join(tree, 'sub', 'mid file.txt'), randomBytes(70_000));
        fs.writeFileSync(path.join(tree, 'sub', 'deeper', 'leaf.bin'), randomBytes(1234));
        fs.writeFileSync(path.join(tree, 'sub', 'deeper', 'zero'), '');

        // A destination that does not exist becomes the copy.
        const up = await scp('-r', tree, `${target}:${remote}/tree-copy`);
        expect(up.code, up.stderr).toBe(0);
        expect(snapshot(path.join(remote, 'tree-copy'))).toEqual(snapshot(tree));
        // An existing directory destination receives the tree by name.
        expect((await scp('-r', tree, `${target}:${remote}`)).code).toBe(0);
        expect(snapshot(path.join(remote, 'tree'))).toEqual(snapshot(tree));

        const back = path.join(dir, 'tree-back');
        fs.mkdirSync(back);
        const down = await scp('-r', `${target}:${remote}/tree-copy`, back);
        expect(down.code, down.stderr).toBe(0);
        expect(snapshot(path.join(back, 'tree-copy'))).toEqual(snapshot(tree));
      });

      it('-p keeps mtime, atime and mode; without it times are fresh', async () => {
        const f = path.join(dir, 'old.sh');
        fs.writeFileSync(f, '#!/bin/sh\necho old\n');
        fs.chmodSync(f, 0o751);
        const when = new Date('2001-02-03T04:05:06Z');
        fs.utimesSync(f, when, when);

        expect((await scp('-p', f, `${target}:${remote}/kept.sh`)).code).toBe(0);
        const kept = fs.statSync(path.join(remote, 'kept.sh'));
        expect(kept.mtimeMs).toBe(when.getTime());
        expect(kept.atimeMs).toBe(when.getTime());
        expect(kept.mode & 0o7777).toBe(0o751);

        expect((await scp(f, `${target}:${remote}/fresh.sh`)).code).toBe(0);
        expect(Date.now() - fs.statSync(path.join(remote, 'fresh.sh')).mtimeMs).toBeLessThan(60_000);

        const local = path.join(dir, 'kept-local.sh');
        expect((await scp('-p', `${target}:${remote}/kept.sh`, local)).code).toBe(0);
        const st = fs.statSync(local);
        expect(st.mtimeMs).toBe(when.getTime());
        expect(st.mode & 0o7777).toBe(0o751);

        // Directories too (times set after their contents are written).
        const d = path.join(dir, 'olddir');
        fs.mkdirSync(d);
        fs.writeFileSync(path.join(d, 'x'), 'x');
        fs.chmodSync(d, 0o750);
        fs.utimesSync(d, when, when);
        expect((await scp('-r', '-p', d, `${target}:${remote}/olddir-copy`)).code).toBe(0);
        const ds = fs.statSync(path.join(remote, 'olddir-copy'));
        expect(ds.mtimeMs).toBe(when.getTime());
        expect(ds.mode & 0o7777).toBe(0o750);
      });

      it('relative and ~ remote paths are in the login home directory', async () => {
        const name = `tshjs-scp-${randomUUID()}.txt`;
        const inHome = path.join(os.userInfo().homedir, name);
        const f = path.join(dir, 'rel.txt');
        fs.writeFileSync(f, 'relative\n');
        try {
          expect((await scp(f, `${target}:${name}`)).code).toBe(0);
          expect(fs.readFileSync(inHome, 'utf8')).toBe('relative\n');
          const back = path.join(dir, 'rel-back.txt');
          expect((await scp(`${target}:~/${name}`, back)).code).toBe(0);
          expect(fs.readFileSync(back, 'utf8')).toBe('relative\n');
          fs.rmSync(inHome);
          expect((await scp(`${target}:${name}`, dir)).code).toBe(1);
          // "host:" alone is the home directory.
          fs.copyFileSync(f, path.join(dir, name));
          expect((await scp(path.join(dir, name), `${target}:`)).code).toBe(0);
          expect(fs.readFileSync(inHome, 'utf8')).toBe('relative\n');
        } finally {
          fs.rmSync(inHome, { force: true });
        }
      });

      it('errors are one ERROR line with exit 1', async () => {
        const missing = await scp(`${target}:${remote}/nope.txt`, dir);
        expect([missing.code, missing.stderr]).toEqual([
          1,
          `ERROR: no such file: ${node.name}:${remote}/nope.txt\n`,
        ]);

        const missingRel = await scp(`${target}:nope-${randomUUID()}`, dir);
        expect(missingRel.code).toBe(1);
        expect(missingRel.stderr).toMatch(
          new RegExp(`^ERROR: no such file: ${node.name}:nope-[-0-9a-f]+\\n$`),
        );

        const localDir = path.join(dir, 'a-dir');
        fs.mkdirSync(localDir, { recursive: true });
        const upDir = await scp(localDir, `${target}:${remote}/`);
        expect([upDir.code, upDir.stderr]).toEqual([1, `ERROR: ${localDir} is a directory (use -r)\n`]);

        const downDir = await scp(`${target}:${remote}`, path.join(dir, 'x'));
        expect([downDir.code, downDir.stderr]).toEqual([
          1,
          `ERROR: ${node.name}:${remote} is a directory (use -r)\n`,
        ]);

        const missingLocal = await scp(path.join(dir, 'not-here'), `${target}:${remote}/`);
        expect([missingLocal.code, missingLocal.stderr]).toEqual([
          1,
          `ERROR: no such file: ${path.join(dir, 'not-here')}\n`,
        ]);
      });
    });
  }

  it('both sides local, or both remote, is refused', async () => {
    const a = await tshjsProcess(['scp', '/etc/hostname', path.join(work, 'h')], { home });
    expect([a.code, a.stderr]).toEqual([1, 'ERROR: local to local copy is not supported\n']);
    const b = await tshjsProcess(['scp', 'inproc-1:/etc/hostname', 'sshd-1:/tmp/h'], { home });
    expect([b.code, b.stderr]).toEqual([1, 'ERROR: remote to remote copy is not supported\n']);
    const c = await tshjsProcess(['scp', 'only-one'], { home });
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/^ERROR: .*\n$/);
  });

  it('the OpenSSH sftp client works against the in-process node (session ends on EOF)', async () => {
    const cfg = path.join(home, 'ssh_config');
    fs.writeFileSync(cfg, (await tshjs(['config'], { home })).stdout);
    const d = fs.mkdtempSync(path.join(work, 'openssh-'));
    fs.writeFileSync(path.join(d, 'in.txt'), 'via openssh sftp\n');
    const batch = [
      `mkdir ${d}/made`,
      `put ${d}/in.txt ${d}/made/put.txt`,
      `rename ${d}/made/put.txt ${d}/made/renamed.txt`,
      `chmod 600 ${d}/made/renamed.txt`,
      `ls -l ${d}/made`,
      `get ${d}/made/renamed.txt ${d}/got.txt`,
      `rm ${d}/made/renamed.txt`,
      `rmdir ${d}/made`,
    ].join('\n');
    const r = await runProcess(
      'sftp',
      ['-F', cfg, '-o', 'BatchMode=yes', '-b', '-', `${os.userInfo().username}@inproc-1.test.localhost`],
      { HOME: home, TELEPORT_HOME: home },
      `${batch}\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/-rw------- .* renamed\.txt/);
    expect(fs.readFileSync(path.join(d, 'got.txt'), 'utf8')).toBe('via openssh sftp\n');
    expect(fs.existsSync(path.join(d, 'made'))).toBe(false);
  });

  it('an unknown node is one clear line', async () => {
    const r = await tshjsProcess(['scp', '/etc/hostname', 'root@nope:/tmp/x'], { home });
    expect([r.code, r.stderr]).toEqual([1, 'ERROR: target host nope is offline or does not exist\n']);
  });
});
