// `tshjs request ls` (onRequestList).
import { defineCommand, formatFlag, type Format } from '../command.js';
import type { CommandContext } from '../context.js';
import { currentUser, rootClusterClient } from './shared.js';

export interface RequestLsOptions {
  format: Format;
  reviewable?: boolean;
  suggested?: boolean;
  myRequests?: boolean;
}

export const requestLs = defineCommand<RequestLsOptions>({
  path: ['request', 'ls'],
  aliases: ['list'],
  description: 'List access requests',
  flags: [
    formatFlag(),
    { flags: '--reviewable', description: 'Only show requests reviewable by current user' },
    { flags: '--suggested', description: 'Only show requests that suggest current user as reviewer' },
    { flags: '--my-requests', description: 'Only show requests created by current user' },
  ],
  options: (_a, f) => ({
    format: f.format as Format,
    reviewable: f.reviewable === true,
    suggested: f.suggested === true,
    myRequests: f.myRequests === true,
  }),
  run: runRequestLs,
});

export async function runRequestLs(o: RequestLsOptions, ctx: CommandContext): Promise<number> {
  const { tc, cc } = await rootClusterClient(ctx);
  const user = await currentUser(ctx, tc);
  const { getAccessRequests, filterRequests } = await import('../../client/accessrequests.js');
  const reqs = filterRequests(await getAccessRequests(cc, {}), user, o);
  const fmt = await import('../../output/requestformat.js');
  ctx.io.stdout.write(
    o.format === 'text' ? fmt.requestTable(reqs, ctx.clock.now()) : fmt.serializeRequests(o.format, reqs),
  );
  return 0;
}
