// A login killed at each of its filesystem writes (test/helpers/crash-preload.mjs), starting from a
// logged-in home with an older key: afterwards `status` and `ls` either work on a consistent key
// set or say, in one line, to log in again; and the next login leaves no temp files (they can hold
// private keys) behind.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSshCertificateLine } from '../../src/auth/ssh/cert.js';
import {
  parseAuthorizedKey,
  parseSshPrivateKey,
  parseSshPublicKeyBlob,
  sshPublicKeyBlob,
} from '../../src/auth/ssh/keys.js';
import { issueUserCerts } from '../../src/devcluster/certs.js';
import { accessInfo } from '../../src/devcluster/rbac.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import {
  REPO,
  TSHJS_BIN,
  loginArgs,
  runProcess,
  startCluster,
  tempHome,
  tshjs,
  tshjsProcess,
  type CliResult,
} from '../helpers/cluster.js';

const PRELOAD = path.join(REPO, 'test/helpers/crash-preload.mjs');

function loginWithPreload(
  cluster: DevCluster,
  home: string,
  env: Record<string, string>,
): Promise<CliResult> {
  return runProcess(
    process.execPath,
    ['--import', PRELOAD, TSHJS_BIN, ...loginArgs(cluster, 'alice')],
    { TELEPORT_HOME: home, ...env },
    'alice-pw\n',
  );
}

/** Every file under dir, relative, depth-first. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    out.push(r);
    if (e.isDirectory()) out.push(...walk(dir, r));
  }
  return out;
}

/** What is wrong with alice's key files, if anything: each certificate must be for its key. */
function keySetProblem(home: string): string | undefined {
  const kd = path.join(home, 'keys', '127.0.0.1');
  const read = (f: string) => fs.readFileSync(path.join(kd, f), 'utf8');
  try {
    if (!new X509Certificate(read('alice.crt')).checkPrivateKey(createPrivateKey(read('alice.key')))) {
      return 'the TLS certificate is not for the TLS key';
    }
    const cert = parseSshCertificateLine(read('alice-ssh/test.localhost-cert.pub').trim());
    if (!cert.publicKeyBlob.equals(sshPublicKeyBlob(parseSshPrivateKey(read('alice'))))) {
      return 'the SSH certificate is not for the SSH key';
    }
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/** Replaces alice's certificates in home with ones (for the same keys) that expired an hour ago. */
async function expireCerts(cluster: DevCluster, home: string): Promise<void> {
  const dir = path.join(home, 'keys', '127.0.0.1');
  const user = cluster.config.users.find((u) => u.name === 'alice')!;
  const old = await issueUserCerts(cluster.authority, {
    username: 'alice',
    access: accessInfo(cluster.config, user),
    tlsPublicKey: createPublicKey(fs.readFileSync(path.join(dir, 'alice.key'))),
    sshPublicKey: parseSshPublicKeyBlob(
      parseAuthorizedKey(fs.readFileSync(path.join(dir, 'alice.pub'), 'utf8')).blob,
    ).key,
    ttlMs: 3600_000,
    now: new Date(Date.now() - 7200_000),
  });
  fs.writeFileSync(path.join(dir, 'alice.crt'), old.tls!);
  fs.writeFileSync(path.join(dir, 'alice-ssh', `${cluster.config.cluster_name}-cert.pub`), old.ssh!);
}

const oneLine = (s: string) => s.trim().split('\n').length === 1;
/** A failure that tells the user what to do, not one that blames the cluster. */
const saysLogInAgain = (r: CliResult) =>
  r.code === 1 && oneLine(r.stderr) && /tshjs login|Active profile expired/.test(r.stderr);

describe('a login killed at each filesystem write', () => {
  let cluster: DevCluster;
  let dataDir: string;
  let snapshot: string;
  let writes: string[];
  const homes: string[] = [];

  beforeAll(async () => {
    dataDir = tempHome('tshjs-data-');
    cluster = await startCluster({}, dataDir);
    // The starting point: logged in, with a key the next login replaces.
    snapshot = tempHome();
    const first = await tshjsProcess(loginArgs(cluster, 'alice'), { home: snapshot, stdin: 'alice-pw\n' });
    expect(first.code, first.stderr).toBe(0);
    // Expired, so the next login is a full one (a valid session would only print the status).
    await expireCerts(cluster, snapshot);
    // How many write points one login has.
    const probe = tempHome();
    homes.push(probe);
    fs.cpSync(snapshot, probe, { recursive: true });
    const traceFile = path.join(probe, '..', `${path.basename(probe)}.trace`);
    const r = await loginWithPreload(cluster, probe, { TSHJS_CRASH_TRACE: traceFile });
    expect(r.code, r.stderr).toBe(0);
    writes = fs.readFileSync(traceFile, 'utf8').trim().split('\n');
    fs.rmSync(traceFile);
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
    for (const d of [dataDir, snapshot, ...homes]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('has a write point for every key and certificate file', () => {
    const renamed = writes.filter((w) => w.startsWith('renameSync'));
    expect(renamed.length).toBeGreaterThanOrEqual(5);
  });

  it('leaves status and ls consistent, and the next login cleans up', async () => {
    const failures: string[] = [];
    const check = async (n: number) => {
      const home = tempHome();
      homes.push(home);
      fs.cpSync(snapshot, home, { recursive: true });
      const killed = await loginWithPreload(cluster, home, { TSHJS_CRASH_AT: String(n) });
      if (killed.code === 0) failures.push(`#${n} (${writes[n - 1]}): the login was not killed`);
      // The rest runs in this process (same CLI, injected streams): only the crash needs a child.
      const status = await tshjs(['status'], { home });
      const ls = await tshjs(['ls', '--insecure'], { home });
      const where = `#${n} (${writes[n - 1]})`;
      if (status.code !== 0 && !saysLogInAgain(status)) {
        failures.push(`${where}: status failed unclearly: ${status.stderr.trim()}`);
      }
      if (ls.code !== 0 && !saysLogInAgain(ls)) {
        failures.push(`${where}: ls failed unclearly: ${ls.stderr.trim()}`);
      }
      if (status.code === 0 && ls.code !== 0) {
        failures.push(`${where}: status says logged in, but ls fails: ${ls.stderr.trim()}`);
      }
      const problem = status.code === 0 ? keySetProblem(home) : undefined;
      if (problem) failures.push(`${where}: status says logged in, but ${problem}`);
      const again = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: 'alice-pw\n' });
      if (again.code !== 0) failures.push(`${where}: the next login failed: ${again.stderr.trim()}`);
      const temps = walk(home).filter((f) => f.endsWith('.tmp'));
      if (temps.length) failures.push(`${where}: temp files left after the next login: ${temps.join(', ')}`);
    };
    // A few at a time: each point is one short process.
    const points = writes.map((_w, i) => i + 1);
    for (let i = 0; i < points.length; i += 4) await Promise.all(points.slice(i, i + 4).map(check));
    expect(failures).toEqual([]);
  }, 120_000);
});
