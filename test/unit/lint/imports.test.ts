// What `import 'tshjs'` loads: following the static (non-type, non-dynamic) imports from
// src/index.ts must never reach the dev cluster, the CLI, gRPC or ssh2.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../../src');

/** Static value imports of a module (import/export … from, side-effect imports); not `import type`, not import(). */
function staticImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) out.push(m[1]);
  return out;
}

function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const f = queue.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const spec of staticImports(f)) {
      if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(f), spec).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:'))
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  return { files, packages };
}

describe("import 'tshjs'", () => {
  it('does not load the dev cluster, the CLI, gRPC or ssh2', () => {
    const { files, packages } = reachable(path.join(SRC, 'index.ts'));
    const rel = [...files].map((f) => path.relative(SRC, f));
    expect(rel.filter((f) => /^(devcluster|cli|commands)\//.test(f))).toEqual([]);
    expect([...packages].filter((p) => ['@grpc/grpc-js', 'ssh2', 'commander', 'pino'].includes(p))).toEqual(
      [],
    );
  });

  it('tshjs/devcluster is its own entry', () => {
    const { files } = reachable(path.join(SRC, 'devcluster/index.ts'));
    expect([...files].map((f) => path.relative(SRC, f))).toContain('devcluster/server.ts');
  });
});
