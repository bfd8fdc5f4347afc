// A throwaway real PostgreSQL for database access tests, under the names the tests use: the dev
// cluster's own launcher (src/devcluster/localpostgres.ts), which the demo and bench:db use too.
export {
  LOCAL_POSTGRES_BIN as POSTGRES_BIN,
  localPostgresMissing as postgresMissing,
  startLocalPostgres as startPostgres,
  startLocalPostgresForCluster as startPostgresForCluster,
  type LocalPostgres as Postgres,
} from '../../src/devcluster/localpostgres.js';
