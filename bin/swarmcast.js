#!/usr/bin/env node
/* global process */
// The shims must be evaluated before any dependency module, so they are imported first and alone.
await import('../dist/shims.js');
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2));
