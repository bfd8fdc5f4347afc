// `proxy kube --exec`: a shell ($SHELL, else /bin/bash) with KUBECONFIG pointing at the ephemeral
// kubeconfig while the local proxy runs in this process (tool/tsh/common/kube_proxy.go
// runHeadlessKubeProxy / reexecToShell). Upstream Linux hands the shell a memfd as
// /proc/self/fd/3; Node has no memfd, so the file is a 0600 file in a fresh 0700 temporary
// directory (as upstream's macOS build does), removed when the shell exits.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IO } from '../term/io.js';

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Runs the shell to its end; resolves with its exit status (128+n for a signal). */
export async function runShellWithKubeconfig(
  configText: string,
  io: IO,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-proxy-kube-'));
  const file = path.join(dir, 'proxy-kubeconfig');
  try {
    fs.writeFileSync(file, configText, { mode: 0o600 });
    const shell = env.SHELL || '/bin/bash';
    // The real terminal goes straight to the shell; injected streams (tests, the library) are piped.
    const inherit =
      io.stdin === process.stdin && io.stdout === process.stdout && io.stderr === process.stderr;
    const child = spawn(shell, [], {
      // Even if KUBECONFIG was already set, the shell gets ours.
      env: { ...env, KUBECONFIG: file },
      stdio: inherit ? 'inherit' : 'pipe',
    });
    if (!inherit) {
      io.stdin.pipe(child.stdin!);
      child.stdin!.on('error', () => undefined);
      child.stdout!.pipe(io.stdout, { end: false });
      child.stderr!.pipe(io.stderr, { end: false });
    }
    // Ctrl-C belongs to the shell (an interactive one ignores it); a polite kill ends it.
    const onInt = () => undefined;
    const onTerm = () => child.kill('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    try {
      return await new Promise<number>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (SIGNALS[signal] ?? 1) : 1)));
      });
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (!inherit) io.stdin.unpipe(child.stdin!);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
