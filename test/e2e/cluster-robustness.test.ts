// Nothing falls over: a failure inside one session (a huge recording, a client killed mid-stream or
// mid-upload, a node that dies mid-session) ends that session only. The dev cluster runs as a real
// process (bin/tshjs-devcluster.js) so a crash, an unhandled rejection or an uncaught exception
// would show as a dead process or as text on its stderr; after each failure the next `tshjs login`,
// `tshjs ls` and `tshjs ssh` must still work.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateAuthority } from '../../src/devcluster/authority.js';
import { RecordingReader } from '../../src/recording/reader.js';
import { DEVCLUSTER_BIN, REPO, TSHJS_BIN, tempHome, tshjsProcess } from '../helpers/cluster.js';
import { SSHD, freePort, startSshd, type Sshd } from '../helpers/sshd.js';

const CLUSTER = 'robust.localhost';
const SSHD_ID = '44444444-4444-4444-8444-444444444444';
const BIG = 256 * 1024 * 1024;

interface Devcluster {
  child: ChildProcessWithoutNullStreams;
  proxy: string;
  stderr: () => string;
}

function startDevcluster(config: string, dataDir: string): Promise<Devcluster> {
  if (!fs.existsSync(path.join(REPO, 'dist/devcluster/main.js')))
    throw new Error('dist/ is missing: run "npm run build" (npm test does)');
  const child = spawn(process.execPath, [
    DEVCLUSTER_BIN,
    'start',
    '--config',
    config,
    '--data-dir',
    dataDir,
    '--listen',
    '127.0.0.1:0',
    '--debug',
  ]);
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n'))
        resolve({ child, proxy: JSON.parse(out.split('\n')[0]).proxy, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`devcluster exited early with ${code}: ${err}`)));
  });
}

/** `tshjs <args>` as a process whose stdout is only counted (it may be hundreds of MB). */
function counted(
  args: string[],
  home: string,
  opts: { onBytes?: (total: number, child: ChildProcessWithoutNullStreams) => void } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; bytes: number; stderr: string }> {
  const child = spawn(process.execPath, [TSHJS_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: home, TELEPORT_HOME: home },
  });
  let bytes = 0;
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    bytes += c.length;
    opts.onBytes?.(bytes, child);
  });
  child.stderr.on('data', (c) => (stderr += c));
  child.stdin.end();
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, bytes, stderr }));
  });
}

async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pids of the processes whose parent is `ppid` (from /proc). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

function descendantsOf(pid: number): number[] {
  const kids = childrenOf(pid);
  return [...kids, ...kids.flatMap(descendantsOf)];
}

