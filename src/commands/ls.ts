// tshjs ls: nodes via ListUnifiedResources, read page by page. As tsh (tool/tsh/common/tsh.go
// onListNodes), every format lists the nodes sorted by hostname (Go byte order), so nothing is printed
// before the last page: text holds one packed string per row (the column widths come from all rows),
// names holds the hostnames, json/yaml hold each rendered node in a temporary file (output/spill.ts).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ServerV2 } from '../gen/teleport/legacy/types/types.js';
import { goYAML } from '../format/goyaml.js';
import { allLabels, formatLabels } from '../output/labels.js';
import { NodeJsonRenderer } from '../output/nodejson.js';
import { serverJSON } from '../output/resourcejson.js';
import { SortedSpill } from '../output/spill.js';
import { byteString, Table } from '../output/table.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';
import type { EncodedPage } from '../client/listing.js';
import { stdinTerminalWidth } from '../term/io.js';
import { defineCommand, formatFlag, labelsArg, listingFlags, listingOptions } from './command.js';
import type { CommandContext } from './context.js';

export type LsFormat = 'text' | 'json' | 'yaml' | 'names';

export interface LsOptions extends FilterOptions {
  format: LsFormat;
  verbose?: boolean;
}

/**
 * emptyNodesFooter (tool/tsh/common/help.go), printed with fmt.Fprintln to stderr after any format
 * when no node was listed.
 */
export const EMPTY_NODES_FOOTER =
  "\n  Not seeing nodes? Either no nodes are available or your user's roles do not match the labels of at least one node.\n\n  Check with your Teleport cluster administrator that your user's roles should have nodes available.\n  ";

/** What a table row or name needs of a node: a ServerV2, or its NodeView (client/listing.ts). */
export type NodeFields = {
  Metadata?: { Name: string; Labels: Record<string, string> };
  Spec?: {
    Hostname: string;
    Addr: string;
    UseTunnel: boolean;
    CmdLabels: Record<string, { Result: string }>;
  };
};

/** Address column: tunnel nodes have none (getNodeRow's getAddr). */
export function nodeAddr(n: NodeFields): string {
  return n.Spec?.UseTunnel ? '⟵ Tunnel' : (n.Spec?.Addr ?? '');
}

/** types.Server GetAllLabels: static labels and the results of command labels. */
export function nodeLabels(n: NodeFields): Record<string, string> {
  return allLabels(n.Metadata?.Labels, n.Spec?.CmdLabels);
}

/** getNodeRow (tool/tsh/common/tsh.go) without --all. */
export function nodeRow(n: NodeFields, verbose: boolean): string[] {
  const host = n.Spec?.Hostname ?? '';
  const labels = formatLabels(nodeLabels(n), verbose);
  return verbose ? [host, n.Metadata?.Name ?? '', nodeAddr(n), labels] : [host, nodeAddr(n), labels];
}

export const ls = defineCommand<LsOptions>({
  path: ['ls'],
  description: 'List remote SSH nodes',
  args: [labelsArg],
  flags: [formatFlag(['names']), ...listingFlags],
  options: (args, f) => ({ ...listingOptions(args, f), format: f.format as LsFormat }),
  run: runLs,
});

export const commands = [ls];

export async function runLs(o: LsOptions, ctx: CommandContext): Promise<number> {
  // A listing allocates a page's worth of short-lived objects per node page and keeps little: keep
  // V8's young generation at its initial size instead of letting it grow to its maximum (16 MB
  // semi-spaces), which is most of the heap a 100k-node listing would otherwise reserve.
  try {
    setFlagsFromString('--semi-space-growth-factor=1');
  } catch {
    // a runtime whose flags cannot change: only memory use differs
  }
  const tc = ctx.client();
  const filter = resourceFilter(o);
  const out = ctx.io.stdout;
  let count: number;
  // Text and names decode only the fields they print; json and yaml the whole node.
  if (o.format === 'text')
    count = await printText(
      collecting(tc.nodeViewPages(filter, o.verbose ? 'all' : 'row'), 24),
      !!o.verbose,
      ctx,
    );
  else if (o.format === 'names')
    count = await printNames(collecting(tc.nodeViewPages(filter, 'hostname'), 16), out);
  else if (o.format === 'json') count = await printJSON(collecting(tc.nodeEncodedPages(filter), 16), out);
  else count = await printYAML(collecting(tc.nodePages(filter), 16), out);
  // Sometimes a user won't see any nodes because they're missing principals.
  if (count === 0) ctx.io.stderr.write(`${EMPTY_NODES_FOOTER}\n`);
  return 0;
}

