#!/usr/bin/env node
// The bare paged loop bench/ls.js compares against, as its own process: generated client,
// ALPN credentials, ListUnifiedResources pages until NextKey is empty. Prints the count.
import { ClusterClient } from '../dist/client/cluster.js';
import { loadClientIdentity } from '../dist/client/identity.js';
import { listUnified } from '../dist/client/listing.js';

const cc = new ClusterClient(loadClientIdentity({ env: process.env }));
let count = 0;
for await (const page of listUnified(cc, ['node'], {})) count += page.length;
cc.close();
process.stdout.write(`${count}\n`);
