// The `db` command group (tool/tsh/common/db.go): one module per subcommand under src/commands/db/;
// this is the module the registry loads (src/cli/main.ts).
import { dbConnect } from './db/connect.js';
import { dbConfig, dbEnv } from './db/env.js';
import { dbLogin, dbLogout } from './db/login.js';
import { dbLs } from './db/ls.js';

export { dbConnect, runDbConnect } from './db/connect.js';
export { dbConfig, dbEnv, runDbConfig, runDbEnv } from './db/env.js';
export { dbLogin, dbLogout, runDbLogin, runDbLogout } from './db/login.js';
export {
  databaseLabels,
  dbLs,
  formatActiveDb,
  LIST_DATABASES_HINT,
  runDbLs,
  type DbLsOptions,
} from './db/ls.js';
export type {
  DbConfigOptions,
  DbConnectOptions,
  DbEnvOptions,
  DbLoginOptions,
  DbSelectOptions,
} from './db/shared.js';

export const group = { name: 'db', description: 'View and control proxied databases' };

export const commands = [dbLs, dbLogin, dbLogout, dbConnect, dbEnv, dbConfig];
