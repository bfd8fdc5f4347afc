#!/usr/bin/env node
// `npm run fuzz`: the property and mutation fuzzers in test/fuzz with many inputs per property
// (docs/fuzzing.md). Prints one line per property with its input count, then a summary; exits 1
// when a property fails, with the fast-check seed and path and the command that replays it.
//
//   npm run fuzz                       # FUZZ_RUNS=3400 per property (about 275,000 inputs)
//   npm run fuzz -- --runs 20000       # more
//   npm run fuzz -- --known            # also the properties marked as known defects of other files
//   npm run fuzz -- predicate          # only test/fuzz files whose name contains "predicate"
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const args = process.argv.slice(2);
let runs = Number(process.env.FUZZ_RUNS) || 3400;
let known = process.env.FUZZ_KNOWN === '1';
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--known') known = true;
  else if (args[i] === '--seed') process.env.FUZZ_SEED = args[++i];
  else filters.push(args[i]);
}
if (!Number.isSafeInteger(runs) || runs <= 0) {
  console.error('fuzz: --runs needs a positive integer');
  process.exit(2);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-fuzz-'));
const stats = path.join(work, 'stats.jsonl');
const report = path.join(work, 'vitest.json');
const env = {
  FUZZ_TIME_LIMIT_MS: '1000', // per input; the harness's default is looser for `npm test`
  ...process.env,
  FUZZ_RUNS: String(runs),
  FUZZ_STATS: stats,
  ...(known ? { FUZZ_KNOWN: '1' } : {}),
};
const files = filters.length ? filters.map((f) => `test/fuzz/${f}`) : ['test/fuzz'];

console.log(`fuzz: ${runs} inputs per property (times its weight)${known ? ', known defects included' : ''}`);
const start = Date.now();
const run = spawnSync(
  npx,
  [
    'vitest',
    'run',
    ...files,
    '--reporter=dot',
    '--reporter=json',
    `--outputFile.json=${report}`,
    // A property's own time is bounded per input; the test as a whole may take minutes.
    '--testTimeout=1800000',
  ],
  { cwd: repo, stdio: 'inherit', env },
);

const inputs = new Map();
if (fs.existsSync(stats)) {
  for (const line of fs.readFileSync(stats, 'utf8').split('\n').filter(Boolean)) {
    const { name, runs: n } = JSON.parse(line);
    inputs.set(name, n);
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
let parsed = false;
try {
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  parsed = true;
  console.log('');
  for (const file of r.testResults ?? []) {
    const rel = path.relative(repo, file.name);
    for (const t of file.assertionResults ?? []) {
      const n = inputs.get(t.title);
      const status = t.status === 'passed' ? 'ok  ' : t.status === 'failed' ? 'FAIL' : 'skip';
      console.log(`${status} ${rel} > ${t.fullName}${n ? ` (${n} inputs)` : ''}`);
      if (t.status === 'passed') passed++;
      else if (t.status === 'failed') {
        failed++;
        failures.push({ file: rel, title: t.title, message: (t.failureMessages ?? []).join('\n') });
      } else skipped++;
    }
    if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) {
      failed++;
      failures.push({ file: rel, title: '', message: file.message ?? 'the file failed to load' });
    }
  }
} catch {
  // no report: vitest itself failed; its output above says why
}

for (const f of failures) {
  console.log(`\n--- ${f.file}${f.title ? ` > ${f.title}` : ''}`);
  const lines = f.message.split('\n');
  const keep = lines.filter((l) =>
    /Property failed|seed:|Counterexample|Shrunk|^Got |FuzzDefect|Caused by|Error:/.test(l),
  );
  console.log((keep.length ? keep : lines.slice(0, 10)).slice(0, 12).join('\n'));
  const m = /seed: (-?\d+), path: "([^"]+)"/.exec(f.message);
  if (m) {
    const t = f.title.replace(/'/g, "'\\''");
    console.log(
      `replay: FUZZ_SEED=${m[1]} FUZZ_PATH=${m[2]} FUZZ_RUNS=${runs}${known ? ' FUZZ_KNOWN=1' : ''} npx vitest run ${f.file} -t '${t}'`,
    );
  }
}

const total = [...inputs.values()].reduce((a, b) => a + b, 0);
const secs = Math.round((Date.now() - start) / 1000);
console.log(`\nfuzz: ${total} inputs over ${inputs.size} properties in ${secs} s`);
if (!parsed && failed === 0) failed = 1;
if (run.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
fs.rmSync(work, { recursive: true, force: true });
process.exit(failed === 0 ? 0 : 1);
