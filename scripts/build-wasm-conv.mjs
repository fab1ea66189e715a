#!/usr/bin/env node
// Regenerates src/backends/wasm_conv/conv_binaries.ts from conv_wat.ts (needs the wabt dev dependency).
import { register } from 'tsx/esm/api';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

register();
const { assembleConvVariants, binariesSource } = await import('../src/backends/wasm_conv/assemble.ts');
const target = fileURLToPath(new URL('../src/backends/wasm_conv/conv_binaries.ts', import.meta.url));
writeFileSync(target, binariesSource(await assembleConvVariants()));
console.log(`wrote ${target}`);
