// The `apps` command group (tool/tsh/common/app.go): one module per subcommand under
// src/commands/apps/; this is the module the registry loads (src/cli/main.ts). `tshjs proxy app`
// lives with the proxy group (src/commands/proxyapp.ts). docs/apps.md.
import type { AnyCommand } from './command.js';
import { appsConfig } from './apps/config.js';
import { appsLogin } from './apps/login.js';
import { appsLogout } from './apps/logout.js';
import { appsLs } from './apps/ls.js';

export * from './apps/config.js';
export * from './apps/login.js';
export * from './apps/logout.js';
export * from './apps/ls.js';

export const group = { name: 'apps', description: 'View and control proxied applications', aliases: ['app'] };

export const commands: readonly AnyCommand[] = [appsLs, appsLogin, appsLogout, appsConfig];
