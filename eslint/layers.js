// The layer rule of docs/architecture.md, enforced by `npm run lint`: a file under src/<layer>/
// may import only from the layers listed for it. Keep this table and the doc's table in step.
import * as path from 'node:path';

/** layer -> layers it may import (its own layer is always allowed). */
export const LAYERS = {
  gen: [],
  util: [],
  version: [],
  format: ['util'],
  term: ['util'],
  rdp: ['util', 'format'],
  auth: ['util', 'format', 'gen'],
  wire: ['util', 'format', 'gen', 'version', 'auth'],
  recording: ['util', 'format', 'wire', 'gen', 'term'],
  client: ['util', 'format', 'wire', 'auth', 'gen', 'term', 'recording', 'version'],
  ssh: ['util', 'format', 'wire', 'auth', 'gen', 'term', 'client'],
  proxy: ['util', 'format', 'wire', 'auth', 'gen', 'term', 'client', 'ssh'],
  tdp: ['util', 'format', 'wire', 'auth', 'gen', 'term', 'client', 'rdp'],
  // The browser viewer of desktop sessions: a local HTTP/WebSocket server over a tdp session.
  viewer: ['util', 'format', 'wire', 'auth', 'gen', 'term', 'client', 'rdp', 'tdp'],
  output: ['util', 'format', 'wire', 'gen', 'auth', 'term', 'client', 'recording'],
  commands: [
    'util',
    'format',
    'wire',
    'auth',
    'gen',
    'term',
    'recording',
    'client',
    'ssh',
    'proxy',
    'tdp',
    'viewer',
    'rdp',
    'output',
    'version',
    'daemon',
  ],
  // tshjs daemon: the Teleport Connect backend (teleterm gRPC API over a unix socket) on the same
  // client, proxy and tdp cores the commands use.
  daemon: [
    'util',
    'format',
    'wire',
    'auth',
    'gen',
    'term',
    'recording',
    'client',
    'ssh',
    'proxy',
    'tdp',
    'rdp',
    'output',
    'version',
  ],
  cli: ['util', 'format', 'term', 'output', 'commands', 'version'],
  devcluster: ['util', 'format', 'wire', 'auth', 'gen', 'recording', 'version', 'rdp'],
  // src/index.ts, the library entry: never the dev cluster (it has its own subpath export).
  index: ['util', 'format', 'wire', 'auth', 'gen', 'term', 'recording', 'client', 'ssh', 'tdp', 'version'],
};

/** The layer of a path relative to src/: its first folder, or the file's base name at the top. */
export function layerOf(relToSrc) {
  const parts = relToSrc.split(/[\\/]/);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.[cm]?[jt]s$/, '');
}

function srcRoot(filename) {
  const parts = path.resolve(filename).split(path.sep);
  const i = parts.lastIndexOf('src');
  return i < 0 ? undefined : parts.slice(0, i + 1).join(path.sep);
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports must follow the layer table of docs/architecture.md' },
    schema: [],
    messages: {
      layer: 'layer "{{from}}" may not import from layer "{{to}}" ({{spec}}); see docs/architecture.md',
      unknown: 'file in unknown layer "{{from}}": add it to eslint/layers.js and docs/architecture.md',
      outside: 'src/ may not import from outside src/ ({{spec}})',
    },
  },
  create(context) {
    const filename = context.filename ?? context.getFilename();
    const root = srcRoot(filename);
    if (!root) return {};
    const from = layerOf(path.relative(root, path.resolve(filename)));
    const allowed = LAYERS[from];
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const spec = source.value;
      const target = path.relative(root, path.resolve(path.dirname(filename), spec));
      if (target.startsWith('..')) {
        context.report({ node, messageId: 'outside', data: { spec } });
        return;
      }
      const to = layerOf(target);
      if (!allowed) {
        context.report({ node, messageId: 'unknown', data: { from } });
        return;
      }
      if (to !== from && !allowed.includes(to)) {
        context.report({ node, messageId: 'layer', data: { from, to, spec } });
      }
    };
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source.type === 'Literal' ? n.source : undefined),
    };
  },
};

export default { rules: { layers: rule } };
