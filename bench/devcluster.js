// What the benches share (not a bench itself: no bench:* script runs it): the dev cluster started
// from a config file as its own process, resolved once it prints its ready line.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts `tshjs-devcluster start --config FILE [--data-dir DIR]` on a free port. Resolves with the process and its
 * ready info ({ proxy, cluster, … }); rejects when it exits first.
 */
export async function startDevCluster(configFile, { stderr = 'ignore', dataDir } = {}) {
  const prof = process.env.BENCH_CPU_PROF; // a directory: the cluster writes its CPU profile there
  const child = spawn(
    process.execPath,
    [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`] : []),
      path.join(repo, 'bin/tshjs-devcluster.js'),
      'start',
      '--config',
      configFile,
      '--listen',
      '127.0.0.1:0',
      ...(dataDir ? ['--data-dir', dataDir] : []),
    ],
    { stdio: ['ignore', 'pipe', stderr] },
  );
  try {
    const ready = await new Promise((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (c) => {
        buf += c;
        if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]));
      });
      child.on('exit', (code) => reject(new Error(`dev cluster exited ${code}`)));
    });
    return { child, ready };
  } catch (err) {
    child.kill();
    throw err;
  }
}
