// Synchronous lazy loading of heavy CommonJS-capable dependencies, so commands that do not
// need them (e.g. `tshjs version`) do not pay their import cost at startup.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;

/** The `yaml` package (~35 ms to import), loaded on first use. */
export function yaml(): YamlModule {
  yamlModule ??= require('yaml') as YamlModule;
  return yamlModule;
}
