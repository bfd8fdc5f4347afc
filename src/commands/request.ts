// `tshjs request …`: access requests (placeholder until the commands land).
import type { AnyCommand } from './command.js';

export const group = { name: 'request', description: 'Manage access requests.', aliases: ['requests'] };
export const commands: readonly AnyCommand[] = [];
