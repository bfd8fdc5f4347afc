// tshjs ls: nodes via ListUnifiedResources, streamed page by page.
import type { ServerV2 } from '../gen/teleport/legacy/types/types.js';
import type { ClientContext } from '../client/context.js';
import { listUnified } from '../client/listing.js';
import { withClusterClient } from '../client/session.js';
import { labelsString, sortedLabels } from '../output/labels.js';
import { JsonArrayWriter, YamlSequenceWriter } from '../output/output.js';
import { serverJSON } from '../output/resourcejson.js';
import { Table } from '../output/table.js';
import { resourceFilter, type FilterOptions } from '../client/filter.js';
import { terminalWidth } from '../term/io.js';

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

export async function runLs(ctx: ClientContext, o: LsOptions): Promise<number> {
  const filter = resourceFilter(o);
  const out = ctx.io.stdout;
  await withClusterClient(ctx, async (cc) => {
    const json = o.format === 'json' ? new JsonArrayWriter(out) : undefined;
    const yml = o.format === 'yaml' ? new YamlSequenceWriter(out) : undefined;
    let table: Table | undefined;
    const titles = o.verbose
      ? ['Node Name', 'Node ID', 'Address', 'Labels']
      : ['Node Name', 'Address', 'Labels'];
    let wroteHeader = false;
    for await (const page of listUnified(cc, ['node'], filter)) {
      const nodes = page.flatMap((r) => (r.resource?.$case === 'Node' ? [r.resource.value] : []));
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
  });
  return 0;
}
