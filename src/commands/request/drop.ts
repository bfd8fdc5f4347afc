// `tshjs request drop` (onRequestDrop).
import { defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { reissue } from './create.js';
import { rootClusterClient } from './shared.js';

export interface RequestDropOptions {
  ids: string[];
}

export const requestDrop = defineCommand<RequestDropOptions>({
  path: ['request', 'drop'],
  description: 'Drop one more access requests from current identity',
  args: [{ name: '[request-id...]', description: 'IDs of requests to drop (default drops all requests)' }],
  options: (a) => {
    const ids = (a[0] as string[] | undefined) ?? [];
    return { ids: ids.length ? ids : ['*'] };
  },
  run: runRequestDrop,
});

export async function runRequestDrop(o: RequestDropOptions, ctx: CommandContext): Promise<number> {
  const { dropLine } = await import('../../output/requestformat.js');
  ctx.io.stdout.write(dropLine(o.ids));
  const { cc } = await rootClusterClient(ctx);
  await reissue(ctx, cc, [], o.ids);
  const { runStatus } = await import('../status.js');
  return runStatus({ format: 'text' }, ctx);
}
