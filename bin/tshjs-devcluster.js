#!/usr/bin/env node
import { main } from '../dist/devcluster/main.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
