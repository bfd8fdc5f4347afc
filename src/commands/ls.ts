// tshjs ls: nodes via ListUnifiedResources, streamed page by page.
import type { ServerV2 } from '../gen/teleport/legacy/types/types.js';
import { labelsString, sortedLabels } from '../output/labels.js';
import { JsonArrayWriter, YamlSequenceWriter } from '../output/printer.js';
import { serverJSON } from '../output/resourcejson.js';
import { Table } from '../output/table.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';
import { terminalWidth } from '../term/io.js';
import { defineCommand, formatFlag, labelsArg, listingFlags, listingOptions } from './command.js';
import type { CommandContext } from './context.js';

export type LsFormat = 'text' | 'json' | 'yaml' | 'names';

export interface LsOptions extends FilterOptions {
  format: LsFormat;
  verbose?: boolean;
}

/** Address column: tunnel nodes have none. */
export function nodeAddr(n: ServerV2): string {
  return n.Spec?.UseTunnel ? '⟵ Tunnel' : (n.Spec?.Addr ?? '');
}

function allLabels(n: ServerV2): Record<string, string> {
  const out = { ...(n.Metadata?.Labels ?? {}) };
  for (const [k, v] of Object.entries(n.Spec?.CmdLabels ?? {})) out[k] = v.Result;
  return out;
}

export function nodeRow(n: ServerV2, verbose: boolean): string[] {
  const host = n.Spec?.Hostname ?? '';
  return verbose
    ? [host, n.Metadata?.Name ?? '', nodeAddr(n), labelsString(allLabels(n))]
    : [host, nodeAddr(n), sortedLabels(allLabels(n))];
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
  const filter = resourceFilter(o);
  const out = ctx.io.stdout;
  const json = o.format === 'json' ? new JsonArrayWriter(out) : undefined;
  const yml = o.format === 'yaml' ? new YamlSequenceWriter(out) : undefined;
  let table: Table | undefined;
  const titles = o.verbose
    ? ['Node Name', 'Node ID', 'Address', 'Labels']
    : ['Node Name', 'Address', 'Labels'];
  let wroteHeader = false;
  for await (const nodes of ctx.client().nodes(filter)) {
    if (json) nodes.forEach((n) => json.write(serverJSON(n)));
    else if (yml) nodes.forEach((n) => yml.write(serverJSON(n)));
    else if (o.format === 'names') out.write(nodes.map((n) => `${n.Spec?.Hostname ?? ''}\n`).join(''));
    else {
      // Text: column widths come from the first page; later pages reuse them.
      const rows = nodes.map((n) => nodeRow(n, !!o.verbose));
      table ??= o.verbose
        ? new Table(titles.map((title) => ({ title })))
        : Table.withTruncatedColumn(titles, rows, 'Labels', terminalWidth(out));
      out.write(table.page(rows, !wroteHeader));
      wroteHeader = true;
    }
  }
  json?.end();
  yml?.end();
  if (o.format === 'text') {
    if (!wroteHeader) out.write(new Table(titles.map((title) => ({ title }))).toString());
    out.write('\n');
  }
  return 0;
}
