// Test-only preload: `node --import <this file> bin/tshjs.js …` dies by SIGKILL at the Nth
// filesystem write (TSHJS_CRASH_AT=N), as a login killed mid-write would. With
// TSHJS_CRASH_TRACE=<file>, the writes the process made are listed there when it exits, so a
// test can learn how many write points a command has.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const crashAt = Number(process.env.TSHJS_CRASH_AT ?? 0);
const traceFile = process.env.TSHJS_CRASH_TRACE;
const OPS = [
  'writeSync',
  'writeFileSync',
  'appendFileSync',
  'renameSync',
  'linkSync',
  'unlinkSync',
  'rmSync',
];
const original = Object.fromEntries(OPS.map((op) => [op, fs[op]]));
const trace = [];

for (const op of OPS) {
  fs[op] = function crashPoint(...args) {
    trace.push(`${op} ${typeof args[0] === 'number' ? `fd ${args[0]}` : String(args[0])}`);
    if (trace.length === crashAt) process.kill(process.pid, 'SIGKILL');
    return original[op].apply(this, args);
  };
}
// ESM `import * as fs from 'node:fs'` sees the wrapped functions only after this.
syncBuiltinESMExports();

if (traceFile) {
  process.on('exit', () => original.writeFileSync(traceFile, trace.map((t) => `${t}\n`).join('')));
}
