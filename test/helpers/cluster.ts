// Test harness: a dev cluster in-process on 127.0.0.1:0, the CLI in-process with injected
// streams, or as a real child process.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';
import { normalizeConfig, type DevClusterConfig } from '../../src/devcluster/config.js';
import { DevCluster } from '../../src/devcluster/server.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TSHJS_BIN = path.join(REPO, 'bin/tshjs.js');
export const DEVCLUSTER_BIN = path.join(REPO, 'bin/tshjs-devcluster.js');

export const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';

export function testConfig(overrides: Record<string, unknown> = {}): DevClusterConfig {
  return normalizeConfig({
    cluster_name: 'test.localhost',
    signature_algorithm_suite: 'balanced-v1',
    users: [
      { name: 'alice', password: 'alice-pw', roles: ['access'], traits: { logins: ['alice'] } },
      { name: 'bob', password: 'bob-pw', totp_secret: TOTP_SECRET, roles: ['access'] },
      { name: 'carol', password: 'carol-pw', roles: ['short'] },
    ],
    roles: [
      {
        name: 'access',
        logins: ['{{internal.logins}}', 'root'],
        node_labels: { '*': '*' },
        forward_agent: true,
      },
      { name: 'short', logins: ['carol'], node_labels: {}, max_session_ttl: '1m' },
    ],
    max_login_attempts: 3,
    second_factor: 'off', // alice/carol have no MFA device; a v18 cluster (on) refuses them (missing second factor)
    ...overrides,
  });
}

export async function startCluster(
  overrides: Record<string, unknown> = {},
  dataDir?: string,
): Promise<DevCluster> {
  return DevCluster.start({ config: testConfig(overrides), listen: '127.0.0.1:0', dataDir });
}

export function tempHome(prefix = 'tshjs-home-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with injected streams; `stdin` is piped text. */
export async function tshjs(
  args: string[],
  opts: { home: string; stdin?: string; env?: Record<string, string> },
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const stdin = Readable.from(opts.stdin !== undefined ? [opts.stdin] : []);
  const code = await run(args, { stdin, stdout, stderr, env: { TELEPORT_HOME: opts.home, ...opts.env } });
  return { code, stdout: out, stderr: err };
}

/** Runs bin/tshjs.js as a real process (uses dist/; `npm test` builds first). */
export function tshjsProcess(
  args: string[],
  opts: { home: string; stdin?: string; env?: Record<string, string> },
): Promise<CliResult> {
  return runProcess(
    process.execPath,
    [TSHJS_BIN, ...args],
    { TELEPORT_HOME: opts.home, ...opts.env },
    opts.stdin,
  );
}

export function runProcess(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

export function loginArgs(cluster: DevCluster, user: string): string[] {
  return ['login', `--proxy=${cluster.proxyAddr}`, `--user=${user}`, '--insecure'];
}
