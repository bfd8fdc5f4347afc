// `tshjs request review` (onRequestReview).
import { TshError } from '../../util/errors.js';
import { defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { parseAssumeStartTime } from './create.js';
import { currentUser, rootClusterClient } from './shared.js';

export interface RequestReviewOptions {
  id: string;
  approve?: boolean;
  deny?: boolean;
  reason?: string;
  assumeStartTime?: string;
}

export const requestReview = defineCommand<RequestReviewOptions>({
  path: ['request', 'review'],
  description: 'Review an access request',
  args: [{ name: '<request-id>', description: 'ID of target request' }],
  flags: [
    { flags: '--approve', description: 'Review proposes approval' },
    { flags: '--deny', description: 'Review proposes denial' },
    { flags: '--reason <reason>', description: 'Review reason message' },
    {
      flags: '--assume-start-time <time>',
      description: 'Sets time roles can be assumed by requestor (RFC3339 e.g 2023-12-12T23:20:50.52Z)',
    },
  ],
  options: (a, f) => ({
    id: a[0] as string,
    approve: f.approve === true,
    deny: f.deny === true,
    reason: f.reason as string | undefined,
    assumeStartTime: f.assumeStartTime as string | undefined,
  }),
  run: runRequestReview,
});

export async function runRequestReview(o: RequestReviewOptions, ctx: CommandContext): Promise<number> {
  if (!!o.approve === !!o.deny) {
    throw new TshError("must supply exactly one of '--approve' or '--deny'", 'bad-parameter');
  }
  const assumeStartTime = parseAssumeStartTime(o.assumeStartTime);
  const { tc, cc } = await rootClusterClient(ctx);
  const user = await currentUser(ctx, tc);
  const { RequestState } = await import('../../gen/teleport/legacy/types/types.js');
  const { submitAccessReview } = await import('../../client/accessrequests.js');
  const proposed = o.approve ? RequestState.APPROVED : RequestState.DENIED;
  const req = await submitAccessReview(cc, o.id, {
    Author: user,
    ProposedState: proposed,
    Reason: o.reason ?? '',
    AssumeStartTime: assumeStartTime,
  });
  const { reviewResultLine } = await import('../../output/requestformat.js');
  ctx.io.stderr.write(reviewResultLine(proposed, req.Spec?.State ?? RequestState.NONE));
  return 0;
}