describe('dev cluster robustness', () => {
  const dataDir = tempHome('tshjs-robust-data-');
  const home = tempHome();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-robust-'));
  const recordings = path.join(dataDir, 'recordings');
  const login = os.userInfo().username;
  let dc: Devcluster;
  let sshd: Sshd | undefined;

  const tsh = (args: string[]) => tshjsProcess(args, { home });

  /** A new recording's file once it holds session.end; returns its events' summary. */
  async function finishedRecording(before: Set<string>) {
    const file = await until('a new recording', () =>
      fs.readdirSync(recordings).find((f) => f.endsWith('.tar') && !before.has(f)),
    );
    return until('session.end in the recording', async () => {
      let printed = 0;
      let last = '';
      try {
        for await (const ev of new RecordingReader(fs.createReadStream(path.join(recordings, file)))) {
          last = ev.Event?.$case ?? '';
          if (ev.Event?.$case === 'SessionPrint') printed += ev.Event.value.Data.length;
        }
      } catch {
        return undefined; // still being written
      }
      return last === 'SessionEnd' ? { file, printed } : undefined;
    });
  }

  const recordingNames = () => new Set(fs.existsSync(recordings) ? fs.readdirSync(recordings) : []);

  /** The cluster still serves logins, listings and sessions, and has said nothing alarming. */
  async function stillServing(): Promise<void> {
    expect(dc.child.exitCode).toBeNull();
    expect(dc.child.signalCode).toBeNull();
    const li = await tshjsProcess(['login', `--proxy=${dc.proxy}`, '--user=alice', '--insecure'], {
      home,
      stdin: 'alice-pw\n',
    });
    expect(li.code, li.stderr).toBe(0);
    const ls = await tsh(['ls', '--format', 'names']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('node-1');
    const ssh = await tsh(['ssh', `${login}@node-1`, 'echo still-$((40+2))']);
    expect([ssh.code, ssh.stdout, ssh.stderr]).toEqual([0, 'still-42\n', '']);
    expect(dc.stderr()).not.toMatch(/unhandled|uncaught|triggerUncaughtException|node:internal/i);
  }

  beforeAll(async () => {
    const authority = await loadOrCreateAuthority(dataDir, CLUSTER, 'balanced-v1');
    const port = SSHD ? await freePort() : 0;
    const config = path.join(work, 'cluster.yaml');
    fs.writeFileSync(
      config,
      [
        `cluster_name: ${CLUSTER}`,
        'signature_algorithm_suite: balanced-v1',
        'second_factor: "off"',
        'users: [{ name: alice, password: alice-pw, roles: [access] }]',
        `roles: [{ name: access, logins: [root, ${login}], node_labels: { '*': '*' } }]`,
        'nodes:',
        '  - { name: node-1 }',
        ...(SSHD ? [`  - { name: sshd-1, id: ${SSHD_ID}, addr: '127.0.0.1:${port}' }`] : []),
        '',
      ].join('\n'),
    );
    if (SSHD) sshd = await startSshd(authority, 'sshd-1', port, SSHD_ID);
    dc = await startDevcluster(config, dataDir);
    const r = await tshjsProcess(['login', `--proxy=${dc.proxy}`, '--user=alice', '--insecure'], {
      home,
      stdin: 'alice-pw\n',
    });
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    dc?.child.kill('SIGTERM');
    await sshd?.stop();
    for (const d of [dataDir, home, work]) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a 256 MB session arrives whole and its recording is complete', async () => {
    const before = recordingNames();
    const r = await counted(['ssh', `${login}@node-1`, `head -c ${BIG} /dev/zero`], home);
    expect(r.stderr).toBe('');
    expect([r.code, r.bytes]).toEqual([0, BIG]);
    const rec = await finishedRecording(before);
    expect(rec.printed).toBe(BIG);
    const ls = await tsh(['recordings', 'ls', '--format', 'json']);
    expect(ls.stdout).toContain(rec.file.replace(/\.tar$/, ''));
    await stillServing();
  }, 120_000);

  for (const node of ['node-1', 'sshd-1']) {
    it.skipIf(node === 'sshd-1' && !SSHD)(
      `a client killed mid-output (${node}) ends only its session`,
      async () => {
        const before = recordingNames();
        const r = await counted(['ssh', `${login}@${node}`, 'cat /dev/zero'], home, {
          onBytes: (n, child) => {
            if (n > 8 * 1024 * 1024) child.kill('SIGKILL');
          },
        });
        expect(r.signal).toBe('SIGKILL');
        // The in-process node stops the command and closes its recording.
        if (node === 'node-1') expect((await finishedRecording(before)).printed).toBeGreaterThan(0);
        await stillServing();
      },
    );
  }

  it('a client killed mid-scp upload ends only its session', async () => {
    const src = path.join(work, 'upload.bin');
    fs.writeFileSync(src, Buffer.alloc(64 * 1024 * 1024, 7));
    const dest = path.join(work, 'uploaded.bin');
    const child = spawn(process.execPath, [TSHJS_BIN, 'scp', src, `${login}@node-1:${dest}`], {
      env: { PATH: process.env.PATH ?? '', HOME: home, TELEPORT_HOME: home },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('close', r));
    await until(
      'the upload to start',
      () => (fs.existsSync(dest) && fs.statSync(dest).size > 0) || undefined,
    );
    child.kill('SIGKILL');
    await exited;
    expect(fs.statSync(dest).size).toBeLessThan(64 * 1024 * 1024);
    await stillServing();
  });

  it('a recording that cannot be written ends its session with a clear message', async () => {
    // The recordings directory replaced by a file: the recorder cannot create its file.
    const aside = `${recordings}.aside`;
    fs.renameSync(recordings, aside);
    fs.writeFileSync(recordings, 'not a directory');
    try {
      const r = await tsh(['ssh', `${login}@node-1`, 'sleep 5; echo never']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^ERROR: session recording failed: .*\n$/);
    } finally {
      fs.rmSync(recordings);
      fs.renameSync(aside, recordings);
    }
    expect(dc.stderr()).toContain('"msg":"session recording failed"');
    await stillServing();
  });

  it.skipIf(!SSHD)('a node that dies mid-session ends only that session', async () => {
    const listener = childrenOf(process.pid).find((pid) =>
      fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(sshd!.dir),
    );
    expect(listener).toBeDefined();
    let killed = false;
    const r = await counted(['ssh', `${login}@sshd-1`, 'cat /dev/zero'], home, {
      onBytes: (n) => {
        if (killed || n < 4 * 1024 * 1024) return;
        killed = true;
        // Every process serving this connection (the listener we started forked them): the
        // node's end of the session dies at once, its TCP connection with it.
        for (const pid of descendantsOf(listener!)) process.kill(pid, 'SIGKILL');
      },
    });
    expect(killed).toBe(true);
    // The relay saw the node go and ended that session's stream (logged with --debug).
    expect(dc.stderr()).toMatch(
      /"msg":"proxy ssh closed","node":"sshd-1","how":"node (closed|connection failed)"/,
    );
    // The command never reported how it ended: as tsh, that is a failure, not a success.
    expect([r.code, r.stderr]).toEqual([
      1,
      'ERROR: wait: remote command exited without exit status or exit signal\n',
    ]);
    await stillServing();
    // The node is still registered; a new session to it works again (its listener lives on).
    const again = await tsh(['ssh', `${login}@sshd-1`, 'echo back']);
    expect([again.code, again.stdout]).toEqual([0, 'back\n']);
  });
});