type Out = { write(b: string | Uint8Array, cb?: (err?: Error | null) => void): boolean };

/**
 * Writes a chunk and waits until the stream is done with it (its callback): the caller may then reuse
 * the buffer, and a pipe's buffer never grows past one chunk.
 */
function write(out: Out, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => out.write(chunk, () => resolve()));
}

/**
 * The pages, with a full garbage collection every `every` pages. Buffers that held a page (the
 * message, the HTTP/2 and TLS chunks) often outlive a young-generation collection while the page is
 * being read, and are then only freed by a full one, which V8 puts off until much later: over 100k
 * nodes they would add some 20 MB to the process. The collector is V8's own `gc`, exposed for this.
 * Text keeps its rows, which makes its collections dearer: it has them less often.
 */
async function* collecting<P>(pages: AsyncIterable<P>, every: number): AsyncGenerator<P> {
  let gc: (() => void) | undefined;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  } catch {
    gc = undefined;
  }
  let n = 0;
  for await (const page of pages) {
    yield page;
    if (gc && ++n % every === 0) gc();
  }
}

/** printNodesAsText: MakeTable (-v) or MakeTableWithTruncatedColumn(…, "Labels"), then Println. */
async function printText(
  pages: AsyncIterable<Iterable<NodeFields>>,
  verbose: boolean,
  ctx: CommandContext,
): Promise<number> {
  const table = verbose
    ? new Table(['Node Name', 'Node ID', 'Address', 'Labels'].map((title) => ({ title })))
    : Table.withTruncatedColumn(
        ['Node Name', 'Address', 'Labels'],
        [],
        'Labels',
        stdinTerminalWidth(ctx.io.stdin),
      );
  // Lay rows out as they come, while the next page is on its way.
  table.renderAhead();
  for await (const nodes of pages) for (const n of nodes) table.addRow(nodeRow(n, verbose));
  table.sortRows();
  for (const chunk of table.chunks()) await write(ctx.io.stdout, Buffer.from(chunk, 'latin1'));
  await write(ctx.io.stdout, '\n');
  return table.length;
}

async function printNames(pages: AsyncIterable<Iterable<NodeFields>>, out: Out): Promise<number> {
  const hosts: string[] = [];
  for await (const nodes of pages) for (const n of nodes) hosts.push(byteString(n.Spec?.Hostname ?? ''));
  hosts.sort(); // byte strings: code-unit order is byte order
  for (let i = 0; i < hosts.length; i += 10_000) {
    await write(out, Buffer.from(`${hosts.slice(i, i + 10_000).join('\n')}\n`, 'latin1'));
  }
  return hosts.length;
}

/** serializeNodes: utils.FastMarshalIndent(nodes, "", "  "), then Println (output/nodejson.ts). */
async function printJSON(pages: AsyncIterable<EncodedPage>, out: Out): Promise<number> {
  const spill = new SortedSpill(',\n  ');
  const render = new NodeJsonRenderer();
  try {
    for await (const { buf, spans } of pages) {
      // Each node is rendered straight into the spill's block.
      for (let i = 0; i < spans.length; i += 2) {
        spill.begin();
        if (render.element(buf, spans[i], spans[i + 1], spill.out))
          spill.commit(render.hostBuf, render.hostStart, render.hostEnd);
        else spill.abort();
      }
    }
    if (spill.count) await writeAll(out, spill.drain('[\n  '));
    await write(out, spill.count ? '\n]\n' : '[]\n');
    return spill.count;
  } finally {
    spill.close();
  }
}

/**
 * Writes SortedSpill.drain()'s chunks in order, asking for the next chunk while the last one is being
 * written (a chunk stays valid until the one after next is asked for).
 */
async function writeAll(out: Out, chunks: Iterable<Buffer>): Promise<void> {
  let last: Promise<void> | undefined;
  for (const chunk of chunks) {
    const w = write(out, chunk);
    await last;
    last = w;
  }
  await last;
}

/** serializeNodes: yaml.Marshal (ghodss), then Println. */
async function printYAML(pages: AsyncIterable<Iterable<ServerV2>>, out: Out): Promise<number> {
  const spill = new SortedSpill('');
  try {
    for await (const nodes of pages) {
      // The element as YamlSequenceWriter (output/printer.ts) writes it.
      for (const n of nodes) spill.add(n.Spec?.Hostname ?? '', goYAML([serverJSON(n)]));
    }
    if (spill.count) await writeAll(out, spill.drain(''));
    await write(out, spill.count ? '\n' : '[]\n\n');
    return spill.count;
  } finally {
    spill.close();
  }
}
