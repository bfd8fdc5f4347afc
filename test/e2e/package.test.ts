// The npm package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a temporary
// prefix with only the runtime dependencies (--omit=dev), and the installed bins against each other:
// tshjs-devcluster start, tshjs login, ls, ssh (exec), recordings ls, play; the library entry points;
// the patched ssh2 shipped inside the package (bundleDependencies, docs/ssh2-patch.md).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cluster.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a fresh shell: none of the npm_* variables `npm test` sets for its scripts. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  // The bins' shebang is `#!/usr/bin/env node`: the node running the tests.
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`;
  return { ...env, ...extra };
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

function ok(r: Result, what: string): Result {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

describe('the npm package, installed with runtime dependencies only', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-package-'));
  const prefix = path.join(tmp, 'prefix');
  const pkgDir = path.join(prefix, 'lib', 'node_modules', 'tshjs');
  const bin = (name: string) => path.join(prefix, 'bin', name);
  const home = path.join(tmp, 'home');
  const dataDir = path.join(tmp, 'devcluster');
  const env = () => cleanEnv({ TELEPORT_HOME: home });
  let cluster: ChildProcessWithoutNullStreams | undefined;
  let proxy = '';
  let tgz = '';

  beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO, 'dist/bin/tshjs.js')))
      throw new Error('dist/ is missing: run "npm run build" (npm test does)');
    // --ignore-scripts: `npm test` has just built dist/ (prepack would build it again, under the other
    // test files' feet) and `npm ci` ran `prepare` (patch-package, scripts/prune-bundle.js); what they
    // do is checked on the installed package below.
    const pack = ok(
      await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
        cwd: REPO,
        timeoutMs: 120_000,
      }),
      'npm pack',
    );
    tgz = path.join(tmp, (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0].filename);
    // A machine with only Node and npm: no C toolchain (compilers, make and python fail). Install
    // scripts stay on: npm runs those of the bundled packages too, and none may fail or need a dev
    // dependency.
    const noToolchain = path.join(tmp, 'no-toolchain');
    fs.mkdirSync(noToolchain);
    for (const tool of ['cc', 'gcc', 'c++', 'g++', 'make', 'python', 'python3']) {
      fs.writeFileSync(path.join(noToolchain, tool), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    }
    const installEnv = cleanEnv({ CC: 'false', CXX: 'false' });
    installEnv.PATH = `${noToolchain}${path.delimiter}${installEnv.PATH}`;
    ok(
      await run(
        'npm',
        [
          'install',
          '-g',
          '--prefix',
          prefix,
          '--omit=dev',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
          tgz,
        ],
        { cwd: tmp, env: installEnv, timeoutMs: 280_000 },
      ),
      'npm install -g',
    );
  }, 420_000);

  afterAll(async () => {
    if (cluster && cluster.exitCode === null) {
      const exited = new Promise((r) => cluster!.once('exit', r));
      cluster.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (cluster.exitCode === null) cluster.kill('SIGKILL');
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('ships the built package without tests, sources or install scripts that need dev dependencies', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    // npm runs these when a package is installed (prepare only for git and linked sources).
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts?.[hook]).toBeUndefined();
    for (const dir of ['bin', 'dist/bin', 'dist/devcluster-bin', 'dist/devcluster'])
      expect(fs.existsSync(path.join(pkgDir, dir))).toBe(true);
    for (const dir of ['test', 'src', 'scripts', 'patches'])
      expect(fs.existsSync(path.join(pkgDir, dir))).toBe(false);
    expect(fs.existsSync(path.join(pkgDir, 'node_modules', 'patch-package'))).toBe(false);
    expect(fs.existsSync(path.join(prefix, 'lib', 'node_modules', 'patch-package'))).toBe(false);
    // Of the bundled packages only ssh2 has an install script (its optional crypto binding; it exits
    // 0 when it cannot build); ssh2's optional native cpu-features is left out (scripts/prune-bundle.js).
    const tarball = (await run('tar', ['-tzf', tgz])).stdout.split('\n');
    const bundled = [
      ...new Set(
        tarball.map((f) => /^package\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter(Boolean),
      ),
    ] as string[];
    expect(bundled).toContain('ssh2');
    expect(bundled, 'node_modules/cpu-features is left from before `prepare`: run npm ci').not.toContain(
      'cpu-features',
    );
    const withScripts = bundled.filter((name) => {
      const dir = path.join(pkgDir, 'node_modules', name);
      const scripts = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as typeof pkg)
        .scripts;
      return !!(
        scripts?.preinstall ||
        scripts?.install ||
        scripts?.postinstall ||
        fs.existsSync(path.join(dir, 'binding.gyp'))
      );
    });
    expect(withScripts).toEqual(['ssh2']);
  });

  it('contains the patched ssh2, and the package resolves that copy', async () => {
    const shipped = path.join(pkgDir, 'node_modules', 'ssh2');
    expect(JSON.parse(fs.readFileSync(path.join(shipped, 'package.json'), 'utf8')).version).toBe('1.17.0');
    // Every line the patch adds is in the installed file.
    const patch = fs.readFileSync(path.join(REPO, 'patches', 'ssh2+1.17.0.patch'), 'utf8');
    const added = new Map<string, string[]>();
    let file = '';
    for (const line of patch.split('\n')) {
      const m = /^\+\+\+ b\/node_modules\/ssh2\/(.+)$/.exec(line);
      if (m) {
        file = m[1];
        added.set(file, []);
      } else if (file && line.startsWith('+') && line.slice(1).trim()) {
        added.get(file)!.push(line.slice(1));
      }
    }
    expect(added.size).toBeGreaterThan(5);
    for (const [rel, lines] of added) {
      const text = fs.readFileSync(path.join(shipped, rel), 'utf8');
      const missing = lines.filter((l) => !text.includes(l));
      expect(missing, `${rel}: lines of the patch missing`).toEqual([]);
    }
    expect(fs.readFileSync(path.join(shipped, 'lib/protocol/keyParser.js'), 'utf8')).toContain(
      '[ssh2 cert patch]',
    );
    const r = ok(
      await run(process.execPath, [
        '-e',
        "process.stdout.write(require('module').createRequire(process.argv[1]).resolve('ssh2'))",
        path.join(pkgDir, 'dist', 'index.js'),
      ]),
      'resolve ssh2',
    );
    expect(r.stdout).toBe(path.join(shipped, 'lib', 'index.js'));
  });

  it('library entry points: tshjs (without the dev cluster) and tshjs/devcluster', async () => {
    const script = path.join(prefix, 'lib', 'check-library.mjs');
    fs.writeFileSync(
      script,
      [
        "const lib = await import('tshjs');",
        'const which = process.argv[2];',
        "const dc = which === 'both' ? await import('tshjs/devcluster') : {};",
        'process.stdout.write(JSON.stringify({ lib: Object.keys(lib), dc: Object.keys(dc), version: lib.VERSION }));',
      ].join('\n'),
    );
    // NODE_DEBUG=esm logs each module the loader stores: importing `tshjs` loads nothing of the dev cluster.
    const only = ok(
      await run(process.execPath, [script, 'lib'], { env: cleanEnv({ NODE_DEBUG: 'esm' }) }),
      'import tshjs',
    );
    const loaded = [...only.stderr.matchAll(/file:\/\/\S+?\.js/g)].map((m) => m[0]);
    expect(loaded.some((u) => u.endsWith('/node_modules/tshjs/dist/index.js'))).toBe(true);
    expect(loaded.filter((u) => u.includes('/tshjs/dist/devcluster/'))).toEqual([]);
    const lib = JSON.parse(only.stdout) as { lib: string[]; version: string };
    expect(lib.lib).toEqual(
      expect.arrayContaining([
        'TeleportClient',
        'ProfileStore',
        'FileKeyStore',
        'VERSION',
        'openDesktopSession',
        'parseDesktopScript',
        'runDesktopScript',
      ]),
    );
    expect(lib.lib).not.toContain('DevCluster');

    const both = JSON.parse(
      ok(await run(process.execPath, [script, 'both']), 'import tshjs/devcluster').stdout,
    );
    expect(both.dc).toEqual(
      expect.arrayContaining(['DevCluster', 'demoConfig', 'loadConfigFile', 'startShadowDesktop']),
    );
  });

  it('tshjs-devcluster start, tshjs login, ls', async () => {
    cluster = spawn(bin('tshjs-devcluster'), ['start', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
      env: env(),
    });
    let err = '';
    cluster.stderr.on('data', (c) => (err += c));
    const ready = await new Promise<{ proxy: string; cluster: string }>((resolve, reject) => {
      let out = '';
      cluster!.stdout.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
      });
      cluster!.on('exit', (code) => reject(new Error(`tshjs-devcluster exited ${code}: ${err}`)));
    });
    expect(ready.cluster).toBe('dev.localhost');
    proxy = ready.proxy;

    const login = ok(
      await run(bin('tshjs'), ['login', `--proxy=${proxy}`, '--user=alice', '--insecure'], {
        env: env(),
        stdin: 'alice-password\n',
      }),
      'tshjs login',
    );
    expect(login.stdout).toContain('Logged in as:       alice');

    const ls = ok(await run(bin('tshjs'), ['ls'], { env: env() }), 'tshjs ls');
    expect(ls.stdout).toMatch(/^node-1 /m);
    expect(ls.stdout).toMatch(/^node-2 /m);
  });

  it('tshjs ssh: exec on a node, with the remote exit code', async () => {
    const ssh = await run(bin('tshjs'), ['ssh', 'root@node-1', 'echo', 'hi-from-the-package'], {
      env: env(),
    });
    expect(ssh.stdout).toBe('hi-from-the-package\n');
    expect(ssh.code, ssh.stderr).toBe(0);
    const failing = await run(bin('tshjs'), ['ssh', 'root@node-1', 'echo failing; exit 3'], { env: env() });
    expect(failing.stdout).toBe('failing\n');
    expect(failing.code, failing.stderr).toBe(3);
  });

  it('tshjs recordings ls and play (from the cluster and from the file)', async () => {
    // The node records the session (<data-dir>/recordings/<sid>.tar); it lists once it is closed.
    let sid = '';
    for (const deadline = Date.now() + 10_000; !sid;) {
      const r = ok(
        await run(bin('tshjs'), ['recordings', 'ls', '--format', 'json'], { env: env() }),
        'recordings ls',
      );
      const ends = JSON.parse(r.stdout) as Array<{ sid: string; initial_command?: string[] }>;
      sid = ends.find((e) => e.initial_command?.join(' ').includes('hi-from-the-package'))?.sid ?? '';
      if (!sid && Date.now() > deadline) throw new Error('the ssh session was not recorded');
      if (!sid) await new Promise((r) => setTimeout(r, 200));
    }
    const file = path.join(dataDir, 'recordings', `${sid}.tar`);
    expect(fs.existsSync(file)).toBe(true);
    const fromCluster = ok(
      await run(bin('tshjs'), ['play', sid, '--speed', '8'], { env: env() }),
      'play <sid>',
    );
    expect(fromCluster.stdout).toContain('hi-from-the-package');
    const fromFile = ok(
      await run(bin('tshjs'), ['play', file, '--format', 'json'], { env: env() }),
      'play <file>',
    );
    // A file plays as one JSON event a line, as tsh does.
    const events = fromFile.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; sid?: string });
    expect(events[0]).toMatchObject({ event: 'session.start', sid });
    expect(events.at(-1)!.event).toBe('session.end');
  });

  it('tshjs config names the installed bin for ProxyCommand', async () => {
    const r = ok(await run(bin('tshjs'), ['config'], { env: env() }), 'tshjs config');
    const self = path.join(pkgDir, 'bin', 'tshjs.js');
    expect(r.stdout).toContain(`ProxyCommand "${self}" proxy ssh`);
    expect(fs.existsSync(self)).toBe(true);
  });

  it('--debug: the stack trace names src/….ts lines (source maps shipped with their sources)', async () => {
    const args = ['login', '--proxy=127.0.0.1:1', '--user=alice', '--insecure'];
    const plain = await run(bin('tshjs'), args, { env: env(), stdin: 'x\n' });
    expect(plain.code).toBe(1);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await run(bin('tshjs'), ['--debug', ...args], { env: env(), stdin: 'x\n' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^ERROR: cannot reach proxy 127\.0\.0\.1:1/m);
    expect(debug.stderr).toMatch(/\n\s+at .*\bsrc\/[\w/.-]+\.ts:\d+:\d+\)?\n/);
    const env2 = await run(bin('tshjs'), args, {
      env: cleanEnv({ TELEPORT_HOME: home, TELEPORT_DEBUG: '1' }),
      stdin: 'x\n',
    });
    expect(env2.stderr).toMatch(/\n\s+at .*\bsrc\/[\w/.-]+\.ts:\d+:\d+\)?\n/);
  });
});
