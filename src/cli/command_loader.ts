/**
 * Where the CLI finds its sub-commands: one file `commands/<name>.ts` each (tests excluded), read from the folder and
 * imported on use. The bundled CLI (`scripts/build_cli.mjs`) replaces this module with a list made at build time,
 * with the same three functions (its summaries are read at build time, so `--help` loads no command).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from './command';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

/** Names of the available sub-commands, sorted. */
export function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function loadCommand(name: string): Promise<CliCommand> {
  const mod = (await import(`./commands/${name}.ts`)) as { default: CliCommand };
  return mod.default;
}

/** A command's one-line summary for `--help`. */
export async function commandSummary(name: string): Promise<string> {
  return (await loadCommand(name)).summary;
}
