// An interactive `tshjs ssh` session driven through a real pseudo-terminal (tmux): raw mode,
// a remote shell with a PTY, window size, and the local terminal restored afterwards.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import { REPO, loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

const TMUX = ['/usr/bin/tmux', '/usr/local/bin/tmux'].find((p) => fs.existsSync(p));

function tmux(...args: string[]): string {
  return execFileSync(TMUX!, ['-L', 'tshjs-test', ...args], { encoding: 'utf8' });
}

async function waitFor(pane: string, re: RegExp, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = tmux('capture-pane', '-p', '-t', pane);
    if (re.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!TMUX)('interactive ssh in a terminal', () => {
  let cluster: DevCluster;
  let home: string;

  beforeAll(async () => {
    cluster = await startCluster({
      users: [{ name: 'alice', password: 'alice-pw', roles: ['access'] }],
      roles: [{ name: 'access', logins: ['root'], node_labels: { '*': '*' } }],
      nodes: [{ name: 'pty-node', labels: {} }],
    });
    home = tempHome();
    expect((await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' })).code).toBe(0);
  });
  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    await cluster?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs a remote shell with a PTY and restores the terminal on exit', async () => {
    const script = path.join(home, 'run.sh');
    // After tshjs exits, print the local tty mode so the test can check it was restored.
    fs.writeFileSync(
      script,
      `#!/bin/sh\nexport TELEPORT_HOME='${home}' PS1='remote$ '\n'${process.execPath}' '${REPO}/bin/tshjs.js' ssh root@pty-node\necho "exit=$?"\nstty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '\necho\nsleep 30\n`,
      { mode: 0o755 },
    );
    tmux('new-session', '-d', '-s', 'pty', '-x', '100', '-y', '30', script);
    await waitFor('pty', /[#$] *$/m);
    tmux('send-keys', '-t', 'pty', 'echo sum=$((40+2)); tty; stty size', 'Enter');
    const out = await waitFor('pty', /\d+ \d+\s*$/m);
    expect(out).toContain('sum=42');
    expect(out).toMatch(/\/dev\/pts\/\d+/);
    tmux('send-keys', '-t', 'pty', 'exit 5', 'Enter');
    const after = await waitFor('pty', /icanon/);
    expect(after).toContain('exit=5');
    // Canonical mode and echo are back on locally.
    expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(after).toMatch(/(^|\s)echo(\s|$)/m);
  });
});
