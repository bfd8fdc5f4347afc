// The `request` command group (tool/tsh/common/access_request.go and tsh.go's executeAccessRequest /
// onRequestResolution / reissueWithRequests): one module per subcommand under src/commands/request/;
// this is the module the registry loads (src/cli/main.ts). Every call goes to the root cluster.
// Facts and the user guide: docs/access-requests.md.
import type { AnyCommand } from './command.js';
import { requestCreate } from './request/create.js';
import { requestDrop } from './request/drop.js';
import { requestLs } from './request/ls.js';
import { requestReview } from './request/review.js';
import { requestSearch } from './request/search.js';
import { requestShow } from './request/show.js';

export * from './request/create.js';
export * from './request/drop.js';
export * from './request/ls.js';
export * from './request/review.js';
export * from './request/search.js';
export * from './request/shared.js';
export * from './request/show.js';
export * from './request/ssh.js';

export const group = { name: 'request', description: 'Manage access requests', aliases: ['requests'] };

export const commands: readonly AnyCommand[] = [
  requestLs,
  requestShow,
  requestCreate,
  requestReview,
  requestDrop,
  requestSearch,
];
