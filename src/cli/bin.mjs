#!/usr/bin/env node
// The `mmpretrain-web` command: runs the TypeScript engine in Node through tsx.
import { register as registerHook } from 'node:module';
import { register } from 'tsx/esm/api';

registerHook('./resolve_hook.mjs', import.meta.url);
register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
