// Every bench under bench/ in its smoke mode (BENCH_SMOKE=1: tiny sizes, no goals), so a bench that
// no longer runs fails CI. The real runs stay `npm run bench:*`; their ratios are not checked here.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cluster.js';

const BENCHES = fs
  .readdirSync(path.join(REPO, 'bench'))
  .filter(
    (f) =>
      f.endsWith('.js') &&
      JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).scripts[`bench:${f.slice(0, -3)}`],
  );

function runBench(file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bench', file)], {
      env: { ...process.env, BENCH_SMOKE: '1' },
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('benches in smoke mode', () => {
  it('every npm run bench:* script has its bench file', () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).scripts);
    const names = scripts.filter((s) => s.startsWith('bench:')).map((s) => `${s.slice(6)}.js`);
    expect(names.length).toBeGreaterThanOrEqual(4);
    expect(BENCHES.sort()).toEqual(names.sort());
  });

  for (const file of BENCHES) {
    it(`bench/${file} runs and prints its ratios`, { timeout: 180_000 }, async () => {
      const r = await runBench(file);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/\d\.\d\dx/);
    });
  }
});
