// `tshjs request show` (onRequestShow).
import type { ClusterClient } from '../../client/cluster.js';
import { defineCommand, formatFlag, type Format } from '../command.js';
import type { CommandContext } from '../context.js';
import { rootClusterClient } from './shared.js';

export interface RequestShowOptions {
  format: Format;
  id: string;
}

export const requestShow = defineCommand<RequestShowOptions>({
  path: ['request', 'show'],
  aliases: ['details'],
  description: 'Show request details',
  args: [{ name: '<request-id>', description: 'ID of the target request' }],
  flags: [formatFlag()],
  options: (a, f) => ({ format: f.format as Format, id: a[0] as string }),
  run: runRequestShow,
});

export async function runRequestShow(o: RequestShowOptions, ctx: CommandContext): Promise<number> {
  const { cc } = await rootClusterClient(ctx);
  await printRequest(ctx, cc, o.id, o.format);
  return 0;
}

/** onRequestShow: the request as the cluster has it now. */
export async function printRequest(
  ctx: CommandContext,
  cc: ClusterClient,
  id: string,
  format: Format,
): Promise<void> {
  const { getAccessRequest } = await import('../../client/accessrequests.js');
  const req = await getAccessRequest(cc, id);
  const fmt = await import('../../output/requestformat.js');
  ctx.io.stdout.write(
    format === 'text' ? fmt.requestDetails(req, ctx.env) : fmt.serializeRequests(format, req),
  );
}
