#!/usr/bin/env node
// Launcher for the `tacit` command: the sources are TypeScript, run through tsx's loader so that an
// installed checkout needs no build step. Worker threads are started with the same loader (see enclave/).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
