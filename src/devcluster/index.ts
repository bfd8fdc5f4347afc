// tshjs/devcluster: the Teleport-compatible dev cluster as a library (a hermetic cluster for CI).
export { DevCluster, type DevClusterOptions, type ReadyInfo } from './server.js';
export {
  demoConfig,
  demoConfigRaw,
  loadConfigFile,
  normalizeConfig,
  type DemoConfigOptions,
  type DevClusterConfig,
} from './config.js';
export {
  LOCAL_POSTGRES_BIN,
  localPostgresMissing,
  startLocalPostgres,
  startLocalPostgresForCluster,
  type LocalPostgres,
} from './localpostgres.js';
export { signDatabaseServer } from './authsign.js';
export {
  shadowDesktopMissing,
  startShadowDesktop,
  type ShadowDesktop,
  type ShadowDesktopOptions,
} from './shadowdesktop.js';
